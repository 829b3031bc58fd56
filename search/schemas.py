"""Query parameters of the search API, described for the OpenAPI document (parsed in service)."""

from __future__ import annotations

import marshmallow as ma

from marketplace.core.bounds import Integer
from search.query import LEAD_TIME_MAX, LIMIT, MOQ_MAX


class CompanySearchArgs(ma.Schema):
    class Meta:
        blank_is_absent = True  # search.service reads an empty parameter as none

    q = ma.fields.String(metadata={"description": 'Words, "phrases" and prefix* of what you need'})
    industry = ma.fields.String(metadata={"description": "Industry slugs, comma separated"})
    country = ma.fields.String(metadata={"description": "ISO country codes, comma separated"})
    verified = ma.fields.Boolean()
    certificate = ma.fields.String(metadata={"description": "Certificate kinds, comma separated"})
    near = ma.fields.String(metadata={"description": "'lat,lon' or a city name"})
    radius_km = ma.fields.Float(metadata={"description": "Needs near"})
    sort = ma.fields.String(metadata={"description": "relevance, newest, distance"})
    limit = Integer(LIMIT, strict=False, metadata={"description": "Default 20"})
    cursor = ma.fields.String(metadata={"description": "next_cursor of the previous page"})


class OfferSearchArgs(CompanySearchArgs):
    category = ma.fields.String(
        metadata={"description": "Category slugs (parents include children)"}
    )
    price_min = ma.fields.Decimal(as_string=True)
    price_max = ma.fields.Decimal(as_string=True)
    currency = ma.fields.String(metadata={"description": "Currency of price_min/max, default EUR"})
    moq_max = Integer(MOQ_MAX, strict=False)
    lead_time_max = Integer(LEAD_TIME_MAX, strict=False, metadata={"description": "Days"})


class SuggestArgs(ma.Schema):
    class Meta:
        blank_is_absent = True

    q = ma.fields.String(metadata={"description": "What was typed so far (none: no suggestions)"})
