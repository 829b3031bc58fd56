"""Escrow money up to its settlement: opening an escrow, receipts, card funding, the operator's
payouts and sellers' Stripe accounts. Settling (release, refund, split) and the fee rule live in
`payments.settlement`."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import aliased, selectinload

from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import authorisations, ledger
from marketplace.payments.events import escrow_funded
from marketplace.payments.models import (
    OPERATOR_KINDS,
    BankReceipt,
    EscrowAccount,
    EscrowStatus,
    InstructionKind,
    InstructionStatus,
    PaymentInstruction,
    Provider,
    SellerPaymentAccount,
    StripeMode,
)
from marketplace.payments.providers import CardIntent, get_provider

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
    card: CardIntent | None = None,
    seller_stripe_account: str | None = None,
) -> EscrowAccount:
    """An escrow waiting for the buyer's money, with a unique payment reference.

    A card escrow comes with its PaymentIntent, created before this transaction began
    (`providers.StripeProvider.create_intent`): no provider call happens inside a transaction."""
    if provider not in set(Provider):
        raise ValidationError({"provider": [_("Unknown payment provider.")]})
    if due.amount <= 0:
        raise ValidationError({"amount": [_("The amount must be positive.")]})
    if (provider == Provider.STRIPE) != (card is not None):
        raise Conflict(_("A card payment needs its payment intent, and only a card payment."))
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
    if card is not None:
        escrow.stripe_payment_intent = card.id
        escrow.stripe_client_secret = card.client_secret
        escrow.stripe_mode = card.mode
    db.session.add(escrow)
    db.session.flush()
    return escrow


def get_escrow(escrow_id: int) -> EscrowAccount:
    escrow = db.session.get(EscrowAccount, escrow_id)
    if escrow is None:
        raise NotFound()
    return escrow


def lock(escrow: EscrowAccount) -> EscrowAccount:
    """Re-read the escrow under a row lock (PostgreSQL); SQLite serialises writers anyway.

    Lock order: whoever changes an escrow and its order locks the escrow first (a webhook
    funding the escrow moves the order from inside that lock)."""
    db.session.flush()
    locked = db.session.execute(
        sa.select(EscrowAccount)
        .where(EscrowAccount.id == escrow.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return locked


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
    escrow = lock(escrow)
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
    ledger.post_fund(escrow, amount, actor_id=receipt.recorded_by_id, memo=f"bank receipt {note}")
    held = ledger.figures(escrow).held
    excess = held - escrow.due
    if excess.amount > 0:
        escrow.overpayment_flagged = True
        ledger.post_refund(escrow, excess, actor_id=receipt.recorded_by_id, memo="overpayment")
        get_provider(escrow.provider).plan_refund(escrow, excess)
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
    escrow = lock(escrow)
    if escrow.status != EscrowStatus.AWAITING:
        return False
    if amount != escrow.due:
        raise ValidationError({"amount": [_("Stripe reports a different amount than due.")]})
    ledger.post_fund(escrow, amount, actor_id=None, memo=f"stripe {event_id}")
    escrow.status = EscrowStatus.FUNDED
    escrow.funded_at = clock.now()
    db.session.flush()
    if escrow.stripe_mode == StripeMode.CAPTURE_ON_RELEASE:
        authorisations.schedule_capture(escrow)
    escrow_funded.send(escrow)
    return True


def closed_unfunded(escrow: EscrowAccount) -> bool:
    """The escrow closed without ever holding the money due (its order was cancelled unpaid)."""
    return escrow.status not in OPEN_STATES and escrow.funded_at is None


def _operator_instruction(instruction_id: int) -> PaymentInstruction:
    payout = db.session.get(PaymentInstruction, instruction_id)
    if payout is None:
        raise NotFound()
    return payout


def execute_payout(actor, payout_id: int) -> PaymentInstruction:
    """The operator made the bank transfer of this instruction."""
    payout = _operator_instruction(payout_id)
    if not payout.by_operator:
        raise Conflict(_("The payment provider executes this instruction, not the operator."))
    if payout.after_id is not None and payout_waits(payout):
        raise Conflict(_("This payout waits for the card payment to be captured."))
    done = db.session.execute(
        sa.update(PaymentInstruction)
        .where(
            PaymentInstruction.id == payout_id,
            PaymentInstruction.status == InstructionStatus.PENDING,
        )
        .values(status=InstructionStatus.EXECUTED, executed_at=clock.now(), executed_by_id=actor.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("This payout was executed already."))
    db.session.refresh(payout)
    if payout.kind == InstructionKind.SELLER_PAYOUT:
        ledger.post_payout(payout.escrow, payout.id, payout.money, payout.company_id,
                           actor_id=actor.id)  # fmt: skip
    db.session.flush()
    return payout


def payout_waits(payout: PaymentInstruction) -> bool:
    """Whether the movement this one comes after has not been executed yet."""
    if payout.after_id is None:
        return False
    status = db.session.execute(
        sa.select(PaymentInstruction.status).where(PaymentInstruction.id == payout.after_id)
    ).scalar_one()
    return status != InstructionStatus.EXECUTED


def pending_payouts() -> list[PaymentInstruction]:
    """Wires the operator has to make now (not those waiting for a card capture first)."""
    earlier = aliased(PaymentInstruction)
    return list(
        db.session.execute(
            sa.select(PaymentInstruction)
            .outerjoin(earlier, PaymentInstruction.after_id == earlier.id)
            .where(
                PaymentInstruction.status == InstructionStatus.PENDING,
                PaymentInstruction.kind.in_(OPERATOR_KINDS),
                sa.or_(
                    PaymentInstruction.after_id.is_(None),
                    earlier.status == InstructionStatus.EXECUTED,
                ),
            )
            .options(selectinload(PaymentInstruction.escrow))  # the page shows each reference
            .order_by(PaymentInstruction.id)
        ).scalars()
    )


def failed_instructions() -> list[PaymentInstruction]:
    """Provider movements refused for good, or still retrying after an error, for the operator."""
    return list(
        db.session.execute(
            sa.select(PaymentInstruction)
            .where(
                sa.or_(
                    PaymentInstruction.status == InstructionStatus.FAILED,
                    sa.and_(
                        PaymentInstruction.status == InstructionStatus.PENDING,
                        PaymentInstruction.last_error != "",
                    ),
                )
            )
            .options(selectinload(PaymentInstruction.escrow))
            .order_by(PaymentInstruction.id)
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


def stripe_account_to_open(actor, company) -> SellerPaymentAccount | None:
    """Before opening a seller's Stripe account: may the actor, and is there one already?

    The account itself is opened by `providers.create_connected_account` with no transaction
    open, then recorded by `record_stripe_account`."""
    require(actor, Permission.EDIT_PROFILE)
    if not current_app.config.get("STRIPE_SECRET_KEY"):
        raise Conflict(_("Card payments are not configured on this marketplace."))
    return db.session.get(SellerPaymentAccount, company.id)


def record_stripe_account(actor, company, account_id: str) -> SellerPaymentAccount:
    """Keep the seller's connected account (the first one, if two requests opened one)."""
    require(actor, Permission.EDIT_PROFILE)
    existing = db.session.get(SellerPaymentAccount, company.id)
    if existing is not None:
        return existing
    record = SellerPaymentAccount(company_id=company.id, stripe_account_id=account_id)
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
