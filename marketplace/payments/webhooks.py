"""Stripe webhook handling: signature check, idempotency by event id, and the escrow effects."""

from __future__ import annotations

import json

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import services, settlement
from marketplace.payments.models import EscrowAccount, StripeEvent, StripeMode


def verify(payload: bytes, signature: str | None) -> dict:
    """The event if Stripe's signature over the raw body is valid; else ValidationError."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET") or ""
    if not secret or not signature:
        raise ValidationError({"Stripe-Signature": [_("Missing or unusable signature.")]})
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, tolerance=300)
        event = json.loads(payload)
    except (stripe.SignatureVerificationError, ValueError) as exc:
        raise ValidationError({"Stripe-Signature": [_("The signature does not match.")]}) from exc
    if not isinstance(event, dict) or not event.get("id"):
        raise ValidationError({"_body": [_("Not a Stripe event.")]})
    return event


def handle(event: dict) -> str:
    """Apply one verified event once; answers what happened ("applied", "duplicate", "ignored")."""
    try:
        with db.session.begin_nested():
            db.session.add(StripeEvent(id=event["id"], type=event.get("type", "")))
            db.session.flush()
    except IntegrityError:
        return "duplicate"
    kind = event.get("type")
    intent = (event.get("data") or {}).get("object") or {}
    escrow = db.session.execute(
        sa.select(EscrowAccount).where(EscrowAccount.stripe_payment_intent == intent.get("id"))
    ).scalar_one_or_none()
    if escrow is None:
        return "ignored"
    currency = str(intent.get("currency", "")).upper()
    if services.closed_unfunded(escrow):
        return _after_closing(escrow, kind, intent, currency, event["id"])
    if kind == "payment_intent.amount_capturable_updated" and (
        escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE
    ):
        amount = _amount(intent, "amount_capturable", currency)
    elif (
        kind == "payment_intent.succeeded" and escrow.stripe_mode == StripeMode.TRANSFER_ON_RELEASE
    ):
        amount = _amount(intent, "amount_received", currency)
    else:
        return "ignored"
    return "applied" if services.mark_stripe_funded(escrow, amount, event["id"]) else "ignored"


def _after_closing(
    escrow: EscrowAccount, kind: str | None, intent: dict, currency: str, event_id: str
) -> str:
    """The buyer's payment went through although the order was cancelled first (the cancel
    reached Stripe too late): money taken is refunded, an authorisation is let go (both after
    this transaction commits)."""
    if kind == "payment_intent.succeeded":
        amount = _amount(intent, "amount_received", currency)
        return "refunded" if settlement.refund_late_payment(escrow, amount, event_id) else "ignored"
    if kind == "payment_intent.amount_capturable_updated":
        settlement.let_authorisation_go(escrow)
        return "cancelled"
    return "ignored"


def _amount(intent: dict, field: str, currency: str) -> Money:
    """The PaymentIntent's `field` (capturable or received), or its amount when that is absent."""
    return Money(int(intent.get(field) or intent.get("amount") or 0), currency)
