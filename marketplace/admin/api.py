"""Operator API: verification decisions."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from marketplace.admin.schemas import VerifyDecisionSchema
from marketplace.companies import verification
from marketplace.companies.models import Company
from marketplace.companies.schemas import OwnCompanySchema
from marketplace.core.access import get_or_404
from marketplace.core.api import doc, load_body, operator_required
from marketplace.core.uow import unit_of_work

bp = Blueprint("admin_api", __name__, url_prefix="/api/v1/admin")


@bp.get("/verifications")
@operator_required
@doc(
    summary="Companies waiting for verification",
    response=OwnCompanySchema(many=True),
    tags=["admin"],
)
def verification_queue():
    return jsonify(OwnCompanySchema(many=True).dump(verification.verification_queue()))


@bp.post("/companies/<int:company_id>/verify")
@operator_required
@doc(
    summary="Approve or reject a company's verification",
    body=VerifyDecisionSchema,
    response=OwnCompanySchema,
    tags=["admin"],
)
def verify(company_id: int):
    data = load_body(VerifyDecisionSchema())
    company = get_or_404(Company, company_id)
    with unit_of_work():
        verification.decide_verification(
            current_user, company, approved=data["approved"], reason=data["reason"]
        )
    return jsonify(OwnCompanySchema().dump(company))
