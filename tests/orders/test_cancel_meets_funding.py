"""A cancel and the payment that funds the order at the same moment (PostgreSQL row locks).

The funding side (a bank receipt or a Stripe webhook) locks the escrow and then moves the order;
a cancel used to move the order first and then lock the escrow, so the two could deadlock and
the buyer's cancel answered 500. Now the cancel takes the escrow first and simply waits.
This test commits its own data through sessions of its own (see the committed_session fixture).
"""

from __future__ import annotations

import threading
import time

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.orders import services
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger
from marketplace.payments import services as payments
from tests import factories
from tests.orders import factories as f


def _someone_waits_for_a_lock(seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with db.engine.connect() as conn:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
        if waiting:
            return True
        time.sleep(0.05)
    return False


def test_a_cancel_waits_for_the_payment_that_funds_the_order(app, committed_session):
    buyer_company = factories.company(name="Lock Buyer", country="PL")
    seller_company = factories.company(name="Lock Seller", country="PL")
    buyer = factories.user(buyer_company, role="owner")
    seller = factories.user(seller_company, role="owner")
    operator = factories.operator("lock-operator@market.example")
    order = f.order(buyer, f.offer(seller_company))
    services.confirm(seller, order)
    services.choose_payment(buyer, order, "bank_transfer")
    db.session.commit()
    order_id, buyer_id, operator_id = order.id, buyer.id, operator.id
    db.session.remove()

    escrow_locked = threading.Event()
    outcomes: dict[str, str] = {}

    def money_arrives() -> None:
        """The operator records the wire: escrow locked first, the order moved inside."""
        with app.app_context():
            try:
                mine = db.session.get(Order, order_id)
                payments.lock(mine.escrow)
                escrow_locked.set()
                assert _someone_waits_for_a_lock(), "the cancel never came"
                services.record_payment(db.session.get(User, operator_id), mine, mine.total_money)
                db.session.commit()
                outcomes["payment"] = "recorded"
            except Exception as exc:  # noqa: BLE001 - the test reports what happened
                db.session.rollback()
                outcomes["payment"] = type(exc).__name__
            finally:
                db.session.remove()

    def buyer_cancels() -> None:
        with app.app_context():
            try:
                escrow_locked.wait(timeout=10)
                services.cancel(db.session.get(User, buyer_id), db.session.get(Order, order_id))
                db.session.commit()
                outcomes["cancel"] = "done"
            except Conflict:
                db.session.rollback()
                outcomes["cancel"] = "conflict"
            except Exception as exc:  # noqa: BLE001 - a deadlock shows up here
                db.session.rollback()
                outcomes["cancel"] = type(exc).__name__
            finally:
                db.session.remove()

    threads = [threading.Thread(target=money_arrives), threading.Thread(target=buyer_cancels)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert outcomes == {"payment": "recorded", "cancel": "done"}
    final = db.session.get(Order, order_id)
    # The cancel saw the funded order: once money is held, it asks the seller to agree.
    assert final.status == OrderStatus.FUNDED and final.cancel_requested_by == "buyer"
    assert ledger.figures(final.escrow).held == final.total_money
    assert ledger.check() == []
