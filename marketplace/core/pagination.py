"""Keyset (cursor) pagination: stable under inserts, no OFFSET scans on deep pages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

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


def _signer(columns: Sequence[sa.ColumnElement]) -> URLSafeSerializer:
    # Signed per ordering: a cursor is only ever read back by the listing that wrote it, so its
    # values are ours and of the columns' types (a forged one would be compared with a column
    # of another type, which PostgreSQL answers with an error, not an empty page).
    salt = "marketplace.cursor:" + ",".join(str(column) for column in columns)
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fits(value: Any, column: sa.ColumnElement) -> bool:
    column_type = column.type
    if isinstance(column_type, sa.types.TypeDecorator):
        column_type = column_type.impl_instance
    try:
        expected = column_type.python_type
    except NotImplementedError:
        return True
    return value is None or (isinstance(value, expected) and not isinstance(value, bool))


def encode_cursor(values: Sequence[Any], columns: Sequence[sa.ColumnElement]) -> str:
    return _signer(columns).dumps([_encode_value(v) for v in values])


def decode_cursor(cursor: str, columns: Sequence[sa.ColumnElement]) -> list[Any]:
    """The values of a cursor written by encode_cursor for these columns; otherwise a
    ValidationError naming the cursor."""
    try:
        raw = _signer(columns).loads(cursor)
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError
        values = [_decode_value(v) for v in raw]
        if not all(_fits(v, c) for v, c in zip(values, columns, strict=True)):
            raise ValueError
        return values
    except (BadSignature, ValueError, TypeError, KeyError) as exc:
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
        value, last_id = decode_cursor(cursor, (order, tiebreak))
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
        next_cursor = encode_cursor(
            [getattr(last, order.key), getattr(last, tiebreak.key)], (order, tiebreak)
        )
    return Page(items=rows, next_cursor=next_cursor)
