"""Verification of a company's identity: the request, the operator's decision, and what a new identity undoes."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.companies.models import (
    Company,
    VerificationDecision,
    VerificationRequest,
    VerificationStatus,
)
from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.sanitize import check_length

# What the operator checks: changing any of these means the check no longer holds.
IDENTITY_FIELDS = ("legal_name", "vat_id", "nip", "krs", "regon")


def _editor(actor: Any, company: Company) -> None:
    require(actor, Permission.EDIT_PROFILE)
    if getattr(actor, "company_id", None) != company.id:
        raise PermissionDenied(_("You can only change your own company."))


def request_verification(actor: Any, company: Company, message: str = "") -> VerificationRequest:
    _editor(actor, company)
    if not actor.email_confirmed:
        # The operator answers by e-mail; an unproven address may belong to someone else.
        raise PermissionDenied(
            _(
                "Confirm your e-mail address before asking for verification: open the link we "
                "sent to %(email)s, or ask for a new one.",
                email=actor.email,
            ),
            field="email",
        )
    # Locked and read again: a double click must not open two requests.
    db.session.refresh(company, ["verification_status"], with_for_update=True)
    if company.verification_status == VerificationStatus.VERIFIED:
        raise Conflict(_("Your company is already verified."))
    if company.verification_status == VerificationStatus.PENDING:
        raise Conflict(_("A verification request is already waiting for the operator."))
    missing = [f for f in ("legal_name", "city", "street") if not getattr(company, f)]
    if not (company.vat_id or company.nip or company.krs or company.regon):
        missing.append("vat_id")
    if missing:
        raise ValidationError({field: [_("Needed before verification.")] for field in missing})
    message = (message or "").strip()
    check_length("message", message, 2000)
    request = VerificationRequest(company=company, requested_by_id=actor.id, message=message)
    company.verification_status = VerificationStatus.PENDING
    db.session.add(request)
    db.session.flush()
    return request


def decide_verification(
    operator: Any, company: Company, *, approved: bool, reason: str = ""
) -> Company:
    """The operator's verdict; a rejection must say why, and the company sees the reason."""
    if not getattr(operator, "is_operator", False):
        raise PermissionDenied(_("Only marketplace operators verify companies."))
    reason = (reason or "").strip()
    if not approved and not reason:
        raise ValidationError({"reason": [_("Say why the company is rejected.")]})
    check_length("reason", reason, 2000)
    request = _open_request(company)
    # The condition on the row makes the decision once: a second click, or a second operator
    # deciding at the same moment, finds the request decided and changes nothing.
    if request is None or not _close(
        request,
        VerificationDecision.APPROVED if approved else VerificationDecision.REJECTED,
        reason=reason,
        decided_by_id=operator.id,
    ):
        raise Conflict(
            _("No verification request of this company is waiting; it was decided or withdrawn.")
        )
    now = clock.now()
    company.verification_status = (
        VerificationStatus.VERIFIED if approved else VerificationStatus.REJECTED
    )
    company.verified_at = now if approved else None
    db.session.flush()
    db.session.expire(company, ["verifications"])
    return company


def _close(request: VerificationRequest, decision: VerificationDecision, **values: Any) -> bool:
    """End an open request; False when it had ended already (in another transaction, too)."""
    result = db.session.execute(
        sa.update(VerificationRequest)
        .where(VerificationRequest.id == request.id, VerificationRequest.decision.is_(None))
        .values(decision=decision, decided_at=clock.now(), **values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def identity_changed(actor: Any, company: Company) -> None:
    """The legal name or a tax identifier changed: a waiting request is withdrawn (the operator
    would check the old identity) and a verified company loses its badge until checked again."""
    now = clock.now()
    if company.verification_status == VerificationStatus.PENDING:
        request = _open_request(company)
        if request is None or not _close(request, VerificationDecision.WITHDRAWN):
            # The operator decided a moment ago, in another transaction: read what they decided.
            db.session.refresh(company, ["verification_status"])
    if company.verification_status == VerificationStatus.VERIFIED:
        db.session.add(
            VerificationRequest(
                company=company,
                requested_by_id=getattr(actor, "id", None),
                requested_at=now,
                decision=VerificationDecision.REVOKED,
                decided_at=now,
            )
        )
    elif company.verification_status != VerificationStatus.PENDING:
        return  # unverified or rejected: there is no check to undo
    company.verification_status = VerificationStatus.UNVERIFIED
    company.verified_at = None
    db.session.flush()
    db.session.expire(company, ["verifications"])


def _open_request(company: Company) -> VerificationRequest | None:
    return db.session.execute(
        sa.select(VerificationRequest)
        .where(VerificationRequest.company_id == company.id, VerificationRequest.decision.is_(None))
        .order_by(VerificationRequest.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def notice(request: VerificationRequest | None) -> str:
    """What the company is told about how its latest request ended (the operator's own words
    for a rejection)."""
    if request is None:
        return ""
    if request.decision == VerificationDecision.WITHDRAWN:
        return _(
            "Your verification request was withdrawn because the legal name or tax identifiers "
            "changed while it waited. Request verification again when the details are final."
        )
    if request.decision == VerificationDecision.REVOKED:
        return _(
            "The verified badge was removed because the legal name or tax identifiers changed. "
            "Request verification again so the operator can check the new details."
        )
    return request.reason or ""


def verification_queue() -> list[Company]:
    """Companies waiting for a decision, the longest-waiting first (an edit does not reorder)."""
    return list(
        db.session.execute(
            sa.select(Company)
            .join(
                VerificationRequest,
                sa.and_(
                    VerificationRequest.company_id == Company.id,
                    VerificationRequest.decision.is_(None),
                ),
            )
            .where(Company.verification_status == VerificationStatus.PENDING)
            .order_by(VerificationRequest.requested_at, VerificationRequest.id)
        )
        .scalars()
        .unique()
    )
