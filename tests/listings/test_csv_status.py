"""Re-importing a catalogue follows the offer status rules: nothing comes back from the archive."""

from __future__ import annotations

import io

from listings import csv_io, imports
from listings.models import ImportStatus, OfferStatus
from marketplace.core.extensions import db
from tests.listings import factories as listing_factories
from tests.listings.test_csv import _csv, _import, _offers, _row


def _statuses(company_id: int) -> dict[str, str]:
    db.session.expire_all()
    return {o.sku: o.status for o in _offers(company_id)}


def test_an_archived_offer_stays_archived_and_the_row_names_the_status(owner_a, company_a):
    listing_factories.offer(company_a, sku="SKU-00001", status=OfferStatus.ARCHIVED)
    job = _import(owner_a, _csv([_row(1, status="published"), _row(2)]))
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "status")]
    assert "archived" in job.errors[0]["message"]
    assert _statuses(company_a.id) == {"SKU-00001": "archived"}


def test_a_published_offer_cannot_go_back_to_draft(owner_a, company_a):
    listing_factories.offer(company_a, sku="SKU-00001", title="Old title")
    job = _import(owner_a, _csv([_row(1, status="draft"), _row(2)]), valid_rows_only=True)
    assert job.status == ImportStatus.DONE
    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "status")]
    assert "A published offer cannot become draft." in job.errors[0]["message"]
    assert _statuses(company_a.id) == {"SKU-00001": "published", "SKU-00002": "published"}
    assert _offers(company_a.id)[0].title == "Old title"


def test_a_new_sku_cannot_start_paused(owner_a, company_a):
    job = _import(owner_a, _csv([_row(1, status="paused")]))
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"], e["message"]) for e in job.errors] == [
        (2, "status", "A draft offer cannot become paused.")
    ]
    assert _offers(company_a.id) == []


def test_allowed_moves_apply_and_an_empty_status_keeps_the_current_one(owner_a, company_a):
    listing_factories.offer(company_a, sku="SKU-00001", status=OfferStatus.PAUSED)
    listing_factories.offer(company_a, sku="SKU-00002")
    listing_factories.offer(company_a, sku="SKU-00003", status=OfferStatus.DRAFT)
    rows = [
        _row(1, status="published"),
        _row(2, status="", title="Still published, new title"),
        _row(3, status="archived"),
        _row(4, status=""),
    ]
    job = _import(owner_a, _csv(rows))
    assert (job.status, job.errors) == (ImportStatus.DONE, [])
    assert _statuses(company_a.id) == {
        "SKU-00001": "published",
        "SKU-00002": "published",
        "SKU-00003": "archived",
        "SKU-00004": "draft",
    }
    published = _offers(company_a.id)[0]
    assert published.published_at is not None


def test_a_file_without_a_status_column_updates_prices_and_keeps_statuses(owner_a, company_a):
    listing_factories.offer(company_a, sku="SKU-00001")
    header = [c for c in csv_io.COLUMNS if c != "status"]
    row = {k: v for k, v in _row(1, price_tiers="100=2.10").items() if k != "status"}
    job = imports.run_to_end(
        imports.start_import(owner_a, io.BytesIO(_csv([row], header)), "x.csv", max_bytes=2**20)
    )
    assert (job.status, job.errors) == (ImportStatus.DONE, [])
    offer = _offers(company_a.id)[0]
    assert offer.status == "published"
    assert [(t.min_quantity, t.unit_price) for t in offer.price_tiers] == [(100, 210)]
