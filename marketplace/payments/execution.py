"""The job that carries out provider money movements after the transaction that wrote them.

For each instruction, in the order written: claim it and read what to send (committed), call the
provider with no transaction open (and, on SQLite, without keeping requests waiting), record its
answer (committed with the next claim, or by the job's unit of work at the end). A crash after
the call leaves the instruction
pending with an expired claim: the next run asks the provider again with the same idempotency
key (and the provider first looks whether the instruction already ran), so money moves once.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from marketplace.core.uow import commit_so_far
from marketplace.payments import ledger, settlement
from marketplace.payments.instructions import EXECUTE_JOB
from marketplace.payments.models import (
    PROVIDER_KINDS,
    EscrowAccount,
    InstructionStatus,
    PaymentInstruction,
)
from marketplace.payments.providers import Movement, get_provider

CLAIM = dt.timedelta(minutes=5)  # a claim not finished by then is taken to have crashed


class ClaimedElsewhere(Exception):
    """Another worker is executing this escrow's next movement; this job tries again later."""


def run_escrow(escrow_id: int) -> int:
    """Execute the escrow's waiting provider movements in order; returns how many ran.

    Raises ProviderUnavailable (the job is retried with backoff, the same key) or ClaimedElsewhere."""
    ran = 0
    while True:
        movement = _claim_next(escrow_id)
        commit_so_far()
        if movement is None:
            return ran
        provider = get_provider(movement.provider)
        try:
            with jobs.outside_transaction():
                outcome = provider.execute(movement.call)
        except Exception as exc:  # unknown outcome: retried with the same key
            _note_error(movement.call.instruction_id, str(exc) or type(exc).__name__)
            commit_so_far()  # the job's unit of work rolls back what follows, not this note
            raise
        settlement.record_outcome(movement.call.instruction_id, outcome)
        ran += 1


class _Claimed:
    def __init__(self, provider: str, call: Movement) -> None:
        self.provider, self.call = provider, call


def _claim_next(escrow_id: int) -> _Claimed | None:
    instruction = db.session.execute(
        sa.select(PaymentInstruction)
        .where(
            PaymentInstruction.escrow_id == escrow_id,
            PaymentInstruction.status == InstructionStatus.PENDING,
            PaymentInstruction.kind.in_(PROVIDER_KINDS),
        )
        .order_by(PaymentInstruction.id)
        .limit(1)
    ).scalar_one_or_none()
    if instruction is None:
        return None
    now = clock.now()
    claimed = db.session.execute(
        sa.update(PaymentInstruction)
        .where(
            PaymentInstruction.id == instruction.id,
            PaymentInstruction.status == InstructionStatus.PENDING,
            sa.or_(
                PaymentInstruction.claimed_until.is_(None),
                PaymentInstruction.claimed_until < now,
            ),
        )
        .values(claimed_until=now + CLAIM)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise ClaimedElsewhere(f"instruction {instruction.id} is being executed elsewhere")
    escrow: EscrowAccount = instruction.escrow
    call = Movement(
        instruction_id=instruction.id,
        kind=instruction.kind,
        amount=instruction.amount,
        currency=instruction.currency,
        idempotency_key=instruction.idempotency_key,
        payment_intent=escrow.stripe_payment_intent,
        destination=escrow.seller_stripe_account,
        transfer_group=escrow.payment_reference,
        closes_escrow=bool(ledger.waiting_on(instruction.id)),
    )
    return _Claimed(escrow.provider, call)


def _note_error(instruction_id: int, error: str) -> None:
    """Keep the provider's last error in sight of the operator and free the claim for the retry."""
    db.session.execute(
        sa.update(PaymentInstruction)
        .where(PaymentInstruction.id == instruction_id)
        .values(last_error=error[:500], claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def _execute_job(payload: dict) -> None:
    """Enqueued with each provider instruction, in the transaction that wrote it."""
    run_escrow(int(payload["escrow_id"]))


JOB_HANDLERS = {EXECUTE_JOB: _execute_job}  # registered by create_app
