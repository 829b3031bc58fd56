"""Closing escrows: settle (release, refund or split), cancel unfunded ones, refund late money,
and what a provider's answer to a settlement's movement does to the escrow and its journal.

Fee rule (the one rounding rule): the platform fee is taken from each amount released to the
seller, as ESCROW_FEE_BASIS_POINTS basis points of that gross amount, rounded half up to the
minor unit by `Money.percent`. Refunds carry no fee. The seller's payable gets gross - fee.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments import ledger
from marketplace.payments.events import late_payment_refunded, payment_refused
from marketplace.payments.instructions import wake_executor
from marketplace.payments.models import (
    EscrowAccount,
    EscrowStatus,
    InstructionKind,
    InstructionStatus,
    PaymentInstruction,
)
from marketplace.payments.providers import Outcome, get_provider
from marketplace.payments.services import OPEN_STATES, fee_for, lock


def closing_status(figures: ledger.EscrowFigures) -> EscrowStatus:
    """How a settled escrow ends, from what its journal says went where."""
    if not (figures.released + figures.fee).amount:
        return EscrowStatus.REFUNDED
    return EscrowStatus.SETTLED if figures.refunded.amount else EscrowStatus.RELEASED


def settle(actor, escrow: EscrowAccount, refund_amount: Money | None = None) -> EscrowAccount:
    """Close a funded escrow: refund `refund_amount` to the buyer and release the rest.

    The journal entries and the instructions that move the money are written here; the money
    moves after the commit. A card escrow waits in `settling` until its head movement (capture,
    cancel or refund) is executed; if the provider refuses it, the entries are reversed and the
    escrow holds the money again (`record_refused`). The status leaves funded in one conditional
    update, so a repeated or concurrent call finds it no longer funded and changes nothing.
    """
    held = ledger.figures(escrow).held
    refund = refund_amount if refund_amount is not None else Money.zero(escrow.currency)
    if refund.currency != escrow.currency:
        raise ValidationError({"refund_amount": [_("Use the escrow's currency.")]})
    if refund.amount < 0 or refund.amount > held.amount:
        raise ValidationError(
            {"refund_amount": [_("The refund must be between 0 and the %(h)s held.", h=held)]}
        )
    done = db.session.execute(
        sa.update(EscrowAccount)
        .where(EscrowAccount.id == escrow.id, EscrowAccount.status == EscrowStatus.FUNDED)
        .values(status=EscrowStatus.SETTLING)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("The escrow is not holding funds (already released or refunded)."))
    db.session.refresh(escrow)
    # Re-read after winning the update: what is held cannot have changed under us now.
    if ledger.figures(escrow).held != held:
        raise Conflict(_("The escrow changed meanwhile; try again."))
    release = held - refund
    fee = fee_for(release, escrow.fee_basis_points)
    head = get_provider(escrow.provider).plan_settlement(escrow, release, refund, release - fee)
    head_id = head.id if head is not None else None
    actor_id = getattr(actor, "id", None)
    if refund.amount:
        ledger.post_refund(escrow, refund, actor_id=actor_id, memo="refund", instruction_id=head_id)
    if release.amount:
        ledger.post_release(escrow, release, fee, actor_id=actor_id, instruction_id=head_id)
    if head is None:  # nothing for the provider to close: the escrow is settled now
        _close(escrow)
    db.session.flush()
    return escrow


def _close(escrow: EscrowAccount) -> None:
    escrow.status = closing_status(ledger.figures(escrow))
    escrow.closed_at = clock.now()


def release(actor, escrow: EscrowAccount) -> EscrowAccount:
    return settle(actor, escrow, Money.zero(escrow.currency))


def refund_all(actor, escrow: EscrowAccount) -> EscrowAccount:
    return settle(actor, escrow, ledger.figures(escrow).held)


def cancel_unpaid(actor, escrow: EscrowAccount) -> EscrowAccount:
    """Close an escrow that never got funded, handing back any partial payment.

    The provider's payment is stopped after the commit (a Stripe PaymentIntent is cancelled); a
    card payment that went through meanwhile is refunded when its webhook arrives
    (`refund_late_payment`)."""
    escrow = lock(escrow)
    if escrow.status not in (EscrowStatus.AWAITING, EscrowStatus.PARTIAL):
        raise Conflict(_("The escrow is not waiting for payment."))
    held = ledger.figures(escrow).held
    provider = get_provider(escrow.provider)
    if held.amount:
        ledger.post_refund(escrow, held, actor_id=getattr(actor, "id", None), memo="cancelled")
        provider.plan_refund(escrow, held)
    escrow.status = EscrowStatus.REFUNDED
    escrow.closed_at = clock.now()
    provider.plan_cancel(escrow)
    db.session.flush()
    return escrow


def refund_late_payment(escrow: EscrowAccount, amount: Money, event_id: str) -> bool:
    """A card payment arrived for an escrow that had closed unfunded (the order was cancelled
    while the buyer paid): book it in and straight back out, and refund it at the provider.

    Returns False when the escrow is open or was funded (nothing late about this payment)."""
    escrow = lock(escrow)
    if escrow.status in OPEN_STATES or ledger.figures(escrow).funded.amount:
        return False
    if amount.currency != escrow.currency or amount.amount <= 0:
        raise ValidationError({"amount": [_("Stripe reports a different amount than due.")]})
    ledger.post_fund(escrow, amount, actor_id=None, memo=f"stripe {event_id} after closing")
    ledger.post_refund(escrow, amount, actor_id=None, memo="paid after cancellation")
    get_provider(escrow.provider).plan_refund(escrow, amount)
    db.session.flush()
    late_payment_refunded.send(escrow, amount=amount)
    return True


def let_authorisation_go(escrow: EscrowAccount) -> None:
    """A card authorisation arrived for an escrow that closed unfunded: cancel it."""
    get_provider(escrow.provider).plan_cancel(escrow)


def record_outcome(instruction_id: int, outcome: Outcome) -> PaymentInstruction | None:
    """Apply what the provider did with one instruction (after the call, in a new transaction).

    Executed: a transfer books the payout; a settlement's head closes the escrow. Refused: the
    instruction fails; a head's journal entries are reversed, the escrow holds the money again
    and what waited for it is cancelled. Returns None when someone else applied it already."""
    instruction = db.session.get(PaymentInstruction, instruction_id)
    if instruction is None:
        raise NotFound()
    escrow = lock(instruction.escrow)
    done = db.session.execute(
        sa.update(PaymentInstruction)
        .where(
            PaymentInstruction.id == instruction_id,
            PaymentInstruction.status == InstructionStatus.PENDING,
        )
        .values(
            status=InstructionStatus.EXECUTED if outcome.executed else InstructionStatus.FAILED,
            external_id=outcome.external_id,
            executed_at=clock.now() if outcome.executed else None,
            last_error=outcome.reason[:500],
            claimed_until=None,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        return None
    db.session.refresh(instruction)
    waiting = ledger.waiting_on(instruction.id)
    if outcome.executed:
        if instruction.kind == InstructionKind.TRANSFER:
            ledger.post_payout(escrow, instruction.id, instruction.money, instruction.company_id,
                               actor_id=None)  # fmt: skip
        if waiting and escrow.status == EscrowStatus.SETTLING:
            _close(escrow)
    else:
        reopened = bool(waiting) and escrow.status == EscrowStatus.SETTLING
        if reopened:
            for txn in waiting:
                ledger.reverse(txn, memo=f"provider refused instruction {instruction.id}")
            _set_followers(instruction, InstructionStatus.PENDING, InstructionStatus.CANCELLED)
            escrow.status = EscrowStatus.FUNDED
            escrow.closed_at = None
        db.session.flush()
        payment_refused.send(escrow, instruction=instruction, reopened=reopened)
    db.session.flush()
    db.session.expire(escrow, ["payouts"])
    return instruction


def _set_followers(head: PaymentInstruction, old: str, new: str) -> None:
    db.session.execute(
        sa.update(PaymentInstruction)
        .where(PaymentInstruction.after_id == head.id, PaymentInstruction.status == old)
        .values(status=new)
        .execution_options(synchronize_session=False)
    )


def retry_instruction(operator, instruction_id: int) -> PaymentInstruction:
    """The operator asks the provider again (after fixing what made it refuse): a new attempt,
    so a new idempotency key. A refused head settles the escrow again the same way."""
    instruction = db.session.get(PaymentInstruction, instruction_id)
    if instruction is None:
        raise NotFound()
    escrow = lock(instruction.escrow)
    db.session.refresh(instruction)
    if instruction.status != InstructionStatus.FAILED:
        raise Conflict(_("Only a refused movement can be retried."))
    taken_back = ledger.reversed_for(instruction.id)
    if taken_back:
        if escrow.status != EscrowStatus.FUNDED:
            raise Conflict(_("The escrow has moved on since; this movement no longer applies."))
        for txn in taken_back:
            ledger.repost(txn, memo=f"retry of instruction {instruction.id}",
                          actor_id=getattr(operator, "id", None))  # fmt: skip
        _set_followers(instruction, InstructionStatus.CANCELLED, InstructionStatus.PENDING)
        escrow.status = EscrowStatus.SETTLING
    instruction.status = InstructionStatus.PENDING
    instruction.attempt += 1
    instruction.last_error = ""
    wake_executor(escrow)
    db.session.flush()
    db.session.expire(escrow, ["payouts"])
    return instruction
