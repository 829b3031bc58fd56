"""Writing payment instructions: rows in the caller's transaction, executed after it commits."""

from __future__ import annotations

from marketplace.core import jobs
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.payments.models import EscrowAccount, InstructionKind, PaymentInstruction

EXECUTE_JOB = "payments.execute_instructions"


def instruct(
    escrow: EscrowAccount,
    kind: InstructionKind,
    amount: Money,
    *,
    company_id: int,
    after: PaymentInstruction | None = None,
) -> PaymentInstruction:
    """Owe one money movement. A provider movement gets a job in the same transaction, so it
    runs once the transaction commits, and never if it rolls back; a crash before it ran leaves
    the job (and the instruction) waiting."""
    instruction = PaymentInstruction(
        escrow_id=escrow.id,
        kind=kind,
        company_id=company_id,
        amount=amount.amount,
        currency=amount.currency,
        after_id=after.id if after is not None else None,
    )
    db.session.add(instruction)
    db.session.flush()
    if not kind.by_operator:
        wake_executor(escrow)
    db.session.expire(escrow, ["payouts"])
    return instruction


def wake_executor(escrow: EscrowAccount) -> None:
    """Ask for the escrow's provider movements to be executed after this transaction commits."""
    jobs.enqueue(EXECUTE_JOB, {"escrow_id": escrow.id})
