"""Approval pages: requisitions waiting for a colleague's decision, and buyers' spending limits."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.accounts.models import User
from marketplace.core.access import Permission, require
from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.money import Money
from marketplace.procurement import approvals, decisions, forms

bp = Blueprint("procurement_approvals", __name__, url_prefix="/procurement")


def _members() -> list[tuple[int, str]]:
    return [
        (u.id, u.full_name)
        for u in db.session.execute(
            sa.select(User)
            .where(User.company_id == current_user.company_id)
            .order_by(User.full_name)
        ).scalars()
    ]


@bp.app_template_global()
def requisition_url(requisition) -> str:
    """Where the purchase waiting for a decision can be read in full."""
    if requisition.kind == "order":
        return url_for("orders.detail", order_id=requisition.object_id)
    if requisition.kind == "quote":
        return url_for("procurement.quote", quote_id=requisition.object_id)
    return url_for("procurement.tender", tender_id=requisition.object_id)


@bp.get("/approvals")
@login_required
def page(limit_form: forms.LimitForm | None = None, status: int = 200):
    require(current_user, Permission.READ)
    company_id = current_user.company_id
    if limit_form is None:
        limit_form = forms.LimitForm(formdata=None)
    limit_form.user_id.choices = _members()
    return render_template(
        "procurement/approvals.html",
        pending=approvals.requisitions(company_id, "pending"),
        decided=[r for r in approvals.requisitions(company_id) if r.status != "pending"][:50],
        limits=approvals.limits(company_id),
        limit_form=limit_form,
        decision_form=forms.DecisionForm(formdata=None),
        may_manage=current_user.can(Permission.MANAGE_MEMBERS),
    ), status


@bp.post("/approvals/<int:requisition_id>/<any(approve, reject):decision>")
@login_required
def decide(requisition_id: int, decision: str):
    requisition = approvals.get_requisition(current_user, requisition_id)
    comment = forms.DecisionForm().comment.data or ""
    action = decisions.approve if decision == "approve" else decisions.reject
    message = _("Approved.") if decision == "approve" else _("Rejected.")
    refusal = None
    with committed() as outcome:
        try:
            action(current_user, requisition, comment)
        except decisions.TermsExpired as error:
            refusal = error.message  # the requisition is closed and the requester told: commit
    if refusal:
        flash(refusal, "error")
    elif outcome.ok:
        flash(message, "success")
    return redirect(url_for("procurement_approvals.page"))


@bp.post("/limits")
@login_required
def set_limit():
    form = forms.LimitForm()
    form.user_id.choices = _members()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            amount = None
            if form.amount.data is not None:
                amount_minor = forms.minor(
                    form.amount.data, form.currency.data, "amount", errors := {}
                )
                if errors:
                    raise ValidationError(errors)
                amount = Money(amount_minor, form.currency.data)
            approvals.set_limit(current_user, form.user_id.data, amount)
        if outcome.ok:
            flash(_("The spending limit is saved."), "success")
            return redirect(url_for("procurement_approvals.page"))
    return page(limit_form=form, status=422)
