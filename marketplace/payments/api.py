"""JSON API of payments: the Stripe webhook, the ledger check, payouts and refused movements."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from marketplace.core.api import auth_required, csrf_exempt, doc, operator_required
from marketplace.core.uow import end_read, unit_of_work
from marketplace.payments import ledger, providers, services, settlement, webhooks
from marketplace.payments.schemas import InstructionSchema, LedgerCheckSchema

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
    company = current_user.company
    existing = services.stripe_account_to_open(current_user, company)
    if existing is not None:
        return jsonify({"stripe_account_id": existing.stripe_account_id}), 200
    company_id, country, email = company.id, company.country, company.email
    end_read()  # no transaction stays open while Stripe is asked
    account_id = providers.create_connected_account(company_id, country, email)
    with unit_of_work():
        record = services.record_stripe_account(current_user, current_user.company, account_id)
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
    summary="Payout instructions waiting for the operator's bank transfer",
    response=InstructionSchema(many=True),
    tags=["admin"],
)
def payouts():
    return jsonify(InstructionSchema(many=True).dump(services.pending_payouts()))


@bp.post("/admin/payouts/<int:payout_id>/executed")
@operator_required
@doc(summary="Mark a payout instruction as executed", response=InstructionSchema, tags=["admin"])
def payout_executed(payout_id: int):
    with unit_of_work():
        payout = services.execute_payout(current_user, payout_id)
    return jsonify(InstructionSchema().dump(payout))


@bp.get("/admin/payment-instructions/refused")
@operator_required
@doc(
    summary="Card movements the provider refused, or is still failing to answer",
    response=InstructionSchema(many=True),
    tags=["admin"],
)
def refused_instructions():
    return jsonify(InstructionSchema(many=True).dump(services.failed_instructions()))


@bp.post("/admin/payment-instructions/<int:instruction_id>/retry")
@operator_required
@doc(
    summary="Ask the provider again for a refused movement (a new attempt and idempotency key)",
    response=InstructionSchema,
    tags=["admin"],
)
def retry_instruction(instruction_id: int):
    with unit_of_work():
        instruction = settlement.retry_instruction(current_user, instruction_id)
    return jsonify(InstructionSchema().dump(instruction))
