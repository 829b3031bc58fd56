"""Payment providers behind one small interface: bank transfer (embedded default) and Stripe."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

import stripe
from flask import current_app
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.core.money import Money
from marketplace.payments.models import (
    EscrowAccount,
    PayoutInstruction,
    PayoutKind,
    Provider,
    StripeMode,
)

# How long Stripe holds an uncaptured authorisation of an online card payment the buyer made
# (customer-initiated, card not present): 7 days for Visa, Mastercard, American Express and
# Discover; then it lapses and the PaymentIntent is cancelled. "Authorization validity windows"
# in https://docs.stripe.com/payments/place-a-hold-on-a-payment-method
STRIPE_AUTHORISATION_WINDOW = dt.timedelta(days=7)
# A held authorisation is captured this long before it would lapse: the buyer authorised a little
# before our webhook recorded it, and the capture job needs time to run (and retry).
CAPTURE_MARGIN = dt.timedelta(days=1)
# How long we rely on a held authorisation: for the hold to be chosen, and until it is captured.
HOLD_FOR = STRIPE_AUTHORISATION_WINDOW - CAPTURE_MARGIN


def hold_fits(latest_release: dt.date | None) -> bool:
    """Whether an authorisation made now still holds on the last day the escrow may be released.

    Unknown (no agreed date or lead time) never fits: the money is then captured at once."""
    if latest_release is None:
        return False
    return latest_release <= clock.today() + HOLD_FOR


class PaymentProvider(Protocol):
    name: str

    def start(self, escrow: EscrowAccount, latest_release: dt.date | None) -> None:
        """Prepare the buyer's payment (instructions, a PaymentIntent...); `latest_release` is
        the last day the escrow may be released if the trade keeps its agreed dates."""

    def settle(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, payouts: list
    ) -> None:
        """Move the money of a release/refund; mark the payouts it executed right away."""

    def cancel(self, escrow: EscrowAccount) -> None:
        """Stop the buyer's payment of an escrow that closes before it was funded."""

    def refund_late(self, escrow: EscrowAccount, amount: Money, payouts: list) -> None:
        """Give back money that arrived after the escrow closed; mark the payouts it executed."""


class BankTransfer:
    """The buyer wires the amount with the payment reference; the operator records what arrived
    and later executes the payout instructions by hand."""

    name = Provider.BANK_TRANSFER

    def start(self, escrow: EscrowAccount, latest_release: dt.date | None) -> None:
        return None

    def settle(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, payouts: list
    ) -> None:
        return None  # payout instructions wait for the operator

    def cancel(self, escrow: EscrowAccount) -> None:
        return None  # nothing to stop: a wire that still arrives is recorded and refunded

    def refund_late(self, escrow: EscrowAccount, amount: Money, payouts: list) -> None:
        return None  # the refund instruction waits for the operator

    @staticmethod
    def account_details() -> dict[str, str]:
        cfg = current_app.config
        return {
            "beneficiary": cfg.get("ESCROW_BANK_BENEFICIARY", "Marketplace Escrow Sp. z o.o."),
            "iban": cfg.get("ESCROW_BANK_IBAN", "PL61 1090 1014 0000 0712 1981 2874"),
            "bic": cfg.get("ESCROW_BANK_BIC", "WBKPPLPP"),
        }


# PaymentIntent states in which a cancel is refused but nothing is left to stop: the money
# came (or is coming, "processing") and will be refunded by the webhook, or it is cancelled.
PAID_OR_CANCELLED = ("succeeded", "processing", "canceled")


def _stripe_options(key: str | None) -> dict:
    options = {"api_key": current_app.config.get("STRIPE_SECRET_KEY") or None}
    if key is not None:
        options["idempotency_key"] = key
    return options


class StripeProvider:
    """Card payments through a PaymentIntent.

    Mode: when the latest possible release (the agreed delivery date, then automatic delivery
    and the dispute window) falls inside Stripe's authorisation window we only authorise and
    capture on release (a refund is then simply never captured); otherwise we capture now and
    pay the seller's connected account with a Transfer on release. A hold the release does not
    come in time for is captured before it lapses and switches to the second mode
    (`authorisations`). Every call that moves
    money carries an idempotency key derived from the escrow, so a retry cannot move it twice.
    """

    name = Provider.STRIPE

    def start(self, escrow: EscrowAccount, latest_release: dt.date | None) -> None:
        fits = hold_fits(latest_release)
        escrow.stripe_mode = (
            StripeMode.CAPTURE_ON_RELEASE if fits else StripeMode.TRANSFER_ON_RELEASE
        )
        try:
            intent = stripe.PaymentIntent.create(
                amount=escrow.amount_due,
                currency=escrow.currency.lower(),
                capture_method="manual" if fits else "automatic",
                payment_method_types=["card"],
                metadata={"escrow_id": str(escrow.id), "reference": escrow.payment_reference},
                **_stripe_options(f"escrow-{escrow.id}-intent"),
            )
        except stripe.StripeError as exc:
            raise Conflict(_("The card payment could not be started: %(e)s", e=exc)) from exc
        escrow.stripe_payment_intent = intent["id"]
        escrow.stripe_client_secret = intent["client_secret"]

    def settle(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, payouts: list
    ) -> None:
        intent = escrow.stripe_payment_intent
        try:
            if escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE:
                if release_gross.amount > 0:
                    stripe.PaymentIntent.capture(
                        intent,
                        amount_to_capture=release_gross.amount,
                        **_stripe_options(f"escrow-{escrow.id}-capture"),
                    )
                else:
                    stripe.PaymentIntent.cancel(
                        intent, **_stripe_options(f"escrow-{escrow.id}-cancel")
                    )
            elif refund.amount > 0:
                result = stripe.Refund.create(
                    payment_intent=intent,
                    amount=refund.amount,
                    **_stripe_options(f"escrow-{escrow.id}-refund"),
                )
                _executed(payouts, PayoutKind.REFUND, result["id"])
            if escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE and refund.amount > 0:
                _executed(payouts, PayoutKind.REFUND, intent)  # never captured = given back
            seller = next((p for p in payouts if p.kind == PayoutKind.SELLER), None)
            if seller is not None and escrow.seller_stripe_account:
                # Tied to the buyer's charge, the transfer waits for that charge's funds instead
                # of failing while the platform's available balance is short ("Transfer
                # availability", https://docs.stripe.com/connect/separate-charges-and-transfers).
                transfer = stripe.Transfer.create(
                    amount=seller.amount,
                    currency=escrow.currency.lower(),
                    destination=escrow.seller_stripe_account,
                    transfer_group=escrow.payment_reference,
                    source_transaction=_charge_of(intent),
                    **_stripe_options(f"escrow-{escrow.id}-transfer"),
                )
                _executed(payouts, PayoutKind.SELLER, transfer["id"])
        except stripe.StripeError as exc:
            raise Conflict(_("Stripe refused the money movement: %(e)s", e=exc)) from exc

    def capture_held(self, escrow: EscrowAccount) -> None:
        """Capture a held authorisation in full now; the release then pays by Transfer."""
        try:
            stripe.PaymentIntent.capture(
                escrow.stripe_payment_intent,
                **_stripe_options(f"escrow-{escrow.id}-capture-before-expiry"),
            )
        except stripe.StripeError as exc:
            raise Conflict(_("Stripe refused the money movement: %(e)s", e=exc)) from exc
        escrow.stripe_mode = StripeMode.TRANSFER_ON_RELEASE

    def cancel(self, escrow: EscrowAccount) -> None:
        """Cancel the PaymentIntent, so the buyer can no longer pay (or an authorisation is let go).

        Stripe refuses once the payment went through or is going through; the escrow closes anyway
        and the payment's webhook refunds it (`services.refund_late_payment`)."""
        intent = escrow.stripe_payment_intent
        if not intent:
            return
        try:
            stripe.PaymentIntent.cancel(intent, **_stripe_options(f"escrow-{escrow.id}-cancel"))
        except stripe.StripeError as exc:
            try:
                status = stripe.PaymentIntent.retrieve(intent, **_stripe_options(None))["status"]
            except stripe.StripeError:
                status = None
            if status not in PAID_OR_CANCELLED:
                raise Conflict(_("Stripe could not cancel the card payment: %(e)s", e=exc)) from exc

    def refund_late(self, escrow: EscrowAccount, amount: Money, payouts: list) -> None:
        try:
            result = stripe.Refund.create(
                payment_intent=escrow.stripe_payment_intent,
                amount=amount.amount,
                **_stripe_options(f"escrow-{escrow.id}-late-refund"),
            )
        except stripe.StripeError as exc:
            raise Conflict(_("Stripe refused the money movement: %(e)s", e=exc)) from exc
        _executed(payouts, PayoutKind.REFUND, result["id"])


def _charge_of(intent_id: str) -> str:
    """The id of the charge that took the buyer's money for this PaymentIntent."""
    intent = stripe.PaymentIntent.retrieve(intent_id, **_stripe_options(None)).to_dict()
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):  # expanded
        charge = charge.get("id")
    if not charge:
        raise Conflict(_("Stripe has no charge for this payment yet."))
    return charge


def _executed(payouts: list[PayoutInstruction], kind: str, external_id: str) -> None:
    for payout in payouts:
        if payout.kind == kind and payout.status == "pending":
            payout.status = "executed"
            payout.external_id = external_id
            payout.executed_at = clock.now()


PROVIDERS: dict[str, PaymentProvider] = {
    Provider.BANK_TRANSFER: BankTransfer(),
    Provider.STRIPE: StripeProvider(),
}


def get_provider(name: str) -> PaymentProvider:
    return PROVIDERS[name]


def available() -> list[str]:
    """Bank transfer always; Stripe once a secret key is configured."""
    names = [Provider.BANK_TRANSFER.value]
    if current_app.config.get("STRIPE_SECRET_KEY"):
        names.append(Provider.STRIPE.value)
    return names
