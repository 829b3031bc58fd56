"""Operator pages for the money of trades: bank receipts, payout instructions and disputes."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.admin.access import operator_page
from marketplace.core.bounds import MINOR_UNITS
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.money import Money, MoneyError
from marketplace.core.uow import unit_of_work
from marketplace.orders import disputes as order_disputes
from marketplace.payments import ledger, settlement
from marketplace.payments import services as payments

bp = Blueprint("admin_trade", __name__, url_prefix="/admin")


def _amount(field: str, currency: str) -> Money:
    try:
        amount = Money.parse(request.form.get(field, ""), currency)
    except MoneyError as exc:
        raise ValidationError({field: [_("Enter an amount such as 1250.00.")]}) from exc
    if amount.amount not in MINOR_UNITS:
        raise ValidationError({field: [MINOR_UNITS.message()]})
    return amount


def _run(action, success: str, target: str):
    try:
        with unit_of_work():
            action()
    except (ValidationError, Conflict) as error:
        flash(_("Not saved: %(reason)s", reason=error.message), "error")
    else:
        flash(success, "success")
    return redirect(url_for(target))


@bp.get("/bank-receipts")
@operator_page
def bank_receipts():
    escrows = payments.awaiting_bank_payment()
    return render_template(
        "admin/bank_receipts.html",
        escrows=escrows,
        figures={e.id: ledger.figures(e) for e in escrows},
    )


@bp.post("/bank-receipts/<int:escrow_id>")
@operator_page
def record_receipt(escrow_id: int):
    escrow = payments.get_escrow(escrow_id)

    def action() -> None:
        payments.record_bank_receipt(
            current_user, escrow, _amount("amount", escrow.currency), request.form.get("note", "")
        )

    return _run(
        action,
        _("Receipt recorded for %(r)s.", r=escrow.payment_reference),
        "admin_trade.bank_receipts",
    )


@bp.get("/payouts")
@operator_page
def payouts():
    return render_template(
        "admin/payouts.html",
        payouts=payments.pending_payouts(),
        refused=payments.failed_instructions(),
    )


@bp.post("/payment-instructions/<int:instruction_id>/retry")
@operator_page
def retry_instruction(instruction_id: int):
    return _run(
        lambda: settlement.retry_instruction(current_user, instruction_id),
        _("The payment provider is asked again."),
        "admin_trade.payouts",
    )


@bp.post("/payouts/<int:payout_id>/executed")
@operator_page
def payout_executed(payout_id: int):
    return _run(
        lambda: payments.execute_payout(current_user, payout_id),
        _("Payout marked as executed."),
        "admin_trade.payouts",
    )


@bp.get("/disputes")
@operator_page
def disputes():
    open_disputes = order_disputes.open_disputes()
    figures = ledger.figures_of(d.order.escrow for d in open_disputes)
    return render_template(
        "admin/disputes.html",
        disputes=open_disputes,
        held={d.id: figures[d.order.escrow_id].held for d in open_disputes},
    )


@bp.post("/disputes/<int:dispute_id>/resolve")
@operator_page
def resolve(dispute_id: int):
    dispute = order_disputes.get_dispute(dispute_id)

    def action() -> None:
        refund = _amount("refund_amount", dispute.order.currency)
        order_disputes.resolve_dispute(
            current_user, dispute.id, refund, request.form.get("note", "")
        )

    return _run(action, _("Dispute resolved."), "admin_trade.disputes")
