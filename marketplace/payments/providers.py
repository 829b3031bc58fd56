"""Payment providers behind one small interface: bank transfer (embedded default) and Stripe.

A provider plans money movements as instruction rows inside the caller's transaction and
executes one movement at a time afterwards, with no transaction open (`payments.execution`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Protocol

import stripe
from flask import current_app
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.core.money import Money
from marketplace.payments.instructions import instruct
from marketplace.payments.models import (
    EscrowAccount,
    InstructionKind,
    PaymentInstruction,
    Provider,
    StripeMode,
)

K = InstructionKind

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
# PaymentIntent states in which a cancel is refused but nothing is left to stop: the money
# came (or is coming, "processing") and will be refunded by the webhook, or it is cancelled.
PAID_OR_CANCELLED = ("succeeded", "processing", "canceled")


def hold_fits(latest_release: dt.date | None) -> bool:
    """Whether an authorisation made now still holds on the last day the escrow may be released.

    Unknown (no agreed date or lead time) never fits: the money is then captured at once."""
    if latest_release is None:
        return False
    return latest_release <= clock.today() + HOLD_FOR


@dataclasses.dataclass(frozen=True)
class Movement:
    """One instruction as plain values, read before the provider is called (no ORM object may
    be touched then: that would open a transaction)."""

    instruction_id: int
    kind: str
    amount: int
    currency: str
    idempotency_key: str
    payment_intent: str | None
    destination: str | None  # the seller's connected account, for transfers
    transfer_group: str
    closes_escrow: bool  # a settlement's head: its refusal reopens the escrow


@dataclasses.dataclass(frozen=True)
class Outcome:
    """What the provider did: executed (with its object's id), or refused for good."""

    executed: bool
    external_id: str | None = None
    reason: str = ""


class ProviderUnavailable(Exception):
    """The provider could not be asked or did not answer for sure: try again with the same key."""


class PaymentProvider(Protocol):
    name: str

    def plan_settlement(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, seller_net: Money
    ) -> PaymentInstruction | None:
        """Write the instructions that move a settlement's money; return the head (the movement
        that closes the escrow at the provider, whose refusal reopens it) or None."""

    def plan_cancel(self, escrow: EscrowAccount) -> None:
        """Write what stops the buyer's payment of an escrow that closes unfunded."""

    def plan_refund(self, escrow: EscrowAccount, amount: Money) -> PaymentInstruction:
        """Write a refund outside a settlement: an overpayment, a partial payment of a cancelled
        escrow, a card payment that arrived after it closed."""

    def execute(self, movement: Movement) -> Outcome:
        """Carry out one movement (never with a transaction open); raise ProviderUnavailable
        when the outcome is unknown."""


class BankTransfer:
    """The buyer wires the amount with the payment reference; the operator records what arrived
    and executes the payout instructions by hand."""

    name = Provider.BANK_TRANSFER

    def plan_settlement(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, seller_net: Money
    ) -> PaymentInstruction | None:
        if refund.amount:
            instruct(escrow, K.BUYER_REFUND, refund, company_id=escrow.buyer_company_id)
        if seller_net.amount:
            instruct(escrow, K.SELLER_PAYOUT, seller_net, company_id=escrow.seller_company_id)
        return None  # the ledger closes now; the operator wires the money

    def plan_cancel(self, escrow: EscrowAccount) -> None:
        return None  # nothing to stop: a wire that still arrives is recorded and refunded

    def plan_refund(self, escrow: EscrowAccount, amount: Money) -> PaymentInstruction:
        return instruct(escrow, K.BUYER_REFUND, amount, company_id=escrow.buyer_company_id)

    def execute(self, movement: Movement) -> Outcome:
        raise Conflict(_("Bank transfers are executed by the operator."))

    @staticmethod
    def account_details() -> dict[str, str]:
        cfg = current_app.config
        return {
            "beneficiary": cfg.get("ESCROW_BANK_BENEFICIARY", "Marketplace Escrow Sp. z o.o."),
            "iban": cfg.get("ESCROW_BANK_IBAN", "PL61 1090 1014 0000 0712 1981 2874"),
            "bic": cfg.get("ESCROW_BANK_BIC", "WBKPPLPP"),
        }


@dataclasses.dataclass(frozen=True)
class IntentRequest:
    """What Stripe needs to create the PaymentIntent of an escrow about to open: the amount,
    the last day the trade may release it (to choose hold or capture), a key that makes a retry
    find the same intent, and a label."""

    due: Money
    latest_release: dt.date | None
    key: str
    label: str


@dataclasses.dataclass(frozen=True)
class CardIntent:
    """A PaymentIntent created for an escrow about to open."""

    id: str
    client_secret: str
    mode: str


def _options(key: str | None) -> dict:
    options = {"api_key": current_app.config.get("STRIPE_SECRET_KEY") or None}
    if key is not None:
        options["idempotency_key"] = key
    return options


# Refusals a retry with the same request cannot change; everything else (no connection, a 5xx,
# rate limits, a key in use by a concurrent request, bad credentials) may pass later.
_DEFINITE = (stripe.CardError, stripe.InvalidRequestError, stripe.PermissionError)


class StripeProvider:
    """Card payments through a PaymentIntent.

    Mode: when the latest possible release (the agreed delivery date, then automatic delivery
    and the dispute window) falls inside Stripe's authorisation window we only authorise and
    capture on release (a refund is then simply never captured); otherwise we capture now and
    pay the seller's connected account with a Transfer on release. A hold the release does not
    come in time for is captured before it lapses and switches to the second mode
    (`authorisations`). Every call carries the instruction's idempotency key, and before a
    refund or transfer the provider is asked whether this instruction already ran (a crash after
    the call, or a key Stripe has forgotten after 24 hours, must not move money twice).
    """

    name = Provider.STRIPE

    @staticmethod
    def create_intent(request: IntentRequest) -> CardIntent:
        """Create the PaymentIntent for an escrow about to open; called with no transaction
        open, before the one that opens the escrow."""
        fits = hold_fits(request.latest_release)
        try:
            intent = stripe.PaymentIntent.create(
                amount=request.due.amount,
                currency=request.due.currency.lower(),
                capture_method="manual" if fits else "automatic",
                payment_method_types=["card"],
                metadata={"label": request.label[:80]},
                **_options(request.key),
            )
        except stripe.StripeError as exc:
            raise Conflict(_("The card payment could not be started: %(e)s", e=exc)) from exc
        mode = StripeMode.CAPTURE_ON_RELEASE if fits else StripeMode.TRANSFER_ON_RELEASE
        return CardIntent(intent["id"], intent["client_secret"], mode)

    def plan_settlement(
        self, escrow: EscrowAccount, release_gross: Money, refund: Money, seller_net: Money
    ) -> PaymentInstruction | None:
        buyer = escrow.buyer_company_id
        if escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE:
            # Capturing less than was authorised gives the rest back; capturing nothing cancels.
            head = (
                instruct(escrow, K.CAPTURE, release_gross, company_id=buyer)
                if release_gross.amount
                else instruct(escrow, K.CANCEL, refund, company_id=buyer)
            )
        elif refund.amount:
            head = instruct(escrow, K.REFUND, refund, company_id=buyer)
        else:
            head = None
        if seller_net.amount:
            # Without a connected account the operator pays the seller by bank transfer.
            kind = K.TRANSFER if escrow.seller_stripe_account else K.SELLER_PAYOUT
            instruct(escrow, kind, seller_net, company_id=escrow.seller_company_id, after=head)
        return head

    def plan_cancel(self, escrow: EscrowAccount) -> None:
        if escrow.stripe_payment_intent:
            instruct(escrow, K.CANCEL, escrow.due, company_id=escrow.buyer_company_id)

    def plan_refund(self, escrow: EscrowAccount, amount: Money) -> PaymentInstruction:
        return instruct(escrow, K.REFUND, amount, company_id=escrow.buyer_company_id)

    def plan_capture_before_expiry(self, escrow: EscrowAccount) -> PaymentInstruction:
        """Capture a held authorisation in full; from now on the release pays by Transfer (the
        instructions of a later settlement run after this capture)."""
        escrow.stripe_mode = StripeMode.TRANSFER_ON_RELEASE
        return instruct(escrow, K.CAPTURE, escrow.due, company_id=escrow.buyer_company_id)

    def execute(self, movement: Movement) -> Outcome:
        run = {
            K.CAPTURE: self._capture,
            K.CANCEL: self._cancel,
            K.REFUND: self._refund,
            K.TRANSFER: self._transfer,
        }[InstructionKind(movement.kind)]
        try:
            return run(movement)
        except _DEFINITE as exc:
            return Outcome(False, reason=str(exc.user_message or exc)[:500])
        except stripe.StripeError as exc:
            raise ProviderUnavailable(str(exc)[:500]) from exc

    def _capture(self, m: Movement) -> Outcome:
        intent = stripe.PaymentIntent.retrieve(m.payment_intent, **_options(None))
        if intent["status"] == "succeeded":  # captured already: by an earlier try of this one
            return Outcome(True, intent["id"])
        if intent["status"] != "requires_capture":  # the hold lapsed or was cancelled
            return Outcome(
                False, reason=f"The card authorisation is no longer held ({intent['status']})."
            )
        captured = stripe.PaymentIntent.capture(
            m.payment_intent, amount_to_capture=m.amount, **_options(m.idempotency_key)
        )
        return Outcome(True, captured["id"])

    def _cancel(self, m: Movement) -> Outcome:
        try:
            stripe.PaymentIntent.cancel(m.payment_intent, **_options(m.idempotency_key))
        except stripe.InvalidRequestError:
            status = stripe.PaymentIntent.retrieve(m.payment_intent, **_options(None))["status"]
            # Letting an authorisation go must have happened; stopping an unpaid payment only
            # needs nothing left to stop (money that came is refunded by its webhook).
            done = ("canceled",) if m.closes_escrow else PAID_OR_CANCELLED
            if status not in done:
                raise
        return Outcome(True, m.payment_intent)

    def _refund(self, m: Movement) -> Outcome:
        earlier = stripe.Refund.list(payment_intent=m.payment_intent, limit=100, **_options(None))
        for refund in earlier.auto_paging_iter():
            if _made_for(refund, m):
                return Outcome(True, refund["id"])
        refund = stripe.Refund.create(
            payment_intent=m.payment_intent,
            amount=m.amount,
            metadata={"instruction": str(m.instruction_id)},
            **_options(m.idempotency_key),
        )
        return Outcome(True, refund["id"])

    def _transfer(self, m: Movement) -> Outcome:
        earlier = stripe.Transfer.list(transfer_group=m.transfer_group, **_options(None))
        for transfer in earlier.auto_paging_iter():
            if _made_for(transfer, m):
                return Outcome(True, transfer["id"])
        # Tied to the buyer's charge, the transfer waits for that charge's funds instead of
        # failing while the platform's available balance is short ("Transfer availability",
        # https://docs.stripe.com/connect/separate-charges-and-transfers).
        transfer = stripe.Transfer.create(
            amount=m.amount,
            currency=m.currency.lower(),
            destination=m.destination,
            transfer_group=m.transfer_group,
            source_transaction=_charge_of(m.payment_intent),
            metadata={"instruction": str(m.instruction_id)},
            **_options(m.idempotency_key),
        )
        return Outcome(True, transfer["id"])


def _made_for(found: stripe.StripeObject, m: Movement) -> bool:
    """Whether a refund or transfer Stripe lists was made by this instruction (any attempt)."""
    metadata = found.to_dict().get("metadata") or {}
    return metadata.get("instruction") == str(m.instruction_id)


def _charge_of(intent_id: str | None) -> str:
    """The id of the charge that took the buyer's money for this PaymentIntent."""
    intent = stripe.PaymentIntent.retrieve(intent_id, **_options(None)).to_dict()
    charge = intent.get("latest_charge")
    if isinstance(charge, dict):  # expanded
        charge = charge.get("id")
    if not charge:
        raise stripe.InvalidRequestError("The payment has no charge to transfer from.", None)
    return charge


def create_connected_account(company_id: int, country: str, email: str | None) -> str:
    """Open a seller's Stripe Express account (no transaction open; keyed by the company)."""
    try:
        account = stripe.Account.create(
            type="express",
            country=country,
            email=email or None,
            business_type="company",
            capabilities={"transfers": {"requested": True}},
            metadata={"company_id": str(company_id)},
            **_options(f"company-{company_id}-connect"),
        )
    except stripe.StripeError as exc:
        raise Conflict(_("Stripe could not open the account: %(e)s", e=exc)) from exc
    return account["id"]


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
