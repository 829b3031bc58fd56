"""JSON API for company profiles: one's own company, public profiles and the directory."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.companies import schemas, services, verification
from marketplace.companies.models import Certificate
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.api import auth_required, doc, load_body, load_query, page_args, page_response
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.uow import unit_of_work

bp = Blueprint("companies_api", __name__, url_prefix="/api/v1")


def _own_company():
    require(current_user, Permission.READ)
    return current_user.company


@bp.get("/companies/me")
@auth_required
@doc(
    summary="Your company's profile with its verification status",
    response=schemas.OwnCompanySchema,
    tags=["companies"],
)
def get_me():
    return jsonify(schemas.OwnCompanySchema().dump(_own_company()))


@bp.patch("/companies/me")
@auth_required
@doc(
    summary="Change your company's profile (owner and admin)",
    body=schemas.CompanyInputSchema,
    response=schemas.OwnCompanySchema,
    tags=["companies"],
)
def patch_me():
    company = _own_company()
    with unit_of_work():
        data = load_body(schemas.CompanyInputSchema(), partial=True)
        services.update_profile(current_user, company, data)
    return jsonify(schemas.OwnCompanySchema().dump(company))


@bp.post("/companies/me/logo")
@auth_required
@doc(
    summary="Upload the logo (multipart field 'logo')",
    response=schemas.OwnCompanySchema,
    tags=["companies"],
)
def post_logo():
    company = _own_company()
    require(current_user, Permission.EDIT_PROFILE)
    file = request.files.get("logo")
    if file is None or not file.filename:
        raise ValidationError({"logo": [_("Send the image as multipart field 'logo'.")]})
    with unit_of_work():
        services.set_logo(
            current_user, company, file.stream, file.filename, current_app.config["MAX_IMAGE_BYTES"]
        )
    return jsonify(schemas.OwnCompanySchema().dump(company))


@bp.post("/companies/me/certificates")
@auth_required
@doc(
    summary="Add a certificate (JSON, or multipart with a 'document' file)",
    body=schemas.CertificateSchema,
    response=schemas.CertificateSchema,
    status=201,
    tags=["companies"],
)
def post_certificate():
    company = _own_company()
    if request.mimetype == "multipart/form-data":
        data = request.form.to_dict()
        file = request.files.get("document")
        document = (file.stream, file.filename) if file and file.filename else None
    else:
        data = load_body(schemas.CertificateSchema())
        document = None
    with unit_of_work():
        certificate = services.add_certificate(
            current_user, company, data, document, current_app.config["MAX_DOCUMENT_BYTES"]
        )
    return jsonify(schemas.CertificateSchema().dump(certificate)), 201


@bp.delete("/companies/me/certificates/<int:certificate_id>")
@auth_required
@doc(summary="Remove a certificate", status=204, tags=["companies"])
def delete_certificate(certificate_id: int):
    company = _own_company()
    certificate = get_owned(Certificate, certificate_id, company.id)
    with unit_of_work():
        services.remove_certificate(current_user, company, certificate)
    return "", 204


@bp.post("/companies/me/verification")
@auth_required
@doc(
    summary="Ask the operator to verify your company",
    body=schemas.VerificationRequestSchema,
    response=schemas.OwnCompanySchema,
    status=201,
    tags=["companies"],
)
def post_verification():
    company = _own_company()
    with unit_of_work():
        data = load_body(schemas.VerificationRequestSchema())
        verification.request_verification(current_user, company, data["message"])
    return jsonify(schemas.OwnCompanySchema().dump(company)), 201


@bp.get("/companies/<int:company_id>")
@doc(summary="A company's public profile", response=schemas.CompanySchema, tags=["companies"])
def get_company(company_id: int):
    company = services.public_company(company_id)
    if company is None:
        raise NotFound()
    return jsonify(schemas.CompanySchema().dump(company))


@bp.get("/companies")
@doc(
    summary="The company directory",
    query=schemas.DirectoryQuerySchema,
    response=schemas.CompanySchema,
    paginated=True,
    tags=["companies"],
)
def list_companies():
    filters = load_query(schemas.DirectoryQuerySchema())
    cursor, limit = page_args()
    page = services.directory(cursor=cursor, limit=limit, **filters)
    return page_response(page, schemas.CompanySchema())
