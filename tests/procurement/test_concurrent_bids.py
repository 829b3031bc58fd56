"""Simultaneous auction bids on PostgreSQL: threads hit the service at once, each in its own
connection and transaction (the per-test rolled-back transaction cannot be shared between threads,
so this test commits for real and deletes what it made)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.procurement import auctions
from marketplace.procurement.models import BidLogEntry, Tender, TenderInvitation, TenderItem
from tests import factories

THREADS = 8


@pytest.fixture
def real_session(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrent bids are checked on PostgreSQL (set TEST_DATABASE_URL)")
    test_session = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine, expire_on_commit=False))
    made: dict[str, list[int]] = {"companies": [], "tenders": []}
    try:
        yield made
    finally:
        db.session.rollback()
        db.session.execute(sa.delete(Tender).where(Tender.id.in_(made["tenders"])))
        db.session.execute(sa.delete(Company).where(Company.id.in_(made["companies"])))
        db.session.commit()
        db.session.remove()
        db.session = test_session


def _run_at_once(app, work) -> list:
    barrier = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(index: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[index] = work(index)
                db.session.commit()
            except (Conflict, ValidationError) as error:
                db.session.rollback()
                results[index] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def _summary(name: str, results: list) -> str:
    accepted = sum(1 for r in results if isinstance(r, int))
    raced = sum(1 for r in results if isinstance(r, Conflict))
    return f"{name}: {accepted} accepted, {raced} lost the race (409), {THREADS - accepted - raced} too high (422)"


def test_simultaneous_bids_are_ordered_and_never_both_accepted_against_one_best_price(
    app, real_session
):
    clock.reset()
    buyer_co = factories.company(name="Concurrent Buyer")
    suppliers = [factories.company(name=f"Concurrent Supplier {i}") for i in range(THREADS)]
    real_session["companies"] += [buyer_co.id, *(c.id for c in suppliers)]
    buyer = factories.user(buyer_co, role="buyer")
    sellers = [factories.user(c, role="seller") for c in suppliers]
    tender = Tender(
        kind="reverse_auction", buyer_company_id=buyer_co.id, created_by_id=buyer.id,
        title="Concurrent auction", currency="EUR",
        items=[TenderItem(position=1, description="Concurrent auction", quantity=1, unit="pcs")],
        opens_at=clock.now() - dt.timedelta(minutes=1), closes_at=clock.now() + dt.timedelta(hours=1),
        starting_price=100000, decrement_amount=100, weight_price=100,
    )  # fmt: skip
    tender.invitations = [TenderInvitation(company_id=c.id) for c in suppliers]
    db.session.add(tender)
    db.session.commit()
    real_session["tenders"].append(tender.id)
    seller_ids = [s.id for s in sellers]

    def same_price(index: int):
        actor = db.session.get(User, seller_ids[index])
        return auctions.place_bid(actor, db.session.get(Tender, tender.id), 100000).id

    first = _run_at_once(app, same_price)
    print(_summary("same price", first))  # shown with pytest -s: how often the race really happened
    assert sum(1 for r in first if isinstance(r, int)) == 1, first
    assert all(isinstance(r, (Conflict, ValidationError)) for r in first if not isinstance(r, int))

    def different_prices(index: int):
        actor = db.session.get(User, seller_ids[index])
        return auctions.place_bid(actor, db.session.get(Tender, tender.id), 99000 - index * 500).id

    second = _run_at_once(app, different_prices)
    print(_summary("falling prices", second))
    assert any(isinstance(r, int) for r in second)
    db.session.expire_all()
    log = (
        db.session.execute(
            sa.select(BidLogEntry)
            .where(BidLogEntry.tender_id == tender.id)
            .order_by(BidLogEntry.id)
        )
        .scalars()
        .all()
    )
    versions = [e.tender_version for e in log]
    assert versions == list(range(1, len(log) + 1))  # one accepted bid per version, no gaps
    prices = [e.unit_price for e in sorted(log, key=lambda e: e.tender_version)]
    assert all(later <= earlier - 100 for earlier, later in zip(prices, prices[1:], strict=False))
    fresh = db.session.get(Tender, tender.id)
    assert fresh.best_price == prices[-1] and fresh.version == len(log)
