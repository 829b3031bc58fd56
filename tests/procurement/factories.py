"""Factories for quotes and tenders; they go through the services, flush and never commit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from marketplace.core import clock
from marketplace.procurement import quotes, tenders
from marketplace.procurement.models import Quote, Tender


def quote(supplier_person: Any, buy_request: Any, **terms: Any) -> Quote:
    data = {
        "unit_price": 350000,
        "lead_time_days": 14,
        "valid_until": clock.today() + dt.timedelta(days=10),
        "incoterm": "DAP",
        "payment_terms": "30 days net",
    } | terms
    return quotes.send_quote(supplier_person, buy_request.id, data)


def sealed_tender(buyer_person: Any, invited: list[Any], **fields: Any) -> Tender:
    data = {
        "kind": "sealed",
        "title": "Pallet racking for the Poznań warehouse",
        "quantity": 100,
        "unit": "pcs",
        "currency": "EUR",
        "closes_at": clock.now() + dt.timedelta(days=3),
        "invited_company_ids": [c.id for c in invited],
        "weight_price": 60,
        "weight_lead_time": 20,
        "weight_rating": 0,
        "custom_criteria": [{"name": "Quality", "weight": 20}],
    } | fields
    return tenders.create_tender(buyer_person, data)


def auction(buyer_person: Any, invited: list[Any], **fields: Any) -> Tender:
    data = {
        "kind": "reverse_auction",
        "title": "Copper cable 3x2.5, 10 km",
        "quantity": 10,
        "unit": "km",
        "currency": "EUR",
        "closes_at": clock.now() + dt.timedelta(hours=1),
        "invited_company_ids": [c.id for c in invited],
        "starting_price": 100000,
        "decrement_amount": 1000,
    } | fields
    return tenders.create_tender(buyer_person, data)
