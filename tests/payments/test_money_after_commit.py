"""Money moves at the provider only after the transaction that decided it commits, and a refusal
or a crash on the way never leaves the escrow and its journal telling something else
(localstripe, see conftest)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import stripe
from stripe._http_client import new_default_http_client

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus
from marketplace.payments import execution, ledger, services
from marketplace.payments.instructions import EXECUTE_JOB
from marketplace.payments.models import (
    EscrowStatus,
    InstructionKind,
    InstructionStatus,
    PaymentInstruction,
)
from marketplace.payments.providers import get_provider
from tests.orders import factories as f
from tests.payments.conftest import provider_moves_money, signed
from tests.payments.test_stripe import WEBHOOK, event, pay_by_card
from tests.payments.test_stripe_hold import short_windows


class _Watch:
    """Which Stripe requests the app made while watching, and whether the app's database session
    had a transaction open at that moment. It wraps the stripe library's own HTTP client (the
    requests still reach localstripe); the test's own calls standing in for Stripe.js and the
    dashboard are made while not watching."""

    def __init__(self) -> None:
        self.on = False
        self.calls: list[tuple[str, str, bool]] = []


@pytest.fixture
def watch(stripe_app):
    seen = _Watch()
    base = type(new_default_http_client())

    class Watching(base):
        def request(self, method, url, headers, post_data=None, **kwargs):
            if seen.on:
                seen.calls.append((method.upper(), url, db.session().in_transaction()))
            return super().request(method, url, headers, post_data, **kwargs)

    previous = stripe.default_http_client
    stripe.default_http_client = Watching()
    yield seen
    stripe.default_http_client = previous


def card_order(owner_a, company_b, **data):
    seller = f.seller_user(company_b)
    order = f.order(owner_a, f.offer(company_b), **data)
    orders.confirm(seller, order)
    f.choose_card(owner_a, order)
    return order, seller


def paid(client, order, kind: str = "payment_intent.succeeded") -> None:
    intent = pay_by_card(order.escrow.stripe_payment_intent)
    body, headers = signed(event(kind, intent))
    assert client.post(WEBHOOK, data=body, headers=headers).json["outcome"] == "applied"


def instructions(escrow, kind: str) -> list[PaymentInstruction]:
    db.session.expire(escrow, ["payouts"])
    return [p for p in escrow.payouts if p.kind == kind]


def test_no_provider_call_happens_inside_a_transaction(
    watch, stripe_server, client, api_a, api_b, company_a, company_b
):
    """A card order from the payment choice to the seller's transfer, and a cancelled one, as
    outside clients drive them through the API; every Stripe request of the app's finds the
    session without a transaction (on SQLite a transaction holds the database's write lock)."""
    watch.on = True
    account = client.post("/api/v1/payments/stripe/account", headers=api_b)
    assert account.status_code == 201
    offer = f.offer(company_b)
    url = "/api/v1/orders"
    placed = {"lines": [{"offer_id": offer.id, "quantity": 20}], "delivery": f.DELIVERY}
    first, second = (client.post(url, json=placed, headers=api_a).json["id"] for _ in "12")
    for order_id in (first, second):
        client.post(f"{url}/{order_id}/confirm", headers=api_b)
        payment = client.post(
            f"{url}/{order_id}/payment", json={"provider": "stripe"}, headers=api_a
        )
        assert payment.status_code == 200 and payment.json["client_secret"]
    watch.on = False
    intent = pay_by_card(
        client.get(f"{url}/{first}", headers=api_a)
        .json["payment"]["client_secret"]
        .split("_secret_")[0]
    )
    body, headers = signed(event("payment_intent.succeeded", intent))
    watch.on = True
    client.post(WEBHOOK, data=body, headers=headers)
    client.post(f"{url}/{first}/ship", json={"carrier": "DHL", "tracking_number": "9"},
                headers=api_b)  # fmt: skip
    client.post(f"{url}/{first}/deliver", headers=api_a)
    client.post(f"{url}/{second}/cancel", json={"reason": "Changed plans"}, headers=api_a)
    provider_moves_money()
    watch.on = False

    [transfer] = stripe_server.transfers
    assert transfer["destination"] == account.json["stripe_account_id"]
    asked = {(method, url.split("/v1/")[1].split("/")[0]) for method, url, _tx in watch.calls}
    assert {("POST", "accounts"), ("POST", "payment_intents"), ("POST", "transfers")} <= asked
    assert any(m == "POST" and u.endswith("/cancel") for m, u, _tx in watch.calls)
    assert [call for call in watch.calls if call[2]] == []
    assert ledger.check() == []


def test_a_capture_the_provider_refuses_leaves_the_escrow_funded_and_the_ledger_balanced(
    stripe_app, client, app, monkeypatch, owner_a, company_b, api_operator
):
    """The hold lapses at Stripe before the automatic completion captures it: the release the
    job wrote is taken back, so the escrow holds the money again and nothing went to the seller
    (before, a refused capture in the automatic completion could commit half a release)."""
    short_windows(app, monkeypatch)
    order, seller = card_order(owner_a, company_b, requested_date=clock.today() + dt.timedelta(3))
    order.escrow.seller_stripe_account = "acct_1Refused"
    paid(client, order, "payment_intent.amount_capturable_updated")
    orders.ship(seller, order, "DHL", "7")
    db.session.commit()
    stripe.PaymentIntent.cancel(order.escrow.stripe_payment_intent)  # Stripe let the hold go

    clock.advance(dt.timedelta(days=2, minutes=2))
    jobs.run_pending()  # delivered automatically
    clock.advance(dt.timedelta(days=1, minutes=2))
    jobs.run_pending()  # completed: the release is written, then the capture is refused

    escrow = order.escrow
    db.session.refresh(escrow)
    assert order.status == OrderStatus.COMPLETED
    assert escrow.status == EscrowStatus.FUNDED and escrow.closed_at is None
    figures = ledger.figures(escrow)
    assert figures.held == escrow.due and figures.released.amount == figures.fee.amount == 0
    assert services.seller_released_total(escrow.seller_company_id, "EUR").amount == 0
    assert ledger.check() == []
    [capture] = instructions(escrow, InstructionKind.CAPTURE)
    [transfer] = instructions(escrow, InstructionKind.TRANSFER)
    assert capture.status == InstructionStatus.FAILED and "no longer held" in capture.last_error
    assert transfer.status == InstructionStatus.CANCELLED
    assert order.events[-1].status == "payment_refused"

    refused = client.get("/api/v1/admin/payment-instructions/refused", headers=api_operator)
    assert [item["id"] for item in refused.json] == [capture.id]
    again = client.post(
        f"/api/v1/admin/payment-instructions/{capture.id}/retry", headers=api_operator
    )
    assert again.status_code == 200 and again.json["attempt"] == 1
    assert escrow.status == EscrowStatus.SETTLING  # the release is written again meanwhile
    provider_moves_money()  # the hold is still gone: refused again, taken back again
    db.session.refresh(escrow)
    assert escrow.status == EscrowStatus.FUNDED and ledger.figures(escrow).held == escrow.due
    assert ledger.check() == []


def test_a_refused_transfer_waits_for_the_operator_and_goes_out_on_a_new_attempt(
    stripe_app, stripe_server, client, operator, api_operator, owner_a, company_b
):
    order, seller = card_order(owner_a, company_b)
    order.escrow.seller_stripe_account = "acct_1NotReadyYet"
    stripe_server.restricted.add("acct_1NotReadyYet")
    paid(client, order)
    orders.ship(seller, order, "DHL", "8")
    orders.deliver(owner_a, order)
    provider_moves_money()

    escrow = order.escrow
    [transfer] = instructions(escrow, InstructionKind.TRANSFER)
    assert transfer.status == InstructionStatus.FAILED and "capabilities" in transfer.last_error
    assert escrow.status == EscrowStatus.RELEASED  # the money is the seller's; not paid out yet
    net = ledger.figures(escrow).released
    assert services.seller_released_total(escrow.seller_company_id, "EUR") == net
    assert stripe_server.transfers == [] and ledger.check() == []

    stripe_server.restricted.clear()  # the seller finished Stripe's onboarding
    answer = client.post(
        f"/api/v1/admin/payment-instructions/{transfer.id}/retry", headers=api_operator
    )
    assert answer.status_code == 200
    provider_moves_money()
    [sent] = stripe_server.transfers
    assert sent["idempotency_key"] == f"payment-instruction-{transfer.id}-1"
    db.session.refresh(transfer)
    assert transfer.status == InstructionStatus.EXECUTED and transfer.external_id == sent["id"]
    assert services.seller_released_total(escrow.seller_company_id, "EUR").amount == 0
    assert ledger.check() == []


def both_cancel(owner_a, seller, order) -> None:
    orders.cancel(owner_a, order, "Not needed")
    orders.cancel(seller, order, "Agreed")


def test_a_crash_between_the_commit_and_the_provider_loses_nothing(
    stripe_app, client, owner_a, company_b
):
    order, seller = card_order(owner_a, company_b)
    paid(client, order)
    both_cancel(owner_a, seller, order)
    db.session.commit()  # ... and the process dies before any worker ran
    intent = order.escrow.stripe_payment_intent
    assert stripe.Refund.list(payment_intent=intent).data == []
    waiting = (
        db.session.execute(
            sa.select(jobs.Job).where(jobs.Job.name == EXECUTE_JOB, jobs.Job.status == "pending")
        )
        .scalars()
        .all()
    )
    assert waiting  # written with the refund, in the same transaction

    provider_moves_money()  # a worker of the restarted app
    [refund] = stripe.Refund.list(payment_intent=intent).data
    assert refund.amount == order.total
    assert order.escrow.status == EscrowStatus.REFUNDED and ledger.check() == []


def test_a_crash_after_the_provider_call_does_not_move_the_money_twice(
    stripe_app, client, owner_a, company_b
):
    order, seller = card_order(owner_a, company_b)
    paid(client, order)
    both_cancel(owner_a, seller, order)
    db.session.commit()
    escrow_id = order.escrow_id
    claimed = execution._claim_next(escrow_id)  # what the worker did before it died:
    db.session.commit()
    get_provider(claimed.provider).execute(claimed.call)  # Stripe refunded; the answer is lost
    intent = order.escrow.stripe_payment_intent
    assert len(stripe.Refund.list(payment_intent=intent).data) == 1

    clock.advance(execution.CLAIM + dt.timedelta(minutes=1))  # its claim runs out
    provider_moves_money()
    [refund] = stripe.Refund.list(payment_intent=intent).data
    [instruction] = instructions(order.escrow, InstructionKind.REFUND)
    assert instruction.status == InstructionStatus.EXECUTED
    assert instruction.external_id == refund.id
    assert order.escrow.status == EscrowStatus.REFUNDED and ledger.check() == []


def test_only_operators_retry_and_only_refused_movements(
    stripe_app, client, api_operator, api_a, owner_a, company_b
):
    order, _seller = card_order(owner_a, company_b)
    orders.cancel(owner_a, order, "Never mind")
    db.session.commit()
    [cancel] = instructions(order.escrow, InstructionKind.CANCEL)
    url = f"/api/v1/admin/payment-instructions/{cancel.id}/retry"
    assert client.post(url).status_code == 401
    assert client.post(url, headers=api_a).status_code == 403
    pending = client.post(url, headers=api_operator)
    assert pending.status_code == 409 and pending.mimetype == "application/problem+json"
    missing = client.post("/api/v1/admin/payment-instructions/999999/retry", headers=api_operator)
    assert missing.status_code == 404
    db.session.refresh(cancel)
    assert cancel.status == InstructionStatus.PENDING and cancel.attempt == 0


def test_the_operator_sees_refused_movements_and_asks_again_from_the_console(
    stripe_app, stripe_server, client, operator_client, owner_a, company_b
):
    order, seller = card_order(owner_a, company_b)
    order.escrow.seller_stripe_account = "acct_1Blocked"
    stripe_server.restricted.add("acct_1Blocked")
    paid(client, order)
    orders.ship(seller, order, "DHL", "9")
    orders.deliver(owner_a, order)
    provider_moves_money()
    [transfer] = instructions(order.escrow, InstructionKind.TRANSFER)

    page = operator_client.get("/admin/payouts")
    assert "capabilities" in page.text  # the provider's reason, for the operator
    assert "Ask again" in page.text and order.escrow.payment_reference in page.text
    stripe_server.restricted.clear()
    answer = operator_client.post(f"/admin/payment-instructions/{transfer.id}/retry")
    assert answer.status_code == 302
    provider_moves_money()
    db.session.refresh(transfer)
    assert transfer.status == InstructionStatus.EXECUTED
    assert "Every card movement went through." in operator_client.get("/admin/payouts").text


def test_bank_payouts_wait_until_the_card_capture_they_follow_went_through(
    stripe_app, client, operator, app, monkeypatch, owner_a, company_b
):
    """A seller without a connected account is paid by the operator's wire, but only once the
    buyer's card money was actually captured."""
    short_windows(app, monkeypatch)
    order, seller = card_order(owner_a, company_b, requested_date=clock.today() + dt.timedelta(3))
    paid(client, order, "payment_intent.amount_capturable_updated")
    orders.ship(seller, order, "DHL", "10")
    orders.deliver(owner_a, order)
    [payout] = instructions(order.escrow, InstructionKind.SELLER_PAYOUT)
    assert services.pending_payouts() == []
    with pytest.raises(Exception, match="waits for the card payment"):
        services.execute_payout(operator, payout.id)
    provider_moves_money()
    assert [p.id for p in services.pending_payouts()] == [payout.id]
    settlement_figures = ledger.figures(order.escrow)
    assert settlement_figures.released == Money(payout.amount, "EUR")
