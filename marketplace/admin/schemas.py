"""JSON shapes of the operator's requests."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class VerifyDecisionSchema(Schema):
    approved = fields.Boolean(required=True)
    reason = fields.String(load_default="", validate=validate.Length(max=2000))
