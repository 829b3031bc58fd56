"""Marshmallow schemas of the orders API."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import validate

from marketplace.core.bounds import MINOR_UNITS, PRICE, QUANTITY, RATING, Id, Integer


class LineInputSchema(ma.Schema):
    offer_id = Id(required=True)
    quantity = Integer(QUANTITY, required=True)


class DeliverySchema(ma.Schema):
    name = ma.fields.String(load_default="", validate=validate.Length(max=200))
    street = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))
    city = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    postal_code = ma.fields.String(required=True, validate=validate.Length(min=1, max=20))
    country = ma.fields.String(required=True, validate=validate.Length(equal=2))


class OrderInputSchema(ma.Schema):
    lines = ma.fields.List(
        ma.fields.Nested(LineInputSchema), required=True, validate=validate.Length(min=1, max=50)
    )
    delivery = ma.fields.Nested(DeliverySchema, required=True)
    requested_date = ma.fields.Date(load_default=None, allow_none=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class MoneyValueSchema(ma.Schema):
    """An amount as the API shows it: minor units and currency (named apart from messaging's
    input MoneySchema, so the OpenAPI document keeps one schema per name)."""

    amount = ma.fields.Integer()
    currency = ma.fields.String()


class LineSchema(ma.Schema):
    offer_id = ma.fields.Integer(allow_none=True)
    title = ma.fields.String()
    unit = ma.fields.String()
    quantity = ma.fields.Integer()
    unit_price = ma.fields.Method("_unit_price")
    vat_rate = ma.fields.Method("_vat_rate")
    net = ma.fields.Method("_net")
    vat = ma.fields.Method("_vat")

    def _unit_price(self, line) -> dict:
        return {"amount": line.unit_price, "currency": line.order.currency}

    def _vat_rate(self, line) -> str:
        return f"{line.vat_rate_bp / 100:g}%"

    def _net(self, line) -> dict:
        return {"amount": line.net_amount, "currency": line.order.currency}

    def _vat(self, line) -> dict:
        return {"amount": line.vat_amount, "currency": line.order.currency}


class EventSchema(ma.Schema):
    status = ma.fields.String()
    side = ma.fields.String(allow_none=True)
    note = ma.fields.String()
    at = ma.fields.AwareDateTime()


class DisputeResolutionSchema(ma.Schema):
    """What the operator's decision did: refund + release is what escrow held."""

    outcome = ma.fields.String(
        metadata={"enum": ["refund", "release", "split"], "description": "refund: all back to "
                  "the buyer; release: all to the seller; split: part each"}
    )  # fmt: skip
    refund = ma.fields.Nested(MoneyValueSchema, metadata={"description": "Back to the buyer"})
    release = ma.fields.Nested(
        MoneyValueSchema, metadata={"description": "To the seller, before the platform fee"}
    )
    note = ma.fields.String()
    resolved_at = ma.fields.AwareDateTime()


class OrderDisputeSchema(ma.Schema):
    """The order's dispute; its id is what POST /api/v1/admin/disputes/{id}/resolve takes."""

    id = ma.fields.Integer()
    status = ma.fields.String(metadata={"enum": ["open", "resolved"]})
    reason = ma.fields.String()
    opened_at = ma.fields.AwareDateTime()
    resolution = ma.fields.Nested(DisputeResolutionSchema, allow_none=True)


class PartySchema(ma.Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class DisputedOrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    total = ma.fields.Nested(MoneyValueSchema)


class DisputeQueueItemSchema(OrderDisputeSchema):
    """One dispute in the operator's queue, with the order and its parties."""

    order = ma.fields.Nested(DisputedOrderSchema)
    buyer = ma.fields.Nested(PartySchema)
    seller = ma.fields.Nested(PartySchema)
    held = ma.fields.Nested(MoneyValueSchema, metadata={"description": "What escrow holds now"})


class DisputeQueueQuerySchema(ma.Schema):
    status = ma.fields.String(load_default="open", validate=validate.OneOf(["open", "resolved"]))


class OrderSchema(ma.Schema):
    id = ma.fields.Integer()
    number = ma.fields.String()
    status = ma.fields.String()
    buyer_company_id = ma.fields.Integer()
    seller_company_id = ma.fields.Integer()
    total = ma.fields.Method("_total")
    net_total = ma.fields.Method("_net")
    vat_total = ma.fields.Method("_vat")
    reverse_charge = ma.fields.Boolean()
    lines = ma.fields.List(ma.fields.Nested(LineSchema))
    delivery = ma.fields.Dict()
    requested_date = ma.fields.Date(allow_none=True)
    incoterm = ma.fields.String(allow_none=True)
    incoterm_place = ma.fields.String(allow_none=True)
    carrier = ma.fields.String(allow_none=True)
    tracking_number = ma.fields.String(allow_none=True)
    cancel_requested_by = ma.fields.String(allow_none=True)
    thread_id = ma.fields.Integer(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    documents = ma.fields.Method("_documents")
    # Filled in by the API from the order's disputes and escrow journal (orders.api.order_json).
    dispute = ma.fields.Nested(OrderDisputeSchema, allow_none=True, dump_only=True)

    def _total(self, order) -> dict:
        return order.total_money.to_json()

    def _net(self, order) -> dict:
        return order.net_money.to_json()

    def _vat(self, order) -> dict:
        return order.vat_money.to_json()

    def _documents(self, order) -> list[str]:
        return [d.kind for d in order.documents]


class OrderListQuerySchema(ma.Schema):
    # none: every order the company may read, purchases and sales alike
    role = ma.fields.String(load_default=None, validate=validate.OneOf(["buyer", "seller"]))
    status = ma.fields.String(load_default=None)
    q = ma.fields.String(load_default="")


class ReasonSchema(ma.Schema):
    reason = ma.fields.String(load_default="", validate=validate.Length(max=4000))


class ShipSchema(ma.Schema):
    carrier = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))
    tracking_number = ma.fields.String(required=True, validate=validate.Length(min=1, max=120))


class DisputeSchema(ma.Schema):
    reason = ma.fields.String(required=True, validate=validate.Length(min=1, max=4000))


class PaymentChoiceSchema(ma.Schema):
    provider = ma.fields.String(required=True, validate=validate.OneOf(["bank_transfer", "stripe"]))


class AmountSchema(ma.Schema):
    amount = Integer(PRICE, required=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=200))


class ResolveSchema(ma.Schema):
    refund_amount = Integer(MINOR_UNITS, required=True)
    note = ma.fields.String(load_default="", validate=validate.Length(max=4000))


class ReviewInputSchema(ma.Schema):
    quality = Integer(RATING, required=True)
    on_time = Integer(RATING, required=True)
    communication = Integer(RATING, required=True)
    comment = ma.fields.String(load_default="", validate=validate.Length(max=2000))


class ReplySchema(ma.Schema):
    reply = ma.fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ReviewSchema(ma.Schema):
    id = ma.fields.Integer()
    order_id = ma.fields.Integer()
    quality = ma.fields.Integer()
    on_time = ma.fields.Integer()
    communication = ma.fields.Integer()
    comment = ma.fields.String()
    reply = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
