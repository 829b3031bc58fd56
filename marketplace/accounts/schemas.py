"""JSON shapes of people, tokens and the sign-up request."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from marketplace.companies.schemas import CompanyInputSchema, CompanySchema


class UserSchema(Schema):
    id = fields.Integer(dump_only=True)
    email = fields.String()
    full_name = fields.String()
    job_title = fields.String(allow_none=True)
    role = fields.String(allow_none=True)
    company_id = fields.Integer(allow_none=True)
    is_operator = fields.Boolean()
    email_confirmed = fields.Boolean()
    locale = fields.String()


class PersonInputSchema(Schema):
    email = fields.String(required=True, validate=validate.Length(max=254))
    password = fields.String(required=True, load_only=True, validate=validate.Length(max=200))
    full_name = fields.String(required=True, validate=validate.Length(max=200))


class SignupSchema(Schema):
    company = fields.Nested(CompanyInputSchema, required=True)
    user = fields.Nested(PersonInputSchema, required=True)


class SignupResultSchema(Schema):
    company = fields.Nested(CompanySchema)
    user = fields.Nested(UserSchema)
    token = fields.String()


class TokenRequestSchema(Schema):
    email = fields.String(required=True)
    password = fields.String(required=True, load_only=True)
    name = fields.String(load_default="API", validate=validate.Length(max=100))


class TokenSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    prefix = fields.String()
    created_at = fields.AwareDateTime()
    last_used_at = fields.AwareDateTime(allow_none=True)
    revoked_at = fields.AwareDateTime(allow_none=True)


class NewTokenSchema(TokenSchema):
    token = fields.String()
