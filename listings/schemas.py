"""JSON shapes of offers, buy requests and categories; money is integer minor units plus currency."""

from __future__ import annotations

from flask import url_for
from flask_babel import get_locale
from marshmallow import Schema, fields, validate

from listings.reference import MAX_INVITED
from marketplace.core.bounds import COUNT, DAYS, PRICE, QUANTITY, Id, Integer


class TierSchema(Schema):
    min_quantity = Integer(QUANTITY, required=True, domain_rule=True)
    unit_price = Integer(PRICE, required=True, domain_rule=True)


class OfferInputSchema(Schema):
    """Types only; the trade rules (tiers vs MOQ, dates, category) live in listings.validation."""

    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default="")  # length: listings.validation
    category = fields.String(required=True, validate=validate.Length(max=80))
    unit = fields.String(required=True, validate=validate.Length(max=20))
    currency = fields.String(required=True)
    moq = Integer(QUANTITY, required=True, domain_rule=True)
    price_tiers = fields.List(fields.Nested(TierSchema), load_default=list)
    price_on_request = fields.Boolean(load_default=False)
    lead_time_days = Integer(DAYS, allow_none=True, domain_rule=True)
    available_quantity = Integer(COUNT, allow_none=True, domain_rule=True)
    incoterm = fields.String(allow_none=True, validate=validate.Length(max=3))
    incoterm_place = fields.String(allow_none=True, validate=validate.Length(max=120))
    origin_country = fields.String(allow_none=True, validate=validate.Length(max=2))
    valid_until = fields.Date(allow_none=True)
    sku = fields.String(allow_none=True, validate=validate.Length(max=64))
    language = fields.String(validate=validate.OneOf(["en", "pl"]))
    attributes = fields.Dict(keys=fields.String(), allow_none=True)


class DumpTierSchema(Schema):
    min_quantity = fields.Integer()
    unit_price = fields.Integer()
    currency = fields.Function(lambda tier: tier.offer.currency)


class OfferSchema(Schema):
    id = fields.Integer()
    company_id = fields.Integer()
    company_name = fields.Function(lambda offer: offer.company.name)
    category = fields.Function(lambda offer: offer.category.slug)
    industry = fields.Function(lambda offer: offer.category.industry)
    sku = fields.String(allow_none=True)
    title = fields.String()
    description = fields.String()
    language = fields.String()
    attributes = fields.Dict()
    unit = fields.String()
    moq = fields.Integer()
    currency = fields.String()
    price_tiers = fields.List(fields.Nested(DumpTierSchema))
    price_on_request = fields.Boolean()
    available_quantity = fields.Integer(allow_none=True)
    lead_time_days = fields.Integer(allow_none=True)
    incoterm = fields.String(allow_none=True)
    incoterm_place = fields.String(allow_none=True)
    origin_country = fields.String(allow_none=True)
    valid_until = fields.Date(allow_none=True)
    status = fields.String()
    images = fields.Method("_images")
    url = fields.Method("_url")
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)

    def _images(self, offer) -> list[str]:
        return [
            url_for("listings.offer_image", offer_id=offer.id, image_id=i.id, _external=True)
            for i in offer.images
        ]

    def _url(self, offer) -> str:
        return url_for("listings.offer_detail", offer_id=offer.id, _external=True)


class OfferQuerySchema(Schema):
    category = fields.String(validate=validate.Length(max=80))
    company_id = Id(strict=False)
    q = fields.String(validate=validate.Length(max=100))
    mine = fields.Boolean()
    status = fields.String(validate=validate.OneOf(["draft", "published", "paused", "archived"]))


class BuyRequestInputSchema(Schema):
    title = fields.String(required=True, validate=validate.Length(max=200))
    description = fields.String(load_default="")  # length: listings.validation
    category = fields.String(required=True, validate=validate.Length(max=80))
    quantity = Integer(QUANTITY, required=True, domain_rule=True)
    unit = fields.String(required=True, validate=validate.Length(max=20))
    target_unit_price = Integer(PRICE, allow_none=True, domain_rule=True)
    currency = fields.String(load_default="EUR")
    needed_by = fields.Date(required=True)
    delivery_country = fields.String(required=True, validate=validate.Length(max=2))
    delivery_city = fields.String(allow_none=True, validate=validate.Length(max=120))
    delivery_latitude = fields.Float(allow_none=True, allow_nan=False)
    delivery_longitude = fields.Float(allow_none=True, allow_nan=False)
    visibility = fields.String(
        load_default="public", validate=validate.OneOf(["public", "invited"])
    )
    invited_company_ids = fields.List(
        Id(), load_default=list, validate=validate.Length(max=MAX_INVITED)
    )
    language = fields.String(validate=validate.OneOf(["en", "pl"]))


class BuyRequestSchema(Schema):
    id = fields.Integer()
    company_id = fields.Integer()
    company_name = fields.Function(lambda r: r.company.name)
    category = fields.Function(lambda r: r.category.slug)
    title = fields.String()
    description = fields.String()
    language = fields.String()
    quantity = fields.Integer()
    unit = fields.String()
    target_unit_price = fields.Integer(allow_none=True)
    currency = fields.String()
    needed_by = fields.Date()
    delivery_country = fields.String()
    delivery_city = fields.String(allow_none=True)
    delivery_latitude = fields.Float(allow_none=True)
    delivery_longitude = fields.Float(allow_none=True)
    visibility = fields.String()
    invited_company_ids = fields.Method("_invited")
    status = fields.String(attribute="effective_status")
    url = fields.Method("_url")
    created_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)

    def __init__(self, *args, viewer_company_id: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.viewer_company_id = viewer_company_id

    def _invited(self, request) -> list[int]:
        # Only the buyer sees whom they invited; invited suppliers see an empty list.
        if self.viewer_company_id == request.company_id:
            return request.invited_company_ids
        return []

    def _url(self, request) -> str:
        return url_for("buy_requests.request_detail", request_id=request.id, _external=True)


class RequestQuerySchema(Schema):
    category = fields.String(validate=validate.Length(max=80))
    mine = fields.Boolean()
    status = fields.String(validate=validate.OneOf(["open", "closed", "cancelled"]))


class CategorySchema(Schema):
    slug = fields.String()
    parent = fields.Function(lambda c: c.parent.slug if c.parent else None)
    name = fields.Function(lambda c: c.name(str(get_locale() or "en")))
    name_en = fields.String()
    name_pl = fields.String()
    attributes = fields.List(fields.Dict())
