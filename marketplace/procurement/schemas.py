"""JSON shapes of quotes, tenders, bids and requisitions; money is integer minor units plus currency."""

from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from marketplace.core.bounds import MINOR_UNITS, PERCENT, PRICE, QUANTITY, Id, Integer
from marketplace.procurement.tender_rules import (
    CUSTOM_WEIGHT,
    DECREMENT_BP,
    EXTENSION_MINUTES,
    LEAD_DAYS,
)


class QuoteTermsSchema(Schema):
    """A counter-offer: only the terms that change (the rest stays as in the latest revision)."""

    unit_price = Integer(PRICE, domain_rule=True)
    quantity = Integer(QUANTITY, domain_rule=True)
    currency = fields.String(validate=validate.Length(max=3))
    lead_time_days = Integer(LEAD_DAYS, domain_rule=True)
    valid_until = fields.Date()
    incoterm = fields.String(allow_none=True, validate=validate.Length(max=3))
    shipping_cost = Integer(MINOR_UNITS, domain_rule=True)
    payment_terms = fields.String(validate=validate.Length(max=200))
    note = fields.String(validate=validate.Length(max=5000))


class QuoteInputSchema(QuoteTermsSchema):
    unit_price = Integer(PRICE, required=True, domain_rule=True)
    lead_time_days = Integer(LEAD_DAYS, required=True, domain_rule=True)
    valid_until = fields.Date(required=True)


class CompanyRefSchema(Schema):
    id = fields.Integer()
    name = fields.String()


class RevisionSchema(Schema):
    number = fields.Integer()
    side = fields.String()
    author = fields.Function(lambda r: r.author.full_name if r.author else None)
    unit_price = fields.Integer()
    quantity = fields.Integer()
    currency = fields.String()
    lead_time_days = fields.Integer()
    valid_until = fields.Date()
    incoterm = fields.String(allow_none=True)
    shipping_cost = fields.Integer()
    payment_terms = fields.String()
    note = fields.String()
    landed_unit_price = fields.Function(lambda r: r.landed_unit_price.amount)
    total = fields.Function(lambda r: r.total.amount)
    created_at = fields.DateTime()


class QuoteAttachmentSchema(Schema):
    id = fields.Integer()
    revision_number = fields.Integer()
    filename = fields.String()
    content_type = fields.String()
    size = fields.Integer()


class QuoteSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    buy_request_id = fields.Integer()
    status = fields.String()
    buyer = fields.Nested(CompanyRefSchema)
    supplier = fields.Nested(CompanyRefSchema)
    order_id = fields.Integer(allow_none=True)
    thread_id = fields.Integer(allow_none=True)
    latest = fields.Nested(RevisionSchema)
    revisions = fields.List(fields.Nested(RevisionSchema))
    attachments = fields.List(fields.Nested(QuoteAttachmentSchema))


class QuoteListQuerySchema(Schema):
    sort = fields.String(load_default="landed", validate=validate.OneOf(["landed", "lead_time"]))


class CriterionSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(max=80))
    weight = Integer(CUSTOM_WEIGHT, required=True, domain_rule=True)


class TenderItemInputSchema(Schema):
    description = fields.String(validate=validate.Length(max=200))
    quantity = Integer(QUANTITY, domain_rule=True)
    unit = fields.String(validate=validate.Length(max=20))


class TenderInputSchema(Schema):
    """Types only; the rules (weights add up to 100, decrement, times, 1-50 items) live in the
    services. A sealed tender lists its items; without items, quantity and unit describe one
    item named as the tender (a reverse auction is always one item: quantity and unit)."""

    kind = fields.String(required=True, validate=validate.OneOf(["sealed", "reverse_auction"]))
    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default="", validate=validate.Length(max=20000))
    items = fields.List(fields.Nested(TenderItemInputSchema), validate=validate.Length(max=200))
    quantity = Integer(QUANTITY, domain_rule=True)
    unit = fields.String(validate=validate.Length(max=20))
    currency = fields.String(required=True, validate=validate.Length(max=3))
    required_documents = fields.List(fields.String(validate=validate.Length(max=120)))
    opens_at = fields.AwareDateTime(default_timezone=dt.UTC)
    closes_at = fields.AwareDateTime(required=True, default_timezone=dt.UTC)
    invited_only = fields.Boolean(load_default=True)
    invited_company_ids = fields.List(Id(), load_default=list, validate=validate.Length(max=200))
    weight_price = Integer(PERCENT, domain_rule=True)
    weight_lead_time = Integer(PERCENT, domain_rule=True)
    weight_rating = Integer(PERCENT, domain_rule=True)
    custom_criteria = fields.List(
        fields.Nested(CriterionSchema), load_default=list, validate=validate.Length(max=2)
    )
    starting_price = Integer(PRICE, domain_rule=True)
    decrement_amount = Integer(PRICE, allow_none=True, domain_rule=True)
    decrement_bp = Integer(DECREMENT_BP, allow_none=True, domain_rule=True)
    extension_minutes = Integer(EXTENSION_MINUTES, domain_rule=True)
    show_best_price = fields.Boolean(load_default=False)


class TenderItemSchema(Schema):
    id = fields.Integer()
    position = fields.Integer()
    description = fields.String()
    quantity = fields.Integer()
    unit = fields.String()


class TenderSchema(Schema):
    id = fields.Integer()
    number = fields.String()
    kind = fields.String()
    title = fields.String()
    description = fields.String()
    buyer = fields.Nested(CompanyRefSchema)
    items = fields.List(fields.Nested(TenderItemSchema))
    quantity = fields.Integer(allow_none=True)  # a one-item tender's (every auction's) item
    unit = fields.String(allow_none=True)
    currency = fields.String()
    required_documents = fields.List(fields.String())
    opens_at = fields.DateTime()
    closes_at = fields.DateTime()
    phase = fields.String()
    invited_only = fields.Boolean()
    weight_price = fields.Integer()
    weight_lead_time = fields.Integer()
    weight_rating = fields.Integer()
    custom_criteria = fields.List(fields.Dict())
    starting_price = fields.Integer(allow_none=True)
    decrement_amount = fields.Integer(allow_none=True)
    decrement_bp = fields.Integer(allow_none=True)
    extension_minutes = fields.Integer()
    show_best_price = fields.Boolean()
    awarded_bid_id = fields.Integer(allow_none=True)
    order_id = fields.Integer(allow_none=True)
    cancel_reason = fields.String()


class BidPriceInputSchema(Schema):
    item_id = Id()
    unit_price = Integer(PRICE, domain_rule=True)


class BidInputSchema(Schema):
    """A sealed bid prices every item in prices; a one-item tender or an auction takes unit_price."""

    prices = fields.List(fields.Nested(BidPriceInputSchema), validate=validate.Length(max=200))
    unit_price = Integer(PRICE, domain_rule=True)
    lead_time_days = Integer(LEAD_DAYS, domain_rule=True)
    note = fields.String(validate=validate.Length(max=5000))
    documents = fields.List(fields.String(validate=validate.Length(max=120)))

    @validates_schema
    def _priced(self, data: dict, **_kwargs) -> None:
        if data.get("prices") is None and data.get("unit_price") is None:
            raise ValidationError(
                _("Give a unit price, or prices with a unit price for every item."), "unit_price"
            )


def _bid_prices(bid) -> list[dict]:
    return [
        {"item_id": item.id, "position": item.position, "description": item.description,
         "quantity": item.quantity, "unit": item.unit, "unit_price": price,
         "total": price * item.quantity}
        for item, price in bid.price_rows
    ]  # fmt: skip


class BidSchema(Schema):
    id = fields.Integer()
    supplier = fields.Nested(CompanyRefSchema)
    # the one unit price of an auction bid or a one-item tender's bid; None with several items
    unit_price = fields.Function(lambda b: b.single_price, allow_none=True)
    prices = fields.Function(_bid_prices)
    currency = fields.Function(lambda b: b.tender.currency)
    total = fields.Function(lambda b: b.total.amount)
    lead_time_days = fields.Integer()
    note = fields.String()
    documents = fields.List(fields.String())
    custom_marks = fields.Dict()
    score = fields.Integer(allow_none=True)  # hundredths of a point
    breakdown = fields.Dict()
    rank = fields.Integer(allow_none=True)
    submitted_at = fields.DateTime()


class AwardSchema(Schema):
    bid_id = Id(required=True)


class CancelSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=3, max=2000))


class DecisionSchema(Schema):
    comment = fields.String(load_default="", validate=validate.Length(max=2000))


class RequisitionSchema(Schema):
    id = fields.Integer()
    kind = fields.String()
    object_id = fields.Integer()
    title = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    status = fields.String()
    requester = fields.Function(lambda r: {"id": r.requester_id, "name": r.requester.full_name})
    approver = fields.Function(
        lambda r: {"id": r.approver_id, "name": r.approver.full_name} if r.approver else None
    )
    comment = fields.String()
    order_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class RequisitionQuerySchema(Schema):
    status = fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))
