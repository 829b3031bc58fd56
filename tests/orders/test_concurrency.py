"""Two requests confirming delivery at the same moment release the escrow once (PostgreSQL).

The usual per-test transaction cannot be shared by threads, so this test commits its own data
through sessions of its own and removes it afterwards (only from tables that were empty).
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.orders import services
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger
from marketplace.payments.models import EntryKind, JournalTransaction
from tests import factories
from tests.orders import factories as f


def test_concurrent_delivery_confirmations_release_once(app, committed_session):
    buyer_company = factories.company(name="Race Buyer", country="PL")
    seller_company = factories.company(name="Race Seller", country="PL")
    buyer = factories.user(buyer_company, role="owner")
    seller = factories.user(seller_company, role="owner")
    operator = factories.operator("race-operator@market.example")
    offer = f.offer(seller_company)
    order = f.shipped_order(buyer, seller, operator, offer)
    db.session.commit()
    order_id, buyer_id = order.id, buyer.id
    db.session.remove()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm_delivery() -> None:
        with app.app_context():
            try:
                person = db.session.get(User, buyer_id)
                mine = db.session.get(Order, order_id)
                barrier.wait(timeout=10)
                services.deliver(person, mine)
                db.session.commit()
                outcomes.append("completed")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm_delivery) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["completed", "conflict"]
    final = db.session.get(Order, order_id)
    assert final.status == OrderStatus.COMPLETED
    releases = db.session.execute(
        sa.select(sa.func.count())
        .select_from(JournalTransaction)
        .where(
            JournalTransaction.escrow_id == final.escrow_id,
            JournalTransaction.kind == EntryKind.RELEASE,
        )
    ).scalar_one()
    assert releases == 1
    assert ledger.figures(final.escrow).held.amount == 0
    assert ledger.check() == []
