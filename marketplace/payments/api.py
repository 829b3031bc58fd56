"""JSON API of payments: the Stripe webhook, the ledger check and payout execution."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from marketplace.core.api import auth_required, csrf_exempt, doc, operator_required
from marketplace.core.uow import unit_of_work
from marketplace.payments import ledger, services, webhooks
from marketplace.payments.schemas import LedgerCheckSchema, PayoutSchema

bp = Blueprint("payments_api", __name__, url_prefix="/api/v1")


@bp.post("/payments/stripe/webhook")
@csrf_exempt
@doc(summary="Stripe webhook (signed with the endpoint secret)", tags=["payments"])
def stripe_webhook():
    with unit_of_work():
        event = webhooks.verify(request.get_data(), request.headers.get("Stripe-Signature"))
        outcome = webhooks.handle(event)
    return jsonify({"received": True, "outcome": outcome})


@bp.post("/payments/stripe/account")
@auth_required
@doc(
    summary="Open your company's Stripe connected account for payouts (owner/admin)",
    tags=["payments"],
)
def stripe_account():
    with unit_of_work():
        record = services.connect_stripe_account(current_user, current_user.company)
    return jsonify({"stripe_account_id": record.stripe_account_id}), 201


@bp.get("/admin/ledger/check")
@operator_required
@doc(
    summary="Recompute the escrow ledger from the journal and list broken invariants",
    response=LedgerCheckSchema,
    tags=["admin"],
)
def ledger_check():
    problems = ledger.check()
    return jsonify({"balanced": not problems, "problems": problems})


@bp.get("/admin/payouts")
@operator_required
@doc(
    summary="Payout instructions waiting to be executed",
    response=PayoutSchema(many=True),
    tags=["admin"],
)
def payouts():
    return jsonify(PayoutSchema(many=True).dump(services.pending_payouts()))


@bp.post("/admin/payouts/<int:payout_id>/executed")
@operator_required
@doc(summary="Mark a payout instruction as executed", response=PayoutSchema, tags=["admin"])
def payout_executed(payout_id: int):
    with unit_of_work():
        payout = services.execute_payout(current_user, payout_id)
    return jsonify(PayoutSchema().dump(payout))
