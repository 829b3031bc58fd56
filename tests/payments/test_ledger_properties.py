"""Property: whatever sequence of receipts, releases, refunds, splits and payouts happens, the
ledger stays balanced and no escrow pays out more than it was funded."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import ledger, services, settlement
from tests import factories

actions = st.lists(
    st.one_of(
        st.tuples(st.just("open"), st.integers(1, 50_000)),
        st.tuples(st.just("receive"), st.integers(0, 9), st.integers(-10, 60_000)),
        st.tuples(st.just("release"), st.integers(0, 9)),
        st.tuples(st.just("refund"), st.integers(0, 9), st.integers(-10, 60_000)),
        st.tuples(st.just("cancel"), st.integers(0, 9)),
        st.tuples(st.just("payout"), st.integers(0, 20)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=actions)
def test_ledger_invariants_hold_after_every_step(operator, steps):
    known = set(db.session.identity_map.keys())
    savepoint = db.session.begin_nested()
    buyer = factories.company(country="PL")
    seller = factories.company(country="DE")
    escrows = []
    try:
        for step in steps:
            kind, *args = step
            try:
                if kind == "open":
                    escrows.append(
                        services.open_escrow(
                            label="p",
                            due=Money(args[0], "EUR"),
                            buyer_company_id=buyer.id,
                            seller_company_id=seller.id,
                            provider="bank_transfer",
                        )
                    )
                elif not escrows and kind != "payout":
                    continue
                elif kind == "receive":
                    escrow = escrows[args[0] % len(escrows)]
                    services.record_bank_receipt(operator, escrow, Money(args[1], "EUR"))
                elif kind == "release":
                    settlement.release(operator, escrows[args[0] % len(escrows)])
                elif kind == "refund":
                    settlement.settle(
                        operator, escrows[args[0] % len(escrows)], Money(args[1], "EUR")
                    )
                elif kind == "cancel":
                    settlement.cancel_unpaid(operator, escrows[args[0] % len(escrows)])
                elif kind == "payout":
                    pending = services.pending_payouts()
                    if pending:
                        services.execute_payout(operator, pending[args[0] % len(pending)].id)
            except (Conflict, ValidationError):
                pass  # refused actions must leave everything as it was, which the checks see
            assert ledger.check() == []
            for escrow in escrows:
                figures = ledger.figures(escrow)
                assert figures.held.amount >= 0
                out = figures.released + figures.refunded + figures.fee
                assert out <= figures.funded
                assert figures.held.amount <= escrow.amount_due
    finally:
        savepoint.rollback()
        # Rows loaded (not inserted by the ORM) inside the savepoint are only expired by its
        # rollback; SQLite hands their ids out again in the next example, so forget them.
        for key in set(db.session.identity_map.keys()) - known:
            stale = db.session.identity_map.get(key)
            if stale is not None:
                db.session.expunge(stale)
