"""Rebuilding the index from the database: every document in streamed batches, a swap, a replay."""

from __future__ import annotations

import datetime
import gc
from collections.abc import Callable, Iterator

import sqlalchemy as sa

from listings.models import Category, Offer, PriceTier
from listings.services import public_offer_conditions
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money
from search import engine, outbox
from search.documents import (
    CategoryName,
    Supplier,
    category_path,
    chunked,
    company_document,
    offer_document,
    supplier,
)
from search.query import COMPANIES, OFFERS
from search.service import currency_rates

REPLAY_MARGIN = datetime.timedelta(minutes=10)


def _public_offer_ids() -> sa.Select:
    return (
        sa.select(Offer.id)
        .join(Company, Company.id == Offer.company_id)
        .where(*public_offer_conditions())
        .order_by(Offer.id)
    )


def count_documents(kind: str) -> int:
    if kind == OFFERS:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(_public_offer_ids().subquery())
        ).scalar_one()
    return db.session.execute(
        sa.select(sa.func.count(Company.id)).where(Company.status == "active")
    ).scalar_one()


def documents(kind: str, batch: int = 1000) -> Iterator[list[dict]]:
    """Every document of a kind, in batches, straight from the database."""
    if kind == OFFERS:
        yield from _offer_documents(batch)
    else:
        ids = list(db.session.execute(
            sa.select(Company.id).where(Company.status == "active").order_by(Company.id)).scalars())  # fmt: skip
        for chunk in chunked(ids, batch):
            yield [company_document(c) for c in outbox.active_companies(db.session, chunk)]
            db.session.expunge_all()


_OFFER_COLUMNS = (Offer.id, Offer.company_id, Offer.category_id, Offer.title, Offer.description,
                  Offer.attributes, Offer.sku, Offer.incoterm_place, Offer.unit, Offer.moq,
                  Offer.currency, Offer.price_on_request, Offer.lead_time_days, Offer.valid_until,
                  Offer.published_at, Offer.created_at)  # fmt: skip


def _offer_documents(batch: int) -> Iterator[list[dict]]:
    """Offer documents read as plain rows: categories and sellers looked up once, prices in bulk.

    The same documents as offer_document(Offer) gives, at several times the speed of loading
    every offer, price tier and company as ORM objects. One query streams the offers with their
    lowest price in batches (a server-side cursor on PostgreSQL): no list of every id first and
    no second query per batch."""
    session = db.session
    rates = currency_rates()
    paths = {
        c.id: tuple(CategoryName(p.slug, p.name_en, p.name_pl) for p in category_path(c))
        for c in session.execute(sa.select(Category)).scalars()
    }
    sellers: dict[int, Supplier] = {}
    lowest = (
        sa.select(sa.func.min(PriceTier.unit_price))
        .where(PriceTier.offer_id == Offer.id)
        .correlate(Offer)
        .scalar_subquery()
    )
    stmt = (
        sa.select(*_OFFER_COLUMNS, lowest.label("lowest"))
        .join(Company, Company.id == Offer.company_id)
        .where(*public_offer_conditions())
        .order_by(Offer.id)
        .execution_options(yield_per=batch)
    )
    for rows in session.execute(stmt).partitions():
        missing = {row.company_id for row in rows} - sellers.keys()
        if missing:
            for company in outbox.active_companies(session, sorted(missing)):
                sellers[company.id] = supplier(company)
            session.expunge_all()
        docs = []
        for row in rows:
            amount = None if row.price_on_request else row.lowest
            price = Money(amount, row.currency) if amount is not None else None
            docs.append(offer_document(row, rates, seller=sellers[row.company_id],
                                       path=paths[row.category_id], lowest=price))  # fmt: skip
        yield docs


def reindex(kind: str, progress: Callable[[int], None]) -> int:
    """Build a fresh index of one kind and swap it in; changes made meanwhile are replayed after.

    A change committed while the new index was being filled may have been shipped to the old one
    (by this process or a worker) and read before its commit by the rebuild: everything shipped
    or touched since shortly before the start is shipped again once the new index is live. The
    margin covers transactions that stamped updated_at before the start and committed after it.
    `flask search reindex` runs the same two steps with a transaction each (see search.cli).
    """
    since = replay_start()
    count = rebuild(kind, progress)
    replay(kind, since)
    return count


def replay_start() -> datetime.datetime:
    """From when a rebuild starting now has to replay changes."""
    return clock.now() - REPLAY_MARGIN


def rebuild(kind: str, progress: Callable[[int], None]) -> int:
    """Every document of a kind into a new index, swapped in; returns how many."""
    # Millions of short-lived ORM objects pass through: keep the cycle collector off the
    # long-lived app objects (a third of the time went to rescanning them).
    gc.collect()
    gc.freeze()
    try:
        return engine.backend().rebuild(kind, documents(kind), progress)
    finally:
        gc.unfreeze()


def replay(kind: str, since: datetime.datetime) -> None:
    """Ship again every object of a kind that changed since a moment.

    Changed means shipped by the outbox meanwhile (which covers price tiers, certificates and
    categories too) or stamped with a later updated_at. An offer also changes with its company:
    a supplier suspended during the rebuild takes its offers out of the new index."""
    session = db.session
    shipped = outbox.shipped_since(session, since)
    companies = shipped["company"] | set(
        session.execute(sa.select(Company.id).where(Company.updated_at >= since)).scalars()
    )
    if kind == COMPANIES:
        if companies:
            outbox.sync(session, engine.backend(), set(), companies)
        return
    offers = shipped["offer"] | set(
        session.execute(sa.select(Offer.id).where(Offer.updated_at >= since)).scalars()
    )
    offers |= outbox.offers_of(session, companies)
    if offers:
        outbox.sync(session, engine.backend(), offers, set())
