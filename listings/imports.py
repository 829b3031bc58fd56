"""An offer CSV upload worked through as a job: check the rows a chunk per step, then write them.

Checking takes several steps so the page can show honest progress; nothing is written meanwhile.
Writing is one step, in one transaction: every row is checked again there (time and the catalogue
may have moved since) and written, so "all or nothing" really is all or nothing, and a tab closed
part-way never leaves half a catalogue (10,000 rows take a few seconds, see bench/listings_import.py).
A step that breaks is rolled back and counted; after MAX_STEP_FAILURES in a row the job is failed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from listings import categories, csv_io
from listings.models import Category, ImportJob, ImportStatus, Offer, OfferStatus
from listings.services import apply_fields, set_status, transition_problem
from marketplace.core import clock
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.extensions import db

MAX_ROWS = 20_000
MAX_ERRORS_KEPT = 1_000
VALIDATE_CHUNK = 2_500
MAX_STEP_FAILURES = 3
_QUERY_CHUNK = 1_000  # SKUs per IN (...) list

Checked = tuple[int, dict | None, list[tuple[str, str]]]  # (row number, values, problems)


def start_import(
    actor: Any, stream: IO[bytes], filename: str, *, valid_rows_only: bool = False, max_bytes: int
) -> ImportJob:
    """Check the file's shape and create the job; rows are checked by run_step."""
    require(actor, Permission.SELL)
    text, row_count = csv_io.read_upload(stream, max_bytes=max_bytes, max_rows=MAX_ROWS)
    job = ImportJob(
        company_id=actor.company_id,
        user_id=getattr(actor, "id", None),
        filename=(filename or "offers.csv")[:200],
        source=text,
        valid_rows_only=valid_rows_only,
        status=ImportStatus.VALIDATING,
        total_rows=row_count,
        errors=[],
        bad_rows=[],
    )
    db.session.add(job)
    db.session.flush()
    return job


def job_for(actor: Any, job_id: int) -> ImportJob:
    return get_owned(ImportJob, job_id, actor.company_id)


def run_step(job: ImportJob) -> ImportJob:
    """Do the next slice of work: check a chunk of rows, or, once all are checked, write them."""
    if job.finished:
        return job
    header, rows = csv_io.read(job.source or "")
    category_map = categories.slug_map()
    if job.status == ImportStatus.VALIDATING:
        _check_chunk(job, header, rows, category_map)
    else:
        _write(job, header, rows, category_map)
    job.failed_steps = 0
    db.session.flush()
    return job


def run_to_end(job: ImportJob) -> ImportJob:
    """Every remaining step in one go (the CLI, tests and benchmarks)."""
    while not job.finished:
        run_step(job)
    return job


def step_failed(job: ImportJob) -> ImportJob:
    """Count a step that raised (its work is rolled back); the job fails after too many in a row."""
    job.failed_steps += 1
    if job.failed_steps >= MAX_STEP_FAILURES and not job.finished:
        _finish(job, ImportStatus.FAILED)
    db.session.flush()
    return job


# -- the steps ---------------------------------------------------------------------------------


def _check_chunk(
    job: ImportJob, header: list[str], rows: list[list[str]], category_map: dict[str, Category]
) -> None:
    start = job.validated_rows
    chunk = rows[start : start + VALIDATE_CHUNK]
    seen = {csv_io.sku_cell(header, row) for row in rows[:start]}
    statuses = _current_statuses(job.company_id, {csv_io.sku_cell(header, r) for r in chunk})
    _record(job, _check(header, chunk, start, category_map, statuses, seen))
    job.validated_rows = start + len(chunk)
    if job.validated_rows >= job.total_rows:
        if job.error_count and not job.valid_rows_only:
            _finish(job, ImportStatus.REJECTED)
        else:
            job.status = ImportStatus.IMPORTING


def _write(
    job: ImportJob, header: list[str], rows: list[list[str]], category_map: dict[str, Category]
) -> None:
    bad = set(job.bad_rows or [])
    existing = _offers_by_sku(job.company_id, {csv_io.sku_cell(header, r) for r in rows})
    statuses = {sku: offer.status for sku, offer in existing.items()}
    checked = _check(header, rows, 0, category_map, statuses, set(), skip=bad)
    late = [item for item in checked if item[2]]
    if late:
        # Valid when checked, not now (a validity date passed, an offer was archived meanwhile):
        # reported like any other broken row, never dropped silently.
        _record(job, late)
        if not job.valid_rows_only:
            _finish(job, ImportStatus.REJECTED)
            return
    now = clock.now()
    for _line, values, problems in checked:
        if problems or values is None:
            continue
        status = values.pop("_status")
        offer = existing.get(values["sku"])
        if offer is None:
            offer = Offer(company_id=job.company_id, status=OfferStatus.DRAFT)
            db.session.add(offer)
            existing[values["sku"]] = offer
            job.created_count += 1
        else:
            job.updated_count += 1
        apply_fields(offer, values)
        offer.updated_at = now
        if status not in (None, offer.status):
            set_status(offer, status)
    job.processed_rows = job.total_rows
    _finish(job, ImportStatus.DONE)


# -- checking rows -----------------------------------------------------------------------------


def _check(
    header: list[str],
    rows: list[list[str]],
    first_index: int,
    category_map: dict[str, Category],
    statuses: dict[str, str],
    seen: set[str],
    *,
    skip: Collection[int] = (),
) -> list[Checked]:
    """Each row against the offer rules, the status transitions and the SKUs of earlier rows."""
    results: list[Checked] = []
    for offset, row in enumerate(rows):
        line = first_index + offset + 2  # spreadsheet numbering: the header is row 1
        sku = csv_io.sku_cell(header, row)
        duplicate = bool(sku) and sku in seen
        seen.add(sku)
        if line in skip:
            continue
        values, problems = csv_io.check_row(header, row, category_map)
        if values is not None:
            problem = _status_problem(statuses.get(values["sku"]), values["_status"])
            if problem is not None:
                problems.append(("status", problem))
        if duplicate:
            problems.append(("sku", _("The SKU %(sku)s appears twice in the file.", sku=sku)))
        results.append((line, None if problems else values, problems))
    return results


def _status_problem(current: str | None, wanted: str | None) -> str | None:
    """The offer rules on the row's status; current is None for a SKU not yet in the catalogue."""
    current = current or OfferStatus.DRAFT
    if current != OfferStatus.ARCHIVED and wanted in (None, current):
        return None
    return transition_problem(current, wanted or current)


def _by_sku(company_id: int, skus: Iterable[str], stmt: sa.Select) -> Iterator[sa.Row]:
    """stmt's (sku, ...) rows for the company's offers of these SKUs, a bounded IN list at a time."""
    items = sorted(s for s in skus if s)
    for start in range(0, len(items), _QUERY_CHUNK):
        chunk = items[start : start + _QUERY_CHUNK]
        yield from db.session.execute(
            stmt.where(Offer.company_id == company_id, Offer.sku.in_(chunk))
        )


def _current_statuses(company_id: int, skus: Iterable[str]) -> dict[str, str]:
    return dict(_by_sku(company_id, skus, sa.select(Offer.sku, Offer.status)))


def _offers_by_sku(company_id: int, skus: Iterable[str]) -> dict[str, Offer]:
    stmt = sa.select(Offer.sku, Offer).options(
        orm.lazyload(Offer.company), orm.lazyload(Offer.images)
    )
    return dict(_by_sku(company_id, skus, stmt))


# -- the job's record --------------------------------------------------------------------------


def _record(job: ImportJob, checked: list[Checked]) -> None:
    """Count every broken row and remember its number; keep the first messages for the page."""
    errors = [
        {"row": line, "column": column, "message": message}
        for line, _values, problems in checked
        for column, message in problems
    ]
    if not errors:
        return
    job.error_count += len(errors)
    job.bad_rows = sorted({*(job.bad_rows or []), *(line for line, _v, p in checked if p)})
    if len(job.errors) < MAX_ERRORS_KEPT:
        job.errors = [*job.errors, *errors][:MAX_ERRORS_KEPT]


def _finish(job: ImportJob, status: str) -> None:
    """The end of a job: the uploaded file (up to 25 MB) and the row list are not kept."""
    job.status = status
    job.finished_at = clock.now()
    job.source = None
    job.bad_rows = []
