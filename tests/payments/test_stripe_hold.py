"""Authorise now, capture on release only when the escrow's whole life fits the card hold."""

from __future__ import annotations

import datetime as dt

import stripe

from marketplace.core import clock, jobs
from marketplace.core.money import Money
from marketplace.orders import services as orders
from marketplace.orders.models import OrderStatus
from marketplace.payments import ledger
from marketplace.payments.models import StripeMode
from tests.orders import factories as f
from tests.payments.conftest import provider_moves_money, signed
from tests.payments.test_stripe import WEBHOOK, event, pay_by_card


def card_order(owner_a, company_b, lead_time_days=None, **data):
    seller = f.seller_user(company_b)
    order = f.order(owner_a, f.offer(company_b, lead_time_days=lead_time_days), **data)
    orders.confirm(seller, order)
    f.choose_card(owner_a, order)
    return order, seller


def short_windows(app, monkeypatch) -> None:
    """A marketplace whose automatic delivery and dispute window are short (2 + 1 days)."""
    monkeypatch.setitem(app.config, "ORDER_AUTO_DELIVERY_DAYS", 2)
    monkeypatch.setitem(app.config, "ORDER_DISPUTE_WINDOW_DAYS", 1)


def test_near_delivery_is_captured_now_when_release_may_come_after_the_hold(
    stripe_app, owner_a, company_b
):
    """Delivery in 3 days, but an unconfirmed delivery is released 14 + 7 days after shipping."""
    order, _seller = card_order(owner_a, company_b, requested_date=clock.today() + dt.timedelta(3))
    intent = stripe.PaymentIntent.retrieve(order.escrow.stripe_payment_intent)
    assert order.escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE
    assert intent.capture_method == "automatic"


def test_order_without_an_agreed_date_is_captured_now(stripe_app, app, monkeypatch, owner_a,
                                                     company_b):  # fmt: skip
    short_windows(app, monkeypatch)
    order, _seller = card_order(owner_a, company_b)
    assert order.escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE


def test_the_offers_lead_time_dates_an_order_without_a_requested_date(
    stripe_app, app, monkeypatch, owner_a, company_b
):
    short_windows(app, monkeypatch)
    quick, _seller = card_order(owner_a, company_b, lead_time_days=2)
    slow, _seller = card_order(owner_a, company_b, lead_time_days=4)
    assert quick.escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE  # 2 + 2 + 1 <= 6 days
    assert slow.escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE  # 4 + 2 + 1 > 6 days


def test_trade_that_fits_the_hold_is_authorised_and_captured_on_release(
    stripe_app, client, app, monkeypatch, owner_a, company_b
):
    short_windows(app, monkeypatch)
    order, seller = card_order(owner_a, company_b, requested_date=clock.today() + dt.timedelta(3))
    assert order.escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE  # 3 + 2 + 1 days <= 6
    intent = pay_by_card(order.escrow.stripe_payment_intent)
    assert intent["status"] == "requires_capture"
    body, headers = signed(event("payment_intent.amount_capturable_updated", intent))
    assert client.post(WEBHOOK, data=body, headers=headers).json["outcome"] == "applied"
    orders.ship(seller, order, "DHL", "1")
    orders.deliver(owner_a, order)
    provider_moves_money()
    assert stripe.PaymentIntent.retrieve(intent["id"]).status == "succeeded"
    assert ledger.figures(order.escrow).held.amount == 0


def test_a_hold_about_to_lapse_is_captured_and_the_seller_later_paid_by_transfer(
    stripe_app, stripe_server, client, app, monkeypatch, owner_a, company_b
):
    short_windows(app, monkeypatch)
    order, seller = card_order(owner_a, company_b, requested_date=clock.today() + dt.timedelta(2))
    order.escrow.seller_stripe_account = "acct_1LateShipper"
    intent = pay_by_card(order.escrow.stripe_payment_intent)
    body, headers = signed(event("payment_intent.amount_capturable_updated", intent))
    client.post(WEBHOOK, data=body, headers=headers)
    assert order.status == OrderStatus.FUNDED

    clock.advance(dt.timedelta(days=5, hours=23))
    jobs.run_pending()
    assert stripe.PaymentIntent.retrieve(intent["id"]).status == "requires_capture"
    clock.advance(dt.timedelta(hours=1, minutes=1))  # the seller has not shipped after 6 days
    jobs.run_pending()
    assert stripe.PaymentIntent.retrieve(intent["id"]).status == "succeeded"
    assert order.escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE

    orders.ship(seller, order, "DHL", "2")
    orders.deliver(owner_a, order)
    provider_moves_money()
    [transfer] = stripe_server.transfers
    fee = Money(order.total, "EUR").percent(order.escrow.fee_basis_points)
    assert transfer["amount"] == order.total - fee.amount
    assert transfer["destination"] == "acct_1LateShipper"
    assert ledger.check() == []
