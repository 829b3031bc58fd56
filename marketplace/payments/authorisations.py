"""Card authorisations held until release: captured by a job before Stripe lets them lapse.

An escrow paid in capture-on-release mode holds the buyer's authorisation only for Stripe's
window. The release can still come later than foreseen (the seller ships late, a dispute runs),
so when the escrow is funded a job is scheduled for the end of the window minus a margin; if the
escrow is still holding the money then, the job writes a capture instruction (executed after
its commit, like every money movement) and the escrow moves to the capture-now path (refunds
through Stripe refunds, the seller paid by Transfer on release).
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from marketplace.payments.models import EscrowAccount, EscrowStatus, Provider, StripeMode
from marketplace.payments.providers import HOLD_FOR, StripeProvider

CAPTURE_JOB = "payments.capture_expiring_authorisations"


def schedule_capture(escrow: EscrowAccount) -> None:
    """At funding: look at this escrow again shortly before its authorisation would lapse."""
    jobs.enqueue(
        CAPTURE_JOB,
        {"escrow_id": escrow.id},
        run_at=escrow.funded_at + HOLD_FOR,
        key=f"payments.capture-before-expiry:{escrow.id}",
    )


def capture_if_expiring(escrow_id: int) -> bool:
    """Capture the escrow's held authorisation if it is about to lapse; True when a capture
    was instructed.

    The escrow is re-read under a row lock, so a release (or refund) that won the race is seen
    and the escrow left alone."""
    escrow = db.session.execute(
        sa.select(EscrowAccount)
        .where(EscrowAccount.id == escrow_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if (
        escrow is None
        or escrow.provider != Provider.STRIPE
        or escrow.status != EscrowStatus.FUNDED
        or escrow.stripe_mode != StripeMode.CAPTURE_ON_RELEASE
        or escrow.funded_at is None
        or clock.as_utc(escrow.funded_at) + HOLD_FOR > clock.now()
    ):
        return False
    StripeProvider().plan_capture_before_expiry(escrow)
    db.session.flush()
    return True


def _capture_job(payload: dict) -> None:
    """Scheduled per escrow at funding (the runner commits; the capture runs after that)."""
    capture_if_expiring(int(payload["escrow_id"]))


JOB_HANDLERS = {CAPTURE_JOB: _capture_job}  # registered by create_app
