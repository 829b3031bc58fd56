"""The search outbox (changes waiting for the index) and the currency rates prices are compared in."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import clock
from marketplace.core.db import UTCDateTime
from marketplace.core.extensions import db

RATE_SCALE = 1_000_000  # rates are integers: units of the currency per 1 EUR, times a million


class OutboxEntry(db.Model):
    """One changed offer or company, written in the same transaction as the change itself."""

    __tablename__ = "search_outbox"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now)

    __table_args__ = (sa.CheckConstraint("kind in ('offer','company')", name="kind"),)


class ShippedChange(db.Model):
    """A change the outbox shipped, kept a while: a reindex running meanwhile replays it.

    The rebuild may have read the object before that change committed, while the change itself
    went to the index being replaced; without this record the new index would miss it.
    """

    __tablename__ = "search_shipped"

    id: Mapped[int] = mapped_column(
        sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20))
    object_id: Mapped[int]
    shipped_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now, index=True)

    __table_args__ = (sa.CheckConstraint("kind in ('offer','company')", name="kind"),)


class CurrencyRate(db.Model):
    """How many minor units of a currency buy 100 euro cents, times RATE_SCALE (no floats)."""

    __tablename__ = "search_currency_rates"

    currency: Mapped[str] = mapped_column(sa.String(3), primary_key=True)
    per_eur: Mapped[int] = mapped_column(sa.BigInteger)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )

    __table_args__ = (sa.CheckConstraint("per_eur > 0", name="per_eur_positive"),)


def to_eur_cents(amount_minor: int, per_eur: int) -> int:
    return amount_minor * RATE_SCALE // per_eur


def from_eur_cents(eur_cents: int, per_eur: int) -> int:
    return eur_cents * per_eur // RATE_SCALE
