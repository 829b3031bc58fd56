"""Card payments through Stripe, against a real localstripe server (see conftest)."""

from __future__ import annotations

import datetime as dt
import secrets
import time

import pytest
import sqlalchemy as sa
import stripe

from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import ledger, services, settlement
from marketplace.payments.models import EscrowStatus, JournalEntry, StripeMode
from tests import factories
from tests.orders import factories as order_factories
from tests.payments.conftest import provider_moves_money, signed
from tests.payments.factories import escrow as make_escrow

WEBHOOK = "/api/v1/payments/stripe/webhook"


def pay_by_card(intent_id: str) -> dict:
    """What Stripe.js does in the buyer's browser: attach a card and confirm the intent."""
    card = stripe.PaymentMethod.create(
        type="card",
        card={"number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
    )
    stripe.PaymentIntent.modify(intent_id, payment_method=card.id)
    stripe.PaymentIntent.confirm(intent_id)
    for _ in range(50):
        intent = stripe.PaymentIntent.retrieve(intent_id).to_dict()
        if intent["status"] in ("succeeded", "requires_capture"):
            return intent
        time.sleep(0.05)
    raise AssertionError(f"card payment did not complete: {intent['status']}")


def event(kind: str, intent: dict) -> dict:
    return {
        "id": "evt_" + secrets.token_hex(8),
        "object": "event",
        "type": kind,
        "data": {"object": intent},
    }


def journal_size() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(JournalEntry)).scalar_one()


def test_capture_now_then_refund_through_stripe(stripe_app, client, operator):
    escrow = make_escrow(12_000, provider="stripe")
    assert escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE
    assert escrow.stripe_client_secret.startswith(escrow.stripe_payment_intent)
    intent = pay_by_card(escrow.stripe_payment_intent)
    assert intent["status"] == "succeeded"

    body, headers = signed(event("payment_intent.succeeded", intent))
    answer = client.post(WEBHOOK, data=body, headers=headers)
    assert answer.status_code == 200 and answer.json["outcome"] == "applied"
    assert escrow.status == EscrowStatus.FUNDED

    settlement.settle(operator, escrow, Money(12_000, "EUR"))
    assert escrow.status == EscrowStatus.SETTLING  # nothing moved at Stripe yet
    assert stripe.Refund.list(payment_intent=escrow.stripe_payment_intent).data == []
    provider_moves_money()
    refunds = stripe.Refund.list(payment_intent=escrow.stripe_payment_intent).to_dict()["data"]
    assert [r["amount"] for r in refunds] == [12_000]
    assert escrow.status == EscrowStatus.REFUNDED
    assert ledger.figures(escrow).refunded == Money(12_000, "EUR")
    assert ledger.check() == []


def test_authorise_now_capture_on_release_when_delivery_is_near(stripe_app, client, operator):
    escrow = make_escrow(
        9_000, provider="stripe", latest_release=clock.today() + dt.timedelta(days=3)
    )
    assert escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE
    intent = pay_by_card(escrow.stripe_payment_intent)
    assert intent["status"] == "requires_capture"
    body, headers = signed(event("payment_intent.amount_capturable_updated", intent))
    assert client.post(WEBHOOK, data=body, headers=headers).json["outcome"] == "applied"

    settlement.release(operator, escrow)
    provider_moves_money()
    captured = stripe.PaymentIntent.retrieve(escrow.stripe_payment_intent)
    assert captured.status == "succeeded"
    figures = ledger.figures(escrow)
    assert figures.released + figures.fee == Money(9_000, "EUR")


def test_release_pays_the_sellers_connected_account_with_a_transfer(
    stripe_app, stripe_server, client, operator
):
    """localstripe has no Connect transfers: POST /v1/transfers is answered by a local HTTP
    server in front of it with Stripe's documented Transfer object (tests/payments/conftest.py)."""
    escrow = make_escrow(20_000, provider="stripe", seller_stripe_account="acct_1SellerTest")
    intent = pay_by_card(escrow.stripe_payment_intent)
    body, headers = signed(event("payment_intent.succeeded", intent))
    client.post(WEBHOOK, data=body, headers=headers)

    settlement.release(operator, escrow)
    provider_moves_money()
    [transfer] = stripe_server.transfers
    fee = Money(20_000, "EUR").percent(escrow.fee_basis_points)
    assert transfer["amount"] == 20_000 - fee.amount
    assert transfer["destination"] == "acct_1SellerTest"
    payout = next(p for p in escrow.payouts if p.kind == "transfer")
    assert transfer["idempotency_key"] == f"payment-instruction-{payout.id}-0"
    charge = stripe.PaymentIntent.retrieve(escrow.stripe_payment_intent).latest_charge
    assert transfer["source_transaction"] == charge.id  # paid from the buyer's charge
    assert payout.status == "executed" and payout.external_id == transfer["id"]
    assert services.seller_released_total(escrow.seller_company_id, "EUR").amount == 0
    assert ledger.check() == []


def test_replayed_webhook_is_ignored(stripe_app, client):
    escrow = make_escrow(5_000, provider="stripe")
    intent = pay_by_card(escrow.stripe_payment_intent)
    body, headers = signed(event("payment_intent.succeeded", intent))
    assert client.post(WEBHOOK, data=body, headers=headers).json["outcome"] == "applied"
    size = journal_size()
    again = client.post(WEBHOOK, data=body, headers=headers)
    assert again.status_code == 200 and again.json["outcome"] == "duplicate"
    assert journal_size() == size
    assert ledger.figures(escrow).funded == Money(5_000, "EUR")


@pytest.mark.parametrize("secret", ["whsec_wrong", None])
def test_webhook_with_a_bad_signature_changes_nothing(stripe_app, client, secret):
    escrow = make_escrow(5_000, provider="stripe")
    intent = pay_by_card(escrow.stripe_payment_intent)
    body, headers = signed(event("payment_intent.succeeded", intent), secret or "whsec_x")
    if secret is None:
        headers.pop("Stripe-Signature")
    size = journal_size()
    answer = client.post(WEBHOOK, data=body, headers=headers)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert "Stripe-Signature" in answer.json["errors"]
    assert journal_size() == size and escrow.status == EscrowStatus.AWAITING


def vat_registered(*companies) -> None:
    """Cross-border trade between VAT-registered companies: reverse charge, no VAT to pay."""
    for company, vat_id in zip(companies, ("PL5261040828", "DE136695976"), strict=False):
        company.vat_id = vat_id


def test_order_paid_by_card_through_the_api(stripe_app, client, api_a, api_b, company_a,
                                            company_b):  # fmt: skip
    """The buyer picks Stripe; the API hands out the client_secret; the webhook funds the order."""
    vat_registered(company_a, company_b)
    offer = order_factories.offer(company_b)
    order_id = client.post(
        "/api/v1/orders",
        json={
            "lines": [{"offer_id": offer.id, "quantity": 20}],
            "delivery": order_factories.DELIVERY,
        },
        headers=api_a,
    ).json["id"]
    client.post(f"/api/v1/orders/{order_id}/confirm", headers=api_b)
    payment = client.post(
        f"/api/v1/orders/{order_id}/payment", json={"provider": "stripe"}, headers=api_a
    ).json
    assert payment["provider"] == "stripe" and payment["client_secret"]
    intent_id = payment["client_secret"].split("_secret_")[0]
    intent = pay_by_card(intent_id)
    body, headers = signed(event("payment_intent.succeeded", intent))
    client.post(WEBHOOK, data=body, headers=headers)
    order = client.get(f"/api/v1/orders/{order_id}", headers=api_a).json
    assert order["status"] == "funded"
    assert order["escrow"]["held"] == {"amount": 20_000, "currency": "EUR"}


def test_seller_connects_an_account_and_is_paid_by_transfer_on_release(
    stripe_app, stripe_server, client, api_a, api_b, company_a, company_b, operator
):
    """localstripe has no Connect: POST /v1/accounts and /v1/transfers are answered by the local
    stand-in server with Stripe's documented object shapes (tests/payments/conftest.py)."""
    answer = client.post("/api/v1/payments/stripe/account", headers=api_b)
    assert answer.status_code == 201
    account_id = answer.json["stripe_account_id"]
    [account] = stripe_server.accounts
    assert (
        account["type"] == "express"
        and account["idempotency_key"] == f"company-{company_b.id}-connect"
    )
    assert (
        client.post("/api/v1/payments/stripe/account", headers=api_b).json["stripe_account_id"]
        == account_id
    )
    assert len(stripe_server.accounts) == 1

    vat_registered(company_a, company_b)
    offer = order_factories.offer(company_b)
    order_id = client.post(
        "/api/v1/orders",
        json={
            "lines": [{"offer_id": offer.id, "quantity": 20}],
            "delivery": order_factories.DELIVERY,
        },
        headers=api_a,
    ).json["id"]
    client.post(f"/api/v1/orders/{order_id}/confirm", headers=api_b)
    secret = client.post(
        f"/api/v1/orders/{order_id}/payment", json={"provider": "stripe"}, headers=api_a
    ).json["client_secret"]
    intent = pay_by_card(secret.split("_secret_")[0])
    body, headers = signed(event("payment_intent.succeeded", intent))
    client.post(WEBHOOK, data=body, headers=headers)
    url = f"/api/v1/orders/{order_id}"
    client.post(f"{url}/ship", json={"carrier": "DHL", "tracking_number": "1"}, headers=api_b)
    done = client.post(f"{url}/deliver", headers=api_a).json
    provider_moves_money()
    [transfer] = stripe_server.transfers
    assert transfer["destination"] == account_id
    assert transfer["amount"] == done["escrow"]["released"]["amount"] == 19_500
    assert ledger.check() == []


def test_connecting_needs_the_owner_and_stripe(client, app, company_b):
    seller_only = factories.bearer(factories.user(company_b, role="seller"))
    assert client.post("/api/v1/payments/stripe/account", headers=seller_only).status_code == 403
