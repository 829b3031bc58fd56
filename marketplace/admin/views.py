"""Operator pages: overview and the company verification queue."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin.access import operator_page
from marketplace.companies import services as companies
from marketplace.companies import verification
from marketplace.companies.models import Company, CompanyStatus, VerificationStatus
from marketplace.core.access import get_or_404
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import committed
from marketplace.core.uow import unit_of_work

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@operator_page
def index():
    counts = dict(
        db.session.execute(
            sa.select(Company.verification_status, sa.func.count()).group_by(
                Company.verification_status
            )
        ).all()
    )
    return render_template("admin/index.html", counts=counts, statuses=VerificationStatus)


@bp.get("/verifications")
@operator_page
def verifications():
    return render_template("admin/verifications.html", companies=verification.verification_queue())


def _not_saved(error: DomainError) -> str:
    return _(
        "Not saved: %(reason)s", reason=" ".join(error.field_errors.get("reason", [error.message]))
    )


@bp.post("/companies/<int:company_id>/verify")
@operator_page
def verify(company_id: int):
    company = get_or_404(Company, company_id)
    approved = request.form.get("decision") == "approve"
    # A decision already made (a second click, another operator) is flashed, not an error page.
    with committed(_not_saved) as outcome:
        verification.decide_verification(
            current_user, company, approved=approved, reason=request.form.get("reason", "")
        )
    if not outcome.ok:
        return redirect(url_for("admin.verifications"))
    if approved:
        flash(_("%(name)s is verified.", name=company.name), "success")
    else:
        flash(_("%(name)s is rejected; the company sees your reason.", name=company.name), "info")
    return redirect(url_for("admin.verifications"))


@bp.post("/companies/<int:company_id>/status")
@operator_page
def set_status(company_id: int):
    company = get_or_404(Company, company_id)
    status = request.form.get("status", "")
    if status not in {s.value for s in CompanyStatus}:
        flash(_("Choose active or suspended."), "error")
    else:
        with unit_of_work():
            companies.set_status(current_user, company, CompanyStatus(status))
        flash(_("%(name)s is now %(status)s.", name=company.name, status=status), "success")
    return redirect(request.referrer or url_for("admin.index"))
