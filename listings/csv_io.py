"""The offer CSV format: export a company's offers, read an uploaded file and check its rows.

Rows are keyed by the seller's own SKU, so importing a file again updates instead of duplicating;
listings.imports works an upload through as a job.
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

from listings.models import Category, Offer, OfferStatus
from listings.validation import validate_offer
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


def decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationError({"file": [_("Save the file as UTF-8 encoded CSV.")]}) from exc
    if "\x00" in text:
        raise ValidationError({"file": [_("This is not a CSV file.")]})
    return text


def read(text: str) -> tuple[list[str], list[list[str]]]:
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


def read_upload(stream: IO[bytes], *, max_bytes: int, max_rows: int) -> tuple[str, int]:
    """The uploaded file's text and row count once its shape is right; else a file error."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValidationError(
            {"file": [_("The file is larger than %(mb)d MB.", mb=max_bytes // 2**20)]}
        )
    if not data.strip():
        raise ValidationError({"file": [_("The file is empty.")]})
    text = decode(data)
    header, rows = read(text)
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
    if len(rows) > max_rows:
        raise ValidationError({"file": [_("At most %(n)d rows per file.", n=max_rows)]})
    return text, len(rows)


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


def check_row(
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


def sku_cell(header: list[str], row: list[str]) -> str:
    """The row's SKU as import reads it (also for rows too broken to check further)."""
    if "sku" not in header:
        return ""
    index = header.index("sku")
    return _uncell(row[index].strip()) if index < len(row) else ""
