"""The one source of the current time, timezone-aware UTC, which tests can move."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

UTC = dt.UTC

_frozen: dt.datetime | None = None
_offset = dt.timedelta()


def now() -> dt.datetime:
    """Return the current moment as an aware UTC datetime."""
    if _frozen is not None:
        return _frozen
    return dt.datetime.now(UTC) + _offset


def today() -> dt.date:
    return now().date()


def as_utc(value: dt.datetime) -> dt.datetime:
    """Interpret a naive datetime as UTC and convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def freeze(moment: dt.datetime) -> None:
    global _frozen
    _frozen = as_utc(moment)


def advance(delta: dt.timedelta) -> None:
    """Move time forward, frozen or not."""
    global _frozen, _offset
    if _frozen is not None:
        _frozen = _frozen + delta
    else:
        _offset = _offset + delta


def reset() -> None:
    global _frozen, _offset
    _frozen = None
    _offset = dt.timedelta()


@contextlib.contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[None]:
    freeze(moment)
    try:
        yield
    finally:
        reset()
