"""Demo trades: a few orders between two demo companies, so pages and scorecards have data."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import Offer, OfferStatus
from marketplace.accounts.models import User
from marketplace.core.extensions import db
from marketplace.orders import notify, placing, ratings, services

RATINGS = ({"quality": 5, "on_time": 4, "communication": 5, "comment": "Good parts, on time."},
           {"quality": 4, "on_time": 5, "communication": 4, "comment": "Solid supplier."})  # fmt: skip


def build(companies, operator) -> int:
    """Two completed and rated orders and one shipped order between two demo companies other
    than the demo buyer's and seller's (their inboxes stay as the journeys expect); quietly,
    without notification e-mails. Returns how many orders were made."""
    pair = _pair(companies)
    if pair is None:
        return 0
    with notify.quiet():
        return _trade(*pair, operator)


def _pair(companies):
    """A buyer person and a seller person of two companies with members, not the demo pair."""
    people = []
    for company in companies[2:]:
        member = db.session.execute(
            sa.select(User).where(User.company_id == company.id).order_by(User.id).limit(1)
        ).scalar_one_or_none()
        if member is not None and member.role in ("owner", "admin"):
            people.append(member)
        if len(people) == 2:
            return people[0], people[1]
    return None


def _trade(buyer, seller, operator) -> int:
    offers = [
        offer
        for offer in db.session.execute(
            sa.select(Offer)
            .where(Offer.company_id == seller.company_id, Offer.status == OfferStatus.PUBLISHED)
            .order_by(Offer.id)
        ).scalars()
        if offer.price_tiers and not offer.price_on_request
    ]
    if not offers:
        return 0
    company = buyer.company
    delivery = {"name": company.name, "street": company.street or "ul. Magazynowa 1",
                "postal_code": company.postal_code or "00-001", "city": company.city or "Warszawa",
                "country": company.country}  # fmt: skip
    made = 0
    for index in range(3):
        offer = offers[index % len(offers)]
        order, _created = placing.place_order(
            buyer,
            {"lines": [{"offer_id": offer.id, "quantity": offer.moq}], "delivery": delivery},
        )
        services.confirm(seller, order)
        services.choose_payment(buyer, order, "bank_transfer")
        services.record_payment(operator, order, order.total_money, "demo")
        services.ship(seller, order, "DHL Freight", f"DEMO{order.id:06d}")
        if index < len(RATINGS):
            services.deliver(buyer, order)
            ratings.leave_review(buyer, order, RATINGS[index])
        made += 1
    return made
