"""Property: random sequences of order actions, payments, refunds and disputes keep the escrow
ledger balanced and each order's money where its state says it is."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import disputes, services
from marketplace.payments import ledger
from tests import factories
from tests.orders import factories as f

order_index = st.integers(0, 2)
# Amounts relative to the order's total, so payments and refunds hit the interesting edges.
AMOUNTS = ("all", "half", "over", "zero", "negative", "one")
# Actions go preferably to an order in a state where they apply; otherwise to any order, which
# exercises the refusals (wrong state, wrong side).
FITS = {
    "confirm": {"placed"}, "reject": {"placed"}, "pay": {"confirmed"}, "receive": {"confirmed"},
    "ship": {"funded"}, "deliver": {"shipped"}, "dispute": {"funded", "shipped", "delivered"},
    "resolve": {"disputed"}, "cancel_buyer": {"placed", "confirmed", "funded"},
    "cancel_seller": {"placed", "confirmed", "funded"},
}  # fmt: skip


def next_step(order, buyer, seller, operator) -> None:
    """The natural next step of a trade, so random runs reach the later states often."""
    if order.status == "placed":
        services.confirm(seller, order)
    elif order.status == "confirmed" and order.escrow is None:
        services.choose_payment(buyer, order, "bank_transfer")
    elif order.status == "confirmed":
        held = ledger.figures(order.escrow).held
        services.record_payment(operator, order, order.total_money - held)
    elif order.status == "funded":
        services.ship(seller, order, "DHL", "1")
    elif order.status == "shipped":
        services.deliver(buyer, order)
    elif order.status == "disputed":
        disputes.resolve_dispute(operator, order.open_dispute.id, amount_for(order, "half"))


def amount_for(order, kind: str) -> Money:
    total = order.total
    value = {"all": total, "half": total // 2, "over": total + 500, "zero": 0, "negative": -1,
             "one": 1}[kind]  # fmt: skip
    return Money(value, order.currency)


steps = st.lists(
    st.one_of(
        *[st.tuples(st.just("next"), order_index)] * 8,
        st.tuples(st.just("place"), st.integers(8, 150)),
        st.tuples(st.sampled_from(["confirm", "reject", "pay", "ship", "deliver"]), order_index),
        st.tuples(st.sampled_from(["cancel_buyer", "cancel_seller", "dispute"]), order_index),
        st.tuples(st.just("receive"), order_index, st.sampled_from(AMOUNTS)),
        st.tuples(st.just("resolve"), order_index, st.sampled_from(AMOUNTS)),
        st.tuples(st.just("wait"), st.integers(1, 20)),
    ),
    min_size=1,
    max_size=50,
)

HELD_IN_FULL = {"funded", "shipped", "delivered", "disputed"}
EMPTIED = {"completed", "resolved", "refunded", "cancelled", "rejected"}


def check_invariants(orders) -> None:
    assert ledger.check() == []
    for order in orders:
        if order.escrow is None:
            assert order.status not in HELD_IN_FULL | {"completed", "resolved", "refunded"}
            continue
        figures = ledger.figures(order.escrow)
        assert figures.released + figures.refunded + figures.fee <= figures.funded
        if order.status in HELD_IN_FULL:
            assert figures.held == order.total_money
        elif order.status in EMPTIED:
            assert figures.held.amount == 0
        else:
            assert 0 <= figures.held.amount < order.total
        if order.status == "completed":
            assert figures.released + figures.fee == order.total_money


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(actions=steps)
@example(actions=[("place", 20)] + [("next", 0)] * 6)  # a whole trade to completion
@example(  # paid in two parts and over, disputed after shipping, split by the operator
    actions=[("place", 20), ("next", 0), ("next", 0), ("receive", 0, "half"),
             ("receive", 0, "over"), ("next", 0), ("dispute", 0), ("resolve", 0, "half")]
)  # fmt: skip
@example(  # both sides cancel a funded order; shipped order delivered by waiting
    actions=[("place", 20), ("place", 30)] + [("next", 0)] * 3 + [("cancel_buyer", 0),
             ("cancel_seller", 0)] + [("next", 1)] * 4 + [("wait", 15), ("wait", 8)]
)  # fmt: skip
def test_ledger_and_order_states_agree_after_every_step(operator, actions):
    outer = db.session.begin_nested()
    buyer_company = factories.company(country="PL")
    seller_company = factories.company(country="DE")
    buyer = factories.user(buyer_company, role="buyer")
    seller = factories.user(seller_company, role="seller")
    offer = f.offer(seller_company)
    orders = []
    try:
        for action, *args in actions:
            if action not in ("place", "wait") and not orders:
                continue
            order = None
            if action not in ("place", "wait"):
                fitting = [o for o in orders if o.status in FITS.get(action, ())] or orders
                order = fitting[args[0] % len(fitting)]
            try:
                with db.session.begin_nested():
                    if action == "next":
                        next_step(order, buyer, seller, operator)
                    elif action == "place":
                        orders.append(f.order(buyer, offer, quantity=args[0]))
                    elif action == "confirm":
                        services.confirm(seller, order)
                    elif action == "reject":
                        services.reject(seller, order)
                    elif action == "pay":
                        services.choose_payment(buyer, order, "bank_transfer")
                    elif action == "receive":
                        services.record_payment(operator, order, amount_for(order, args[1]))
                    elif action == "ship":
                        services.ship(seller, order, "DHL", "1")
                    elif action == "deliver":
                        services.deliver(buyer, order)
                    elif action == "cancel_buyer":
                        services.cancel(buyer, order)
                    elif action == "cancel_seller":
                        services.cancel(seller, order)
                    elif action == "dispute":
                        disputes.open_dispute(buyer, order, "Damaged")
                    elif action == "resolve":
                        dispute = order.open_dispute
                        if dispute is None:
                            raise Conflict("no dispute")
                        refund = amount_for(order, args[1])
                        disputes.resolve_dispute(operator, dispute.id, refund)
                    elif action == "wait":
                        clock.advance(dt.timedelta(days=args[0]))
                        services.run_due_deliveries()
            except (Conflict, ValidationError, PermissionDenied, NotFound):
                for placed in orders:
                    db.session.refresh(placed)
            check_invariants(orders)
        for placed in orders:
            event(f"order ended {placed.status}")
    finally:
        outer.rollback()
        clock.reset()
