"""An import job ends honestly: every broken row stays out, nothing is half-written, a broken step
fails the job visibly, and the uploaded file is not kept once the job is over."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from listings import imports
from listings.models import ImportJob, ImportStatus, Offer
from marketplace.core import clock
from marketplace.core.extensions import db
from tests.listings.test_csv import _csv, _import, _offers, _row


def _count(company_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Offer).where(Offer.company_id == company_id)
    ).scalar_one()


def _stored_source(job_id: int) -> str | None:
    return db.session.execute(
        sa.select(ImportJob.source).where(ImportJob.id == job_id)
    ).scalar_one()


def test_a_duplicate_sku_after_a_thousand_broken_rows_is_still_kept_out(
    signed_in, owner_a, company_a
):
    rows = [_row(n, moq="zero") for n in range(1, 1002)]
    rows += [_row(5000, title="First of the pair"), _row(5000, title="Second of the pair")]
    job = _import(owner_a, _csv(rows), valid_rows_only=True)
    assert job.status == ImportStatus.DONE
    assert [(o.sku, o.title) for o in _offers(company_a.id)] == [("SKU-05000", "First of the pair")]
    assert (job.error_count, len(job.errors)) == (1002, imports.MAX_ERRORS_KEPT)
    page = signed_in(owner_a).get(f"/offers/import/{job.id}").data.decode()
    assert "1002</span>" in page
    assert "502 more errors not shown." in page


def _checked(actor, rows, **options) -> ImportJob:
    job = imports.start_import(
        actor, io.BytesIO(_csv(rows)), "offers.csv", max_bytes=2**20, **options
    )
    imports.run_step(job)
    assert job.status == ImportStatus.IMPORTING
    return job


def test_a_row_expired_between_checking_and_writing_rejects_an_all_or_nothing_file(
    owner_a, company_a
):
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    job = _checked(owner_a, [_row(1), _row(2, valid_until=tomorrow)])
    clock.advance(dt.timedelta(days=2))
    imports.run_step(job)
    assert job.status == ImportStatus.REJECTED
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "valid_until")]
    assert _count(company_a.id) == 0


def test_a_row_expired_between_checking_and_writing_is_reported_when_importing_valid_rows(
    owner_a, company_a
):
    tomorrow = (clock.today() + dt.timedelta(days=1)).isoformat()
    job = _checked(owner_a, [_row(1), _row(2, valid_until=tomorrow)], valid_rows_only=True)
    clock.advance(dt.timedelta(days=2))
    imports.run_step(job)
    assert job.status == ImportStatus.DONE
    assert (job.created_count, job.error_count) == (1, 1)
    assert [(e["row"], e["column"]) for e in job.errors] == [(3, "valid_until")]
    assert [o.sku for o in _offers(company_a.id)] == ["SKU-00001"]


def _break_the_insert_of(sku: str) -> None:
    """A real database failure part-way through the write (rolled back with the test)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            sa.text(
                "CREATE FUNCTION break_offer_insert() RETURNS trigger AS $$ BEGIN "
                f"IF NEW.sku = '{sku}' THEN RAISE EXCEPTION 'disk full'; END IF; RETURN NEW; "
                "END $$ LANGUAGE plpgsql"
            )
        )
        db.session.execute(
            sa.text(
                "CREATE TRIGGER break_offer_insert BEFORE INSERT ON offers "
                "FOR EACH ROW EXECUTE FUNCTION break_offer_insert()"
            )
        )
    else:
        db.session.execute(
            sa.text(
                "CREATE TRIGGER break_offer_insert BEFORE INSERT ON offers "
                f"WHEN NEW.sku = '{sku}' BEGIN SELECT RAISE(ABORT, 'disk full'); END"
            )
        )


def test_a_write_that_breaks_leaves_nothing_and_fails_the_job_on_the_page(
    signed_in, owner_a, company_a
):
    browser = signed_in(owner_a)
    response = browser.post(
        "/offers/import",
        data={"file": (io.BytesIO(_csv([_row(n) for n in range(1, 3001)])), "big.csv")},
        content_type="multipart/form-data",
    )
    job_url = response.location
    _break_the_insert_of("SKU-02500")
    answers = []
    while True:
        response = browser.post(job_url + "/step", headers={"Accept": "application/json"})
        answers.append((response.status_code, response.json["status"]))
        assert _count(company_a.id) == 0  # never the first 1,000 or 2,499 rows
        if response.json["finished"]:
            break
        assert len(answers) < 10, answers
    assert answers == [
        (200, "validating"),
        (200, "importing"),
        (503, "importing"),
        (503, "importing"),
        (200, "failed"),
    ]
    page = browser.get(job_url).data.decode()
    assert "The import failed: nothing was imported." in page
    assert "Import się nie powiódł" in browser.get(job_url + "?lang=pl").data.decode()
    assert _stored_source(int(job_url.rsplit("/", 1)[1])) is None


def test_every_row_of_an_all_or_nothing_file_is_written_in_one_step(owner_a, company_a):
    job = _checked(owner_a, [_row(n) for n in range(1, 2001)])
    imports.run_step(job)
    assert (job.status, job.created_count, _count(company_a.id)) == (ImportStatus.DONE, 2000, 2000)


def test_the_uploaded_file_is_dropped_when_the_job_ends(owner_a):
    done = _import(owner_a, _csv([_row(1)]))
    rejected = _import(owner_a, _csv([_row(2, moq="0")]))
    running = imports.start_import(owner_a, io.BytesIO(_csv([_row(3)])), "x.csv", max_bytes=2**20)
    db.session.commit()
    assert (done.status, rejected.status) == (ImportStatus.DONE, ImportStatus.REJECTED)
    assert _stored_source(done.id) is None and _stored_source(rejected.id) is None
    assert "SKU-00003" in _stored_source(running.id)
