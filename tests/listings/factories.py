"""Factories for offers and buy requests; they flush and never commit."""

from __future__ import annotations

import datetime as dt
import itertools

from listings import categories
from listings.models import BuyRequest, BuyRequestInvitation, Offer, OfferStatus, RequestStatus
from listings.services import apply_fields
from listings.validation import validate_offer, validate_request
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db

_seq = itertools.count(1)


def offer(company: Company, *, status: str = OfferStatus.PUBLISHED, **fields) -> Offer:
    """A valid offer of the company (published unless told), steel sheet by the tonne."""
    categories.ensure_loaded()
    n = next(_seq)
    data = {
        "title": f"Steel sheet S235 lot {n}",
        "description": "<p>Hot rolled sheet</p>",
        "category": "steel-sheet-plate",
        "unit": "t",
        "moq": 1,
        "currency": "EUR",
        "price_tiers": [{"min_quantity": 1, "unit_price": 90000}],
        "lead_time_days": 7,
    } | fields
    values = validate_offer(data, categories.slug_map())
    item = Offer(company_id=company.id, status=status)
    apply_fields(item, values)
    if status in (OfferStatus.PUBLISHED, OfferStatus.PAUSED):
        item.published_at = clock.now()
    db.session.add(item)
    db.session.flush()
    return item


def buy_request(company: Company, *, invited: list[Company] | None = None, **fields) -> BuyRequest:
    categories.ensure_loaded()
    n = next(_seq)
    data = {
        "title": f"20 t of S235 steel sheet #{n}",
        "description": "<p>Delivered to Poznań</p>",
        "category": "steel-sheet-plate",
        "quantity": 20,
        "unit": "t",
        "currency": "PLN",
        "needed_by": clock.today() + dt.timedelta(days=30),
        "delivery_country": "PL",
        "delivery_city": "Poznań",
        "visibility": "invited" if invited else "public",
        "invited_company_ids": [c.id for c in invited or []],
    } | fields
    values = validate_request(data, categories.slug_map(), own_company_id=company.id)
    item = BuyRequest(company_id=company.id, status=RequestStatus.OPEN)
    for key, value in values.items():
        if key == "category":
            item.category_id = value.id
        elif key != "invited_company_ids":
            setattr(item, key, value)
    item.invitations = [
        BuyRequestInvitation(company_id=cid) for cid in values["invited_company_ids"]
    ]
    db.session.add(item)
    db.session.flush()
    return item
