"""Every change to escrow money: opening an escrow, receipts, release, refund, split and payouts.

Fee rule (the one rounding rule): the platform fee is taken from each amount released to the
seller, as ESCROW_FEE_BASIS_POINTS basis points of that gross amount, rounded half up to the
minor unit by `Money.percent`. Refunds carry no fee. The seller's payable gets gross - fee.
"""

from __future__ import annotations

import datetime as dt
import secrets

import sqlalchemy as sa
import stripe
from flask import current_app
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import authorisations, ledger
from marketplace.payments.events import escrow_funded, late_payment_refunded
from marketplace.payments.models import (
    BankReceipt,
    EntryKind,
    EscrowAccount,
    EscrowStatus,
    PayoutInstruction,
    PayoutKind,
    Provider,
    SellerPaymentAccount,
    StripeMode,
)
from marketplace.payments.providers import get_provider

DEFAULT_FEE_BASIS_POINTS = 250  # 2.5 %
OPEN_STATES = (EscrowStatus.AWAITING, EscrowStatus.PARTIAL, EscrowStatus.FUNDED)
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone


def fee_basis_points() -> int:
    return int(current_app.config.get("ESCROW_FEE_BASIS_POINTS", DEFAULT_FEE_BASIS_POINTS))


def fee_for(gross: Money, basis_points: int) -> Money:
    return gross.percent(basis_points)


def _new_reference() -> str:
    while True:
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(10))
        reference = f"MP-{code[:5]}-{code[5:]}"
        exists = db.session.execute(
            sa.select(EscrowAccount.id).where(EscrowAccount.payment_reference == reference)
        ).first()
        if not exists:
            return reference


def open_escrow(
    *,
    label: str,
    due: Money,
    buyer_company_id: int,
    seller_company_id: int,
    provider: str,
    latest_release: dt.date | None = None,
    seller_stripe_account: str | None = None,
) -> EscrowAccount:
    """An escrow waiting for the buyer's money, with a unique payment reference.

    `latest_release`: the last day the trade may release the money if it keeps its agreed dates
    (a card payment is only held, not captured, when that fits the card authorisation)."""
    if provider not in set(Provider):
        raise ValidationError({"provider": [_("Unknown payment provider.")]})
    if due.amount <= 0:
        raise ValidationError({"amount": [_("The amount must be positive.")]})
    escrow = EscrowAccount(
        label=label[:80],
        currency=due.currency,
        amount_due=due.amount,
        buyer_company_id=buyer_company_id,
        seller_company_id=seller_company_id,
        provider=provider,
        status=EscrowStatus.AWAITING,
        payment_reference=_new_reference(),
        fee_basis_points=fee_basis_points(),
        seller_stripe_account=seller_stripe_account,
    )
    db.session.add(escrow)
    db.session.flush()
    get_provider(provider).start(escrow, latest_release)
    db.session.flush()
    return escrow


def get_escrow(escrow_id: int) -> EscrowAccount:
    escrow = db.session.get(EscrowAccount, escrow_id)
    if escrow is None:
        raise NotFound()
    return escrow


def _lock(escrow: EscrowAccount) -> EscrowAccount:
    """Re-read the escrow under a row lock (PostgreSQL); SQLite serialises writers anyway."""
    db.session.flush()
    locked = db.session.execute(
        sa.select(EscrowAccount)
        .where(EscrowAccount.id == escrow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return locked


def _fund(escrow: EscrowAccount, amount: Money, *, actor_id: int | None, memo: str) -> None:
    ledger.post(
        EntryKind.FUND,
        escrow.currency,
        [
            (ledger.outside(escrow.provider, escrow.currency), -amount.amount),
            (ledger.escrow_account(escrow), amount.amount),
        ],
        escrow=escrow,
        actor_id=actor_id,
        memo=memo,
    )


def record_bank_receipt(actor, escrow: EscrowAccount, amount: Money, note: str = "") -> BankReceipt:
    """The operator saw `amount` arrive for this escrow's reference.

    A partial payment waits for the rest; once the total reaches what is due the escrow is
    funded; anything above that is flagged and handed back through a refund instruction.
    """
    if escrow.provider != Provider.BANK_TRANSFER:
        raise Conflict(_("This escrow is not paid by bank transfer."))
    if amount.currency != escrow.currency:
        raise ValidationError({"amount": [_("The amount must be in %(c)s.", c=escrow.currency)]})
    if amount.amount <= 0:
        raise ValidationError({"amount": [_("The amount must be positive.")]})
    escrow = _lock(escrow)
    if escrow.status not in OPEN_STATES:
        raise Conflict(_("This escrow is closed; no more money can be recorded."))
    receipt = BankReceipt(
        escrow_id=escrow.id,
        amount=amount.amount,
        currency=amount.currency,
        note=note[:200],
        recorded_by_id=getattr(actor, "id", None),
    )
    db.session.add(receipt)
    _fund(escrow, amount, actor_id=receipt.recorded_by_id, memo=f"bank receipt {note}")
    held = ledger.figures(escrow).held
    excess = held - escrow.due
    if excess.amount > 0:
        escrow.overpayment_flagged = True
        _refund(escrow, excess, actor_id=receipt.recorded_by_id, memo="overpayment")
    became_funded = False
    if held.amount >= escrow.amount_due and escrow.status != EscrowStatus.FUNDED:
        escrow.status = EscrowStatus.FUNDED
        escrow.funded_at = clock.now()
        became_funded = True
    elif held.amount < escrow.amount_due:
        escrow.status = EscrowStatus.PARTIAL
    db.session.flush()
    db.session.expire(escrow, ["payouts", "receipts"])
    if became_funded:
        escrow_funded.send(escrow)
    return receipt


def mark_stripe_funded(escrow: EscrowAccount, amount: Money, event_id: str) -> bool:
    """A Stripe event says the buyer's card money is held (authorised or captured)."""
    escrow = _lock(escrow)
    if escrow.status != EscrowStatus.AWAITING:
        return False
    if amount != escrow.due:
        raise ValidationError({"amount": [_("Stripe reports a different amount than due.")]})
    _fund(escrow, amount, actor_id=None, memo=f"stripe {event_id}")
    escrow.status = EscrowStatus.FUNDED
    escrow.funded_at = clock.now()
    db.session.flush()
    if escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE:
        authorisations.schedule_capture(escrow)
    escrow_funded.send(escrow)
    return True


def _refund(
    escrow: EscrowAccount, amount: Money, *, actor_id: int | None, memo: str
) -> PayoutInstruction:
    ledger.post(
        EntryKind.REFUND,
        escrow.currency,
        [
            (ledger.escrow_account(escrow), -amount.amount),
            (ledger.outside(escrow.provider, escrow.currency), amount.amount),
        ],
        escrow=escrow,
        actor_id=actor_id,
        memo=memo,
    )
    instruction = PayoutInstruction(
        escrow_id=escrow.id,
        kind=PayoutKind.REFUND,
        company_id=escrow.buyer_company_id,
        amount=amount.amount,
        currency=amount.currency,
    )
    db.session.add(instruction)
    return instruction


def _release(escrow: EscrowAccount, gross: Money, *, actor_id: int | None) -> None:
    fee = fee_for(gross, escrow.fee_basis_points)
    net = gross - fee
    ledger.post(
        EntryKind.RELEASE,
        escrow.currency,
        [
            (ledger.escrow_account(escrow), -gross.amount),
            (ledger.seller_payable(escrow.seller_company_id, escrow.currency), net.amount),
            (ledger.platform_fee(escrow.currency), fee.amount),
        ],
        escrow=escrow,
        actor_id=actor_id,
        memo="release",
    )
    if net.amount > 0:
        db.session.add(
            PayoutInstruction(
                escrow_id=escrow.id,
                kind=PayoutKind.SELLER,
                company_id=escrow.seller_company_id,
                amount=net.amount,
                currency=net.currency,
            )
        )


def settle(actor, escrow: EscrowAccount, refund_amount: Money | None = None) -> EscrowAccount:
    """Close a funded escrow: refund `refund_amount` to the buyer and release the rest.

    The status moves from funded in one conditional update, so a repeated or concurrent call
    finds it no longer funded and changes nothing.
    """
    held = ledger.figures(escrow).held
    refund = refund_amount if refund_amount is not None else Money.zero(escrow.currency)
    if refund.currency != escrow.currency:
        raise ValidationError({"refund_amount": [_("Use the escrow's currency.")]})
    if refund.amount < 0 or refund.amount > held.amount:
        raise ValidationError(
            {"refund_amount": [_("The refund must be between 0 and the %(h)s held.", h=held)]}
        )
    release = held - refund
    new_status = (
        EscrowStatus.REFUNDED
        if release.amount == 0
        else EscrowStatus.RELEASED
        if refund.amount == 0
        else EscrowStatus.SETTLED
    )
    done = db.session.execute(
        sa.update(EscrowAccount)
        .where(EscrowAccount.id == escrow.id, EscrowAccount.status == EscrowStatus.FUNDED)
        .values(status=new_status, closed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("The escrow is not holding funds (already released or refunded)."))
    db.session.refresh(escrow)
    # Re-read after winning the update: what is held cannot have changed under us now.
    held_now = ledger.figures(escrow).held
    if held_now != held:
        raise Conflict(_("The escrow changed meanwhile; try again."))
    actor_id = getattr(actor, "id", None)
    if refund.amount:
        _refund(escrow, refund, actor_id=actor_id, memo="refund")
    if release.amount:
        _release(escrow, release, actor_id=actor_id)
    db.session.flush()
    pending = list(
        db.session.execute(
            sa.select(PayoutInstruction).where(
                PayoutInstruction.escrow_id == escrow.id, PayoutInstruction.status == "pending"
            )
        ).scalars()
    )
    get_provider(escrow.provider).settle(escrow, release, refund, pending)
    for payout in pending:
        if payout.status == "executed" and payout.kind == PayoutKind.SELLER:
            _post_payout(payout, actor_id)
    db.session.flush()
    db.session.expire(escrow, ["payouts"])
    return escrow


def release(actor, escrow: EscrowAccount) -> EscrowAccount:
    return settle(actor, escrow, Money.zero(escrow.currency))


def refund_all(actor, escrow: EscrowAccount) -> EscrowAccount:
    return settle(actor, escrow, ledger.figures(escrow).held)


def cancel_unpaid(actor, escrow: EscrowAccount) -> EscrowAccount:
    """Close an escrow that never got funded, handing back any partial payment.

    The provider stops the payment last (a Stripe PaymentIntent is cancelled), so a refusal rolls
    back the whole cancellation; a card payment that went through meanwhile is refunded when its
    webhook arrives (`refund_late_payment`)."""
    escrow = _lock(escrow)
    if escrow.status not in (EscrowStatus.AWAITING, EscrowStatus.PARTIAL):
        raise Conflict(_("The escrow is not waiting for payment."))
    held = ledger.figures(escrow).held
    if held.amount:
        _refund(escrow, held, actor_id=getattr(actor, "id", None), memo="cancelled")
    escrow.status = EscrowStatus.REFUNDED
    escrow.closed_at = clock.now()
    db.session.flush()
    db.session.expire(escrow, ["payouts"])
    get_provider(escrow.provider).cancel(escrow)
    return escrow


def closed_unfunded(escrow: EscrowAccount) -> bool:
    """The escrow closed without ever holding the money due (its order was cancelled unpaid)."""
    return escrow.status not in OPEN_STATES and escrow.funded_at is None


def refund_late_payment(escrow: EscrowAccount, amount: Money, event_id: str) -> bool:
    """A card payment arrived for an escrow that had closed unfunded (the order was cancelled
    while the buyer paid): book it in and straight back out, and refund it at the provider.

    Returns False when the escrow is open or was funded (nothing late about this payment)."""
    escrow = _lock(escrow)
    if escrow.status in OPEN_STATES or ledger.figures(escrow).funded.amount:
        return False
    if amount.currency != escrow.currency or amount.amount <= 0:
        raise ValidationError({"amount": [_("Stripe reports a different amount than due.")]})
    _fund(escrow, amount, actor_id=None, memo=f"stripe {event_id} after closing")
    instruction = _refund(escrow, amount, actor_id=None, memo="paid after cancellation")
    db.session.flush()
    get_provider(escrow.provider).refund_late(escrow, amount, [instruction])
    db.session.flush()
    db.session.expire(escrow, ["payouts"])
    late_payment_refunded.send(escrow, amount=amount)
    return True


def _post_payout(payout: PayoutInstruction, actor_id: int | None) -> None:
    ledger.post(
        EntryKind.PAYOUT,
        payout.currency,
        [
            (ledger.seller_payable(payout.company_id, payout.currency), -payout.amount),
            (ledger.outside(payout.escrow.provider, payout.currency), payout.amount),
        ],
        escrow=payout.escrow,
        actor_id=actor_id,
        memo=f"payout {payout.id}",
    )


def execute_payout(actor, payout_id: int) -> PayoutInstruction:
    """The operator made the bank transfer of this instruction."""
    done = db.session.execute(
        sa.update(PayoutInstruction)
        .where(PayoutInstruction.id == payout_id, PayoutInstruction.status == "pending")
        .values(status="executed", executed_at=clock.now(), executed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    payout = db.session.get(PayoutInstruction, payout_id)
    if payout is None:
        raise NotFound()
    if done.rowcount != 1:
        raise Conflict(_("This payout was executed already."))
    db.session.refresh(payout)
    if payout.kind == PayoutKind.SELLER:
        _post_payout(payout, actor.id)
    db.session.flush()
    return payout


def pending_payouts() -> list[PayoutInstruction]:
    return list(
        db.session.execute(
            sa.select(PayoutInstruction)
            .where(PayoutInstruction.status == "pending")
            .order_by(PayoutInstruction.id)
        ).scalars()
    )


def awaiting_bank_payment() -> list[EscrowAccount]:
    return list(
        db.session.execute(
            sa.select(EscrowAccount)
            .where(
                EscrowAccount.provider == Provider.BANK_TRANSFER,
                EscrowAccount.status.in_([EscrowStatus.AWAITING, EscrowStatus.PARTIAL]),
            )
            .order_by(EscrowAccount.id)
        ).scalars()
    )


def stripe_account_of(company_id: int) -> str | None:
    account = db.session.get(SellerPaymentAccount, company_id)
    return account.stripe_account_id if account else None


def connect_stripe_account(actor, company) -> SellerPaymentAccount:
    """Open (once) the seller's Stripe Express connected account that receives payouts."""
    require(actor, Permission.EDIT_PROFILE)
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise Conflict(_("Card payments are not configured on this marketplace."))
    existing = db.session.get(SellerPaymentAccount, company.id)
    if existing is not None:
        return existing
    try:
        account = stripe.Account.create(
            type="express",
            country=company.country,
            email=company.email or None,
            business_type="company",
            capabilities={"transfers": {"requested": True}},
            metadata={"company_id": str(company.id)},
            api_key=current_app.config["STRIPE_SECRET_KEY"],
            idempotency_key=f"company-{company.id}-connect",
        )
    except stripe.StripeError as exc:
        raise Conflict(_("Stripe could not open the account: %(e)s", e=exc)) from exc
    record = SellerPaymentAccount(company_id=company.id, stripe_account_id=account["id"])
    db.session.add(record)
    db.session.flush()
    return record


def find_by_reference(reference: str) -> EscrowAccount:
    escrow = db.session.execute(
        sa.select(EscrowAccount).where(EscrowAccount.payment_reference == reference.strip())
    ).scalar_one_or_none()
    if escrow is None:
        raise NotFound()
    return escrow


def seller_released_total(company_id: int, currency: str) -> Money:
    return ledger.balance(ledger.seller_payable(company_id, currency))
