"""Cancelling an order paid by card stops the PaymentIntent; a payment that beats the cancel back."""

from __future__ import annotations

import pytest
import stripe

from marketplace.core.money import Money
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus
from marketplace.payments import ledger
from marketplace.payments.models import EscrowStatus, InstructionKind
from tests.orders import factories as f
from tests.payments.conftest import provider_moves_money, signed
from tests.payments.test_stripe import WEBHOOK, event, pay_by_card


def card_order(owner_a, company_b):
    """An order the seller confirmed and the buyer chose to pay by card."""
    order = f.order(owner_a, f.offer(company_b))
    orders.confirm(f.seller_user(company_b), order)
    f.choose_card(owner_a, order)
    return order


def test_cancelling_before_payment_cancels_the_payment_intent(stripe_app, owner_a, company_b):
    order = card_order(owner_a, company_b)
    intent_id = order.escrow.stripe_payment_intent

    orders.cancel(owner_a, order, "Found it cheaper")
    provider_moves_money()

    assert order.status == OrderStatus.CANCELLED
    assert stripe.PaymentIntent.retrieve(intent_id).status == "canceled"
    with pytest.raises(stripe.StripeError):
        pay_by_card(intent_id)  # the buyer's open payment page can no longer take the money
    assert ledger.check() == []


def test_a_payment_that_arrives_after_the_cancel_is_refunded_in_full(
    stripe_app, client, owner_a, company_b
):
    order = card_order(owner_a, company_b)
    intent_id = order.escrow.stripe_payment_intent
    paid = pay_by_card(intent_id)  # the buyer pays while the seller cancels
    assert paid["status"] == "succeeded"

    orders.cancel(f.seller_user(company_b), order, "Out of stock")
    provider_moves_money()
    body, headers = signed(event("payment_intent.succeeded", paid))
    answer = client.post(WEBHOOK, data=body, headers=headers)
    provider_moves_money()

    assert answer.status_code == 200 and answer.json["outcome"] == "refunded"
    refunds = stripe.Refund.list(payment_intent=intent_id).to_dict()["data"]
    assert [r["amount"] for r in refunds] == [order.total]
    escrow = order.escrow
    assert escrow.status == EscrowStatus.REFUNDED and order.status == OrderStatus.CANCELLED
    figures = ledger.figures(escrow)
    assert figures.funded == figures.refunded == Money(order.total, "EUR")
    assert figures.held.amount == 0 and ledger.check() == []
    [refund] = [p for p in escrow.payouts if p.kind == InstructionKind.REFUND]
    assert refund.status == "executed" and refund.external_id == refunds[0]["id"]
    assert order.events[-1].status == "payment_refunded"

    again = client.post(WEBHOOK, data=body, headers=headers)
    assert again.json["outcome"] == "duplicate"
    assert len(stripe.Refund.list(payment_intent=intent_id).data) == 1
