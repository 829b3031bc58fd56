"""Demo procurement: a second demo seller, a running reverse auction, a sealed tender and a quote
being bargained over, so every procurement page has something to show after `flask seed-demo`."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from listings.models import BuyRequest, RequestStatus, Visibility
from marketplace.accounts import services as accounts
from marketplace.core import clock, security
from marketplace.core.access import Role
from marketplace.core.extensions import db
from marketplace.procurement import announce, auctions, quotes, tenders
from messaging import services as messaging
from messaging.models import Thread

SECOND_SELLER = "seller2@demo.example"


def build(market: Any, password: str) -> dict[str, int]:
    """Called by `flask seed-demo` after companies and listings exist; flushes, never commits."""
    with announce.quietly():
        return _build(market, password)


def _build(market: Any, password: str) -> dict[str, int]:
    buyer, seller = market.buyer, market.seller
    other = market.companies[2]
    seller2 = accounts.add_member(
        other, email=SECOND_SELLER, full_name="Stefan Second-Seller",
        password_hash=security.hash_password(password), role=Role.SELLER, locale="en",
    )  # fmt: skip
    suppliers = [seller.company_id, other.id, market.companies[3].id]
    now = clock.now()
    auction = tenders.create_tender(
        buyer,
        {
            "kind": "reverse_auction", "title": "Stretch film 23 µm, 40 pallets",
            "description": "Machine stretch film, 500 mm, delivered to Poznań.",
            "quantity": 40, "unit": "pallet", "currency": "EUR",
            "closes_at": now + dt.timedelta(days=2), "invited_company_ids": suppliers,
            "starting_price": 60000, "decrement_amount": 500, "extension_minutes": 2,
        },
    )  # fmt: skip
    auctions.place_bid(seller, auction, 58000)
    auctions.place_bid(seller2, auction, 57000)
    sealed = tenders.create_tender(
        buyer,
        {
            "kind": "sealed", "title": "Annual supply of corrugated boxes",
            "items": [
                {"description": "Box 600×400×400 mm, 5-ply", "quantity": 12000, "unit": "pcs"},
                {"description": "Box 400×300×300 mm, 3-ply", "quantity": 8000, "unit": "pcs"},
                {"description": "Pallet corner board 1200 mm", "quantity": 2000, "unit": "pcs"},
            ],
            "currency": "PLN",
            "closes_at": now + dt.timedelta(days=5), "invited_company_ids": suppliers,
            "required_documents": ["ISO 9001 certificate"],
            "weight_price": 60, "weight_lead_time": 20, "weight_rating": 10,
            "custom_criteria": [{"name": "Print quality", "weight": 10}],
        },
    )  # fmt: skip
    tenders.submit_sealed_bid(
        seller, sealed,
        {"prices": [{"item_id": item.id, "unit_price": price}
                    for item, price in zip(sealed.items, (385, 185, 95), strict=True)],
         "lead_time_days": 10, "documents": ["ISO 9001 certificate"]},
    )  # fmt: skip
    request = db.session.execute(
        sa.select(BuyRequest)
        .where(
            BuyRequest.company_id == buyer.company_id,
            BuyRequest.status == RequestStatus.OPEN,
            BuyRequest.visibility == Visibility.PUBLIC,  # the demo seller must be able to see it
        )
        .order_by(BuyRequest.id)
        .limit(1)
    ).scalar_one_or_none()
    quoted, quote_threads = 0, []
    if request is not None and request.is_open:
        quote = quotes.send_quote(
            seller, request.id,
            {"unit_price": max((request.target_unit_price or 10000) * 11 // 10, 1),
             "lead_time_days": 14, "valid_until": clock.today() + dt.timedelta(days=14),
             "incoterm": "DAP", "payment_terms": "30 days net"},
        )  # fmt: skip
        quotes.counter(buyer, quote, {"unit_price": quote.latest.unit_price * 95 // 100})
        quoted, quote_threads = 1, [quote.thread_id]
    db.session.flush()
    _seen_by([buyer, seller, seller2], [auction.id, sealed.id], quote_threads)
    return {"tenders": 2, "quotes": quoted}


def _seen_by(people: list[Any], tender_ids: list[int], thread_ids: list[int]) -> None:
    """The demo people have read the demo's procurement threads, so their inboxes start calm."""
    threads = db.session.execute(
        sa.select(Thread).where(
            sa.or_(
                sa.and_(Thread.context_type == "tender", Thread.context_id.in_(tender_ids)),
                Thread.id.in_(thread_ids),
            )
        )
    ).scalars()
    for thread in threads:
        for person in people:
            if person.company_id in thread.company_ids and thread.last_message_id:
                messaging.mark_read(person, thread)
