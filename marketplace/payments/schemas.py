"""Marshmallow schemas of the payments API."""

from __future__ import annotations

import marshmallow as ma


class MoneySchema(ma.Schema):
    amount = ma.fields.Integer()
    currency = ma.fields.String()


class LedgerCheckSchema(ma.Schema):
    balanced = ma.fields.Boolean()
    problems = ma.fields.List(ma.fields.String())


class InstructionSchema(ma.Schema):
    """A payment instruction: a wire for the operator, or a movement the provider executes."""

    id = ma.fields.Integer()
    escrow_id = ma.fields.Integer()
    kind = ma.fields.String()
    company_id = ma.fields.Integer()
    amount = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String()
    after_id = ma.fields.Integer(allow_none=True)
    attempt = ma.fields.Integer()
    last_error = ma.fields.String()
    external_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    executed_at = ma.fields.AwareDateTime(allow_none=True)
