"""JSON shapes of company profiles and certificates."""

from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields, validate

from marketplace.companies import services, verification
from marketplace.companies.reference import CERTIFICATE_KINDS, INDUSTRIES
from marketplace.core.bounds import YEAR, Integer


class CompanyInputSchema(Schema):
    """Profile fields a company may set; rules beyond types live in companies.services."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    country = fields.String(required=True, validate=validate.Length(equal=2))
    legal_name = fields.String(allow_none=True, validate=validate.Length(max=300))
    vat_id = fields.String(allow_none=True, validate=validate.Length(max=30))
    nip = fields.String(allow_none=True, validate=validate.Length(max=20))
    krs = fields.String(allow_none=True, validate=validate.Length(max=20))
    regon = fields.String(allow_none=True, validate=validate.Length(max=20))
    description = fields.String(
        allow_none=True, validate=validate.Length(max=services.DESCRIPTION_MAX)
    )
    capabilities = fields.List(
        fields.String(validate=validate.Length(max=services.CAPABILITY_MAX)),
        allow_none=True,
        validate=validate.Length(max=services.MAX_CAPABILITIES),
    )
    languages = fields.List(fields.String(), allow_none=True)
    industries = fields.List(
        fields.String(), allow_none=True, validate=validate.Length(max=services.MAX_INDUSTRIES)
    )
    size = fields.String(allow_none=True)
    year_founded = Integer(YEAR, allow_none=True, domain_rule=True)
    website = fields.String(allow_none=True, validate=validate.Length(max=300))
    email = fields.String(allow_none=True, validate=validate.Length(max=254))
    phone = fields.String(allow_none=True, validate=validate.Length(max=40))
    city = fields.String(allow_none=True, validate=validate.Length(max=120))
    postal_code = fields.String(allow_none=True, validate=validate.Length(max=20))
    street = fields.String(allow_none=True, validate=validate.Length(max=200))
    latitude = fields.Float(allow_none=True, allow_nan=False)
    longitude = fields.Float(allow_none=True, allow_nan=False)


class CertificateSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(required=True, validate=validate.OneOf(list(CERTIFICATE_KINDS)))
    name = fields.String(validate=validate.Length(max=200))
    issuer = fields.String(required=True, validate=validate.Length(max=200))
    number = fields.String(required=True, validate=validate.Length(max=100))
    valid_until = fields.Date(allow_none=True)
    is_valid = fields.Boolean(dump_only=True)
    document_url = fields.Method("_document_url", dump_only=True)

    def _document_url(self, certificate) -> str | None:
        if not certificate.document_key:
            return None
        return url_for(
            "companies.certificate_document",
            company_id=certificate.company_id,
            certificate_id=certificate.id,
            _external=True,
        )


class CompanySchema(Schema):
    id = fields.Integer()
    slug = fields.String()
    name = fields.String()
    legal_name = fields.String(allow_none=True)
    vat_id = fields.String(allow_none=True)
    nip = fields.String(allow_none=True)
    krs = fields.String(allow_none=True)
    regon = fields.String(allow_none=True)
    description = fields.String()
    capabilities = fields.List(fields.String())
    languages = fields.List(fields.String())
    industries = fields.List(fields.String())
    size = fields.String(allow_none=True)
    year_founded = fields.Integer(allow_none=True)
    website = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    country = fields.String()
    city = fields.String(allow_none=True)
    postal_code = fields.String(allow_none=True)
    street = fields.String(allow_none=True)
    latitude = fields.Float(allow_none=True)
    longitude = fields.Float(allow_none=True)
    verified = fields.Boolean(attribute="is_verified")
    verified_at = fields.AwareDateTime(allow_none=True)
    logo_url = fields.Method("_logo_url")
    profile_url = fields.Method("_profile_url")
    certificates = fields.List(fields.Nested(CertificateSchema))
    created_at = fields.AwareDateTime()

    def _logo_url(self, company) -> str | None:
        if not company.logo_key:
            return None
        return url_for("companies.logo", company_id=company.id, _external=True)

    def _profile_url(self, company) -> str:
        return url_for("companies.profile", slug=company.slug, _external=True)


class VerificationSchema(Schema):
    status = fields.String()
    requested_at = fields.AwareDateTime(allow_none=True)
    decision = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)


class OwnCompanySchema(CompanySchema):
    """What the company's own people see: the public profile plus the verification outcome."""

    verification = fields.Method("_verification")

    def _verification(self, company) -> dict:
        latest = company.latest_verification
        return VerificationSchema().dump(
            {
                "status": company.verification_status,
                "requested_at": latest.requested_at if latest else None,
                "decision": latest.decision if latest else None,
                "reason": verification.notice(latest) if latest else None,
                "decided_at": latest.decided_at if latest else None,
            }
        )


class DirectoryQuerySchema(Schema):
    industry = fields.String(validate=validate.OneOf(list(INDUSTRIES)))
    country = fields.String(validate=validate.Length(equal=2))
    verified = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100))


class VerificationRequestSchema(Schema):
    message = fields.String(load_default="", validate=validate.Length(max=2000))
