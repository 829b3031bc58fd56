"""CSV export and import of a company's offers, idempotent by the seller's own SKU.

An import is a job worked through in steps (validate every row, then write), so the page can show
real progress; with "all or nothing" a single broken row means nothing is written.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import orm

from listings import categories
from listings.models import Category, ImportJob, ImportStatus, Offer, OfferStatus
from listings.services import apply_fields, set_status, transition_problem
from listings.validation import validate_offer
from marketplace.core import clock
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import CURRENCIES, Money, MoneyError

COLUMNS = (
    "sku", "title", "description", "language", "category", "unit", "moq", "currency",
    "price_tiers", "price_on_request", "available_quantity", "lead_time_days", "incoterm",
    "incoterm_place", "origin_country", "valid_until", "status", "attributes",
)  # fmt: skip
REQUIRED_COLUMNS = frozenset({"sku", "title", "category", "unit", "currency"})
IMPORTABLE_STATUSES = (
    OfferStatus.DRAFT,
    OfferStatus.PUBLISHED,
    OfferStatus.PAUSED,
    OfferStatus.ARCHIVED,
)
MAX_ROWS = 20_000
MAX_ERRORS_KEPT = 1_000
VALIDATE_CHUNK = 2_500
WRITE_CHUNK = 1_000


# -- export ------------------------------------------------------------------------------------


def _format_tiers(offer: Offer) -> str:
    """ "1=12.50;100=11.00": quantity break = unit price in major units of the offer's currency."""
    return ";".join(
        f"{t.min_quantity}={Money(t.unit_price, offer.currency).decimal}" for t in offer.price_tiers
    )


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe (removed on import)."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _uncell(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_FORMULA_START) else text


def offer_row(offer: Offer) -> list[str]:
    values = {
        "sku": offer.sku or "",
        "title": offer.title,
        "description": offer.description,
        "language": offer.language,
        "category": offer.category.slug,
        "unit": offer.unit,
        "moq": offer.moq,
        "currency": offer.currency,
        "price_tiers": _format_tiers(offer),
        "price_on_request": "yes" if offer.price_on_request else "no",
        "available_quantity": "" if offer.available_quantity is None else offer.available_quantity,
        "lead_time_days": "" if offer.lead_time_days is None else offer.lead_time_days,
        "incoterm": offer.incoterm or "",
        "incoterm_place": offer.incoterm_place or "",
        "origin_country": offer.origin_country or "",
        "valid_until": offer.valid_until.isoformat() if offer.valid_until else "",
        "status": offer.status,
        "attributes": json.dumps(offer.attributes, ensure_ascii=False) if offer.attributes else "",
    }
    return [_cell(values[column]) for column in COLUMNS]


def export_rows(company_id: int) -> Iterator[str]:
    """The company's offers (archived ones left out) as CSV text, a chunk at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    stmt = (
        sa.select(Offer)
        .where(Offer.company_id == company_id, Offer.status != OfferStatus.ARCHIVED)
        .options(orm.lazyload(Offer.company), orm.noload(Offer.images))
        .order_by(Offer.id)
        .execution_options(yield_per=500)
    )
    for index, offer in enumerate(db.session.execute(stmt).scalars(), start=1):
        writer.writerow(offer_row(offer))
        if index % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


# -- import ------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": [_("Save the file as UTF-8 encoded CSV.")]}) from exc
    if "\x00" in text:
        raise ValidationError({"file": [_("This is not a CSV file.")]})
    return text


def _read(text: str) -> tuple[list[str], list[list[str]]]:
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ","
    if "\t" in sample.split("\n", 1)[0]:
        delimiter = "\t"
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ValidationError(
            {"file": [_("The CSV file is malformed: %(error)s", error=str(exc))]}
        ) from exc
    if not rows:
        raise ValidationError({"file": [_("The file is empty.")]})
    header = [h.strip().lower() for h in rows[0]]
    return header, [r for r in rows[1:] if any(cell.strip() for cell in r)]


def start_import(
    actor: Any, stream: IO[bytes], filename: str, *, valid_rows_only: bool = False, max_bytes: int
) -> ImportJob:
    """Check the file's shape and create the job; rows are checked by run_step."""
    require(actor, Permission.SELL)
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)d MB.", mb=max_bytes // 2**20)]}
        )
    if not data.strip():
        raise ValidationError({"file": [_("The file is empty.")]})
    text = _decode(data)
    header, rows = _read(text)
    unknown = [h for h in header if h not in COLUMNS]
    missing = sorted(REQUIRED_COLUMNS - set(header))
    if unknown or missing:
        messages = []
        if missing:
            messages.append(_("Missing columns: %(names)s.", names=", ".join(missing)))
        if unknown:
            messages.append(_("Unknown columns: %(names)s.", names=", ".join(unknown)))
        raise ValidationError({"file": messages})
    if not rows:
        raise ValidationError({"file": [_("The file has a header but no rows.")]})
    if len(rows) > MAX_ROWS:
        raise ValidationError({"file": [_("At most %(n)d rows per file.", n=MAX_ROWS)]})
    job = ImportJob(
        company_id=actor.company_id,
        user_id=getattr(actor, "id", None),
        filename=(filename or "offers.csv")[:200],
        source=text,
        valid_rows_only=valid_rows_only,
        status=ImportStatus.VALIDATING,
        total_rows=len(rows),
        errors=[],
    )
    db.session.add(job)
    db.session.flush()
    return job


def _parse_tiers(text: str, currency: str | None) -> Any:
    if not text.strip():
        return []
    tiers = []
    for part in text.replace(",", ".").split(";") if "=" in text else [text]:
        if not part.strip():
            continue
        quantity, sep, price = part.partition("=")
        if not sep:
            raise ValueError(part)
        money = Money.parse(price, currency if currency in CURRENCIES else "EUR")
        tiers.append({"min_quantity": quantity.strip(), "unit_price": money.amount})
    return tiers


def _row_values(header: list[str], row: list[str]) -> tuple[dict, list[tuple[str, str]]]:
    """A CSV row as the dict validate_offer reads, plus the cells that could not even be parsed."""
    cells = {name: _uncell(row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
    problems: list[tuple[str, str]] = []
    data: dict[str, Any] = {
        k: v for k, v in cells.items() if k not in {"price_tiers", "attributes", "status"}
    }
    data["description"] = cells.get("description", "")
    currency = (cells.get("currency") or "").upper()
    try:
        data["price_tiers"] = _parse_tiers(cells.get("price_tiers", ""), currency)
    except (ValueError, MoneyError):
        problems.append(
            (
                "price_tiers",
                _("Write tiers as quantity=price;quantity=price, e.g. 1=12.50;100=11.00."),
            )
        )
    if cells.get("attributes"):
        try:
            data["attributes"] = json.loads(cells["attributes"])
        except ValueError:
            problems.append(
                ("attributes", _('Attributes must be a JSON object such as {"color": "red"}.'))
            )
    # An empty status keeps an existing offer's status (a new one starts as a draft).
    status = (cells.get("status") or "").lower() or None
    if status is not None and status not in IMPORTABLE_STATUSES:
        problems.append(("status", _("Status must be draft, published, paused or archived.")))
    data["_status"] = status
    return data, problems


def _status_problem(current: str | None, wanted: str | None) -> str | None:
    """The offer rules on the row's status; current is None for a SKU not yet in the catalogue."""
    current = current or OfferStatus.DRAFT
    if current != OfferStatus.ARCHIVED and wanted in (None, current):
        return None
    return transition_problem(current, wanted or current)


def _current_statuses(company_id: int, skus: list[str]) -> dict[str, str]:
    return dict(
        db.session.execute(
            sa.select(Offer.sku, Offer.status).where(
                Offer.company_id == company_id, Offer.sku.in_(skus)
            )
        ).all()
    )


def _check_row(
    header: list[str], row: list[str], category_map: dict[str, Category]
) -> tuple[dict | None, list[tuple[str, str]]]:
    data, problems = _row_values(header, row)
    values = None
    try:
        values = validate_offer(data, category_map)
    except ValidationError as error:
        problems.extend(
            (field, message) for field, messages in error.errors.items() for message in messages
        )
    if values is not None and not values.get("sku"):
        problems.append(("sku", _("Each row needs your own SKU (it makes re-imports update).")))
    if problems:
        return None, problems
    values["_status"] = data["_status"]
    return values, []


def _rows_of(job: ImportJob) -> tuple[list[str], list[list[str]]]:
    return _read(job.source)


def _record(job: ImportJob, errors: list[dict]) -> None:
    if errors and len(job.errors) < MAX_ERRORS_KEPT:
        job.errors = [*job.errors, *errors][:MAX_ERRORS_KEPT]


def run_step(job: ImportJob) -> ImportJob:
    """Do the next slice of work: validate a chunk of rows, or write a chunk once all are valid."""
    if job.finished:
        return job
    header, rows = _rows_of(job)
    category_map = categories.slug_map()
    if job.status == ImportStatus.VALIDATING:
        start = job.validated_rows
        chunk = rows[start : start + VALIDATE_CHUNK]
        errors: list[dict] = []
        seen = _seen_skus(header, rows[:start])
        statuses = _current_statuses(job.company_id, list(_seen_skus(header, chunk)))
        for offset, row in enumerate(chunk):
            line = start + offset + 2  # spreadsheet numbering: the header is row 1
            values, problems = _check_row(header, row, category_map)
            if values is not None:
                problem = _status_problem(statuses.get(values["sku"]), values["_status"])
                if problem is not None:
                    problems.append(("status", problem))
            sku = (
                row[header.index("sku")].strip()
                if "sku" in header and header.index("sku") < len(row)
                else ""
            )
            if sku and sku in seen:
                problems.append(("sku", _("The SKU %(sku)s appears twice in the file.", sku=sku)))
            seen.add(sku)
            errors.extend({"row": line, "column": c, "message": m} for c, m in problems)
        _record(job, errors)
        job.validated_rows = start + len(chunk)
        if job.validated_rows >= job.total_rows:
            if job.errors and not job.valid_rows_only:
                job.status = ImportStatus.REJECTED
                job.finished_at = clock.now()
            else:
                job.status = ImportStatus.IMPORTING
        db.session.flush()
        return job
    start = job.processed_rows
    chunk = rows[start : start + WRITE_CHUNK]
    checked = [(_check_row(header, row, category_map)[0]) for row in chunk]
    skus = [v["sku"] for v in checked if v is not None]
    existing = {
        offer.sku: offer
        for offer in db.session.execute(
            sa.select(Offer)
            .where(Offer.company_id == job.company_id, Offer.sku.in_(skus))
            .options(orm.lazyload(Offer.company), orm.lazyload(Offer.images))
        ).scalars()
    }
    bad_rows = {e["row"] for e in job.errors}
    now = clock.now()
    for offset, values in enumerate(checked):
        if values is None or start + offset + 2 in bad_rows:
            continue
        status = values.pop("_status")
        offer = existing.get(values["sku"])
        if _status_problem(offer.status if offer else None, status) is not None:
            continue
        if offer is None:
            offer = Offer(company_id=job.company_id, status=OfferStatus.DRAFT)
            db.session.add(offer)
            job.created_count += 1
        else:
            job.updated_count += 1
        apply_fields(offer, values)
        offer.updated_at = now
        if status not in (None, offer.status):
            set_status(offer, status)
    job.processed_rows = start + len(chunk)
    if job.processed_rows >= job.total_rows:
        job.status = ImportStatus.DONE
        job.finished_at = clock.now()
    db.session.flush()
    return job


def _seen_skus(header: list[str], rows: list[list[str]]) -> set[str]:
    if "sku" not in header:
        return set()
    index = header.index("sku")
    return {row[index].strip() for row in rows if index < len(row) and row[index].strip()}


def run_to_end(job: ImportJob) -> ImportJob:
    """Every remaining step in one go (the CLI, tests and benchmarks)."""
    while not job.finished:
        run_step(job)
    return job


def job_for(actor: Any, job_id: int) -> ImportJob:
    return get_owned(ImportJob, job_id, actor.company_id)
