"""Keyset (cursor) pagination: stable under inserts, no OFFSET scans on deep pages."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db


@dataclasses.dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return {"dt": value.isoformat()}
    return value


def _decode_value(value: Any) -> Any:
    if isinstance(value, dict) and "dt" in value:
        return dt.datetime.fromisoformat(value["dt"])
    return value


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
        if not isinstance(values, list) or len(values) != size:
            raise ValueError
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise ValidationError(
            {"cursor": [_("The cursor is not valid; start again from page one.")]}
        ) from exc


def parse_limit(raw: str | None, default: int, maximum: int) -> int:
    if raw in (None, ""):
        return default
    try:
        limit = int(raw)
    except ValueError as exc:
        raise ValidationError({"limit": [_("Must be a whole number.")]}) from exc
    if not 1 <= limit <= maximum:
        raise ValidationError({"limit": [_("Must be between 1 and %(maximum)d.", maximum=maximum)]})
    return limit


def paginate(
    stmt: sa.Select,
    *,
    order: sa.ColumnElement,
    tiebreak: sa.ColumnElement,
    cursor: str | None,
    limit: int,
    descending: bool = True,
) -> Page:
    """Run stmt ordered by (order, tiebreak) and return one page plus the cursor of the next."""
    if cursor:
        value, last_id = decode_cursor(cursor, 2)
        if descending:
            stmt = stmt.where(sa.or_(order < value, sa.and_(order == value, tiebreak < last_id)))
        else:
            stmt = stmt.where(sa.or_(order > value, sa.and_(order == value, tiebreak > last_id)))
    if descending:
        stmt = stmt.order_by(order.desc(), tiebreak.desc())
    else:
        stmt = stmt.order_by(order.asc(), tiebreak.asc())
    rows = list(db.session.execute(stmt.limit(limit + 1)).scalars())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, order.key), getattr(last, tiebreak.key)])
    return Page(items=rows, next_cursor=next_cursor)
