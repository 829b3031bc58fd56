"""A seller moves a catalogue in and out as CSV: round trip, broken rows, re-import by SKU, progress."""

from __future__ import annotations

import csv
import io
import time

import pytest
import sqlalchemy as sa

from listings import csv_io, imports
from listings.models import ImportStatus, Offer, OfferStatus
from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db
from tests.listings import factories as listing_factories

HEADER = list(csv_io.COLUMNS)


def _csv(rows: list[dict], header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode()


def _row(n: int, **changes) -> dict:
    return {
        "sku": f"SKU-{n:05d}",
        "title": f"Karton klapowy 400x300x200 partia {n}",
        "description": "<p>Tektura 5-warstwowa</p>",
        "language": "pl",
        "category": "cardboard-boxes",
        "unit": "pcs",
        "moq": "100",
        "currency": "PLN",
        "price_tiers": "100=2.40;1000=1.95",
        "price_on_request": "no",
        "available_quantity": "50000",
        "lead_time_days": "3",
        "incoterm": "EXW",
        "incoterm_place": "Łódź",
        "origin_country": "PL",
        "valid_until": "",
        "status": "published",
        "attributes": '{"print_colors": "1/0"}',
    } | changes


def _import(actor, data: bytes, **options):
    job = imports.start_import(
        actor, io.BytesIO(data), "offers.csv", max_bytes=50 * 2**20, **options
    )
    return imports.run_to_end(job)


def _offers(company_id: int) -> list[Offer]:
    return list(
        db.session.execute(
            sa.select(Offer).where(Offer.company_id == company_id).order_by(Offer.sku)
        ).scalars()
    )


def test_export_then_import_elsewhere_gives_the_same_rows(owner_a, owner_b, company_a, company_b):
    listing_factories.offer(
        company_a,
        sku="A-1",
        price_tiers=[
            {"min_quantity": 1, "unit_price": 90000},
            {"min_quantity": 10, "unit_price": 85050},
        ],
        attributes={"steel_grade": "S355J2", "thickness_mm": 4},
        valid_until="2099-12-31",
    )
    listing_factories.offer(
        company_a, sku="A-2", status=OfferStatus.DRAFT, price_tiers=[], price_on_request=True
    )
    exported = "".join(csv_io.export_rows(company_a.id))
    job = _import(owner_b, exported.encode())
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.updated_count, job.errors) == (2, 0, [])
    assert "".join(csv_io.export_rows(company_b.id)) == exported
    imported = _offers(company_b.id)
    assert [o.status for o in imported] == ["published", "draft"]
    assert [(t.min_quantity, t.unit_price) for t in imported[0].price_tiers] == [
        (1, 90000),
        (10, 85050),
    ]


def test_reimporting_updates_by_sku_instead_of_duplicating(owner_a, company_a):
    _import(owner_a, _csv([_row(1), _row(2)]))
    job = _import(
        owner_a, _csv([_row(1, title="Karton zmieniony", price_tiers="100=2.10"), _row(3)])
    )
    assert (job.created_count, job.updated_count) == (1, 1)
    offers = _offers(company_a.id)
    assert [o.sku for o in offers] == ["SKU-00001", "SKU-00002", "SKU-00003"]
    assert offers[0].title == "Karton zmieniony"
    assert [(t.min_quantity, t.unit_price) for t in offers[0].price_tiers] == [(100, 210)]


def test_a_file_with_broken_rows_writes_nothing_and_reports_row_and_column(owner_a, company_a):
    rows = [
        _row(1),
        _row(2, moq="0"),
        _row(3, category="nope", currency="ZZZ"),
        _row(4, price_tiers="1000=1.95;100=2.40"),
        _row(5, valid_until="2001-01-01", lead_time_days="-1"),
        _row(6, price_tiers="cheap"),
        _row(7, attributes="{not json"),
        _row(8, status="sold"),
        _row(1),
        _row(9, sku=""),
    ]
    job = _import(owner_a, _csv(rows))
    assert job.status == ImportStatus.REJECTED
    assert _offers(company_a.id) == []
    found = {(e["row"], e["column"]) for e in job.errors}
    assert {
        (3, "moq"), (4, "category"), (4, "currency"), (5, "price_tiers"), (6, "valid_until"),
        (6, "lead_time_days"), (7, "price_tiers"), (8, "attributes"), (9, "status"), (10, "sku"), (11, "sku"),
    } <= found  # fmt: skip
    assert (2, "sku") not in found


def test_valid_rows_only_imports_the_good_ones_and_reports_the_rest(owner_a, company_a):
    job = _import(owner_a, _csv([_row(1), _row(2, moq="zero"), _row(3)]), valid_rows_only=True)
    assert job.status == ImportStatus.DONE
    assert job.created_count == 2
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "moq")]
    assert [o.sku for o in _offers(company_a.id)] == ["SKU-00001", "SKU-00003"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"sku,title\n1,x\n", "Missing columns"),
        (b"sku,title,category,unit,currency,colour\n", "Unknown columns"),
        (b"sku,title,category,unit,currency\n", "no rows"),
        ("sku;title\n\u0105".encode("utf-16"), "UTF-8"),
    ],
)
def test_files_of_the_wrong_shape_are_refused(owner_a, data, message):
    with pytest.raises(ValidationError) as error:
        imports.start_import(owner_a, io.BytesIO(data), "x.csv", max_bytes=2**20)
    assert message in " ".join(error.value.errors["file"])


def test_semicolon_separated_files_from_spreadsheets_work(owner_a, company_a):
    text = _csv([_row(1)]).decode().replace(",", ";")
    # the tiers use ";" too, so a semicolon file quotes them as spreadsheets do
    text = text.replace("100=2.40;1000=1.95", '"100=2.40;1000=1.95"')
    job = _import(owner_a, text.encode())
    assert job.status == ImportStatus.DONE, job.errors


def test_ten_thousand_rows_in_one_upload(owner_a, company_a):
    rows = [_row(n, title=f"Karton {n}") for n in range(1, 10_001)]
    started = time.perf_counter()
    job = _import(owner_a, _csv(rows))
    elapsed = time.perf_counter() - started
    assert job.status == ImportStatus.DONE
    assert job.created_count == 10_000
    count = db.session.execute(
        sa.select(sa.func.count()).select_from(Offer).where(Offer.company_id == company_a.id)
    ).scalar_one()
    assert count == 10_000
    print(f"10,000-row import: {elapsed:.1f} s")


def test_the_import_page_shows_progress_step_by_step(signed_in, owner_a, company_a):
    browser = signed_in(owner_a)
    data = _csv([_row(n) for n in range(1, 3001)])
    response = browser.post(
        "/offers/import",
        data={"file": (io.BytesIO(data), "catalogue.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    job_url = response.location
    page = browser.get(job_url).data.decode()
    assert "<progress" in page
    states = []
    while True:
        state = browser.post(job_url + "/step", headers={"Accept": "application/json"}).json
        states.append(state["percent"])
        if state["finished"]:
            break
    assert states == sorted(states) and states[-1] == 100 and len(states) > 2
    assert "3000 offers created" in browser.get(job_url).data.decode().replace(",", "")
    exported = browser.get("/offers/export.csv")
    assert exported.mimetype == "text/csv"
    assert len(exported.data.decode().strip().splitlines()) == 3001


def test_the_import_page_reports_a_bad_file_beside_the_field(signed_in, owner_a):
    browser = signed_in(owner_a)
    response = browser.post(
        "/offers/import",
        data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "Missing columns" in response.data.decode()
    assert browser.post("/offers/import", data={}).status_code == 422


def test_another_company_cannot_see_an_import_job(signed_in, owner_a, owner_b):
    job = imports.start_import(owner_a, io.BytesIO(_csv([_row(1)])), "x.csv", max_bytes=2**20)
    other = signed_in(owner_b)
    assert other.get(f"/offers/import/{job.id}").status_code == 404
    assert other.post(f"/offers/import/{job.id}/step").status_code == 404


def test_formulas_are_defused_in_the_export_and_restored_on_import(owner_b, company_a, company_b):
    listing_factories.offer(company_a, sku="F-1", title='=HYPERLINK("http://evil.example","Click")')
    exported = "".join(csv_io.export_rows(company_a.id))
    assert "'=HYPERLINK" in exported
    _import(owner_b, exported.encode())
    assert _offers(company_b.id)[0].title == '=HYPERLINK("http://evil.example","Click")'
