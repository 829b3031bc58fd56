"""A seller's first releases arriving at the same moment share one payable account (PostgreSQL).

Each order's first release creates the seller's payable account; concurrent ones must not fail on
its unique key. Uses committed_session: threads commit their own data, removed afterwards.
"""

from __future__ import annotations

import threading

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.extensions import db
from marketplace.orders import services
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger
from marketplace.payments.models import AccountKind, LedgerAccount
from tests import factories
from tests.orders import factories as f

BUYERS = 4


def test_first_deliveries_for_one_seller_at_once_all_complete(app, committed_session):
    seller_company = factories.company(name="Busy Seller", country="PL")
    seller = factories.user(seller_company, role="owner")
    operator = factories.operator("ledger-race-operator@market.example")
    offer = f.offer(seller_company)
    orders = []
    for n in range(BUYERS):
        buyer = factories.user(factories.company(name=f"Buyer {n}", country="PL"), role="owner")
        orders.append((f.shipped_order(buyer, seller, operator, offer).id, buyer.id))
    db.session.commit()
    db.session.remove()

    barrier = threading.Barrier(BUYERS)
    failures: list[BaseException] = []

    def confirm_delivery(order_id: int, buyer_id: int) -> None:
        with app.app_context():
            try:
                person = db.session.get(User, buyer_id)
                mine = db.session.get(Order, order_id)
                barrier.wait(timeout=10)
                services.deliver(person, mine)
                db.session.commit()
            except BaseException as exc:  # noqa: BLE001 - every failure is the finding
                db.session.rollback()
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=confirm_delivery, args=pair) for pair in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    statuses = db.session.execute(
        sa.select(Order.status).where(Order.id.in_([o for o, _b in orders]))
    ).scalars()
    assert set(statuses) == {OrderStatus.COMPLETED}
    payable = db.session.execute(
        sa.select(LedgerAccount).where(
            LedgerAccount.kind == AccountKind.SELLER_PAYABLE,
            LedgerAccount.company_id == seller_company.id,
        )
    ).scalar_one()
    assert ledger.balance(payable).amount == sum(
        db.session.get(Order, o).total for o, _b in orders
    ) - sum(ledger.figures(db.session.get(Order, o).escrow).fee.amount for o, _b in orders)
    assert ledger.check() == []
