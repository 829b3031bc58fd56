"""Factories for offers to order from and orders moved to a given state; flush, never commit."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import Category, Offer, OfferStatus, PriceTier
from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import placing, services
from marketplace.orders.models import Order
from marketplace.payments.providers import StripeProvider
from tests import factories

DELIVERY = {"name": "Goods in", "street": "Magazynowa 1", "city": "Poznań",
            "postal_code": "60-001", "country": "PL"}  # fmt: skip


def offer(company, *, tiers=((10, 1_000), (100, 900)), moq: int = 10, currency: str = "EUR",
          title: str = "Steel flange DN50", status: str = OfferStatus.PUBLISHED,
          **fields) -> Offer:  # fmt: skip
    category = db.session.execute(
        sa.select(Category).where(Category.parent_id.is_not(None)).limit(1)
    ).scalar_one()
    item = Offer(
        company_id=company.id,
        category_id=category.id,
        title=title,
        unit="pcs",
        moq=moq,
        currency=currency,
        incoterm="FCA",
        incoterm_place="Poznań",
        status=status,
        published_at=clock.now(),
        **fields,
    )
    item.price_tiers = [PriceTier(min_quantity=q, unit_price=p) for q, p in tiers]
    db.session.add(item)
    db.session.flush()
    return item


def order(buyer_user, seller_offer, quantity: int = 20, **data) -> Order:
    placed, _created = placing.place_order(
        buyer_user,
        {"lines": [{"offer_id": seller_offer.id, "quantity": quantity}], "delivery": DELIVERY}
        | data,
    )
    return placed


def funded_order(buyer_user, seller_user, operator, seller_offer, quantity: int = 20) -> Order:
    placed = order(buyer_user, seller_offer, quantity)
    services.confirm(seller_user, placed)
    services.choose_payment(buyer_user, placed, "bank_transfer")
    services.record_payment(operator, placed, placed.total_money)
    return placed


def choose_card(buyer_user, placed: Order):
    """The buyer chooses to pay by card, in the two steps of the payment page: the PaymentIntent
    is created from what the order asks for, then the escrow opens with it."""
    wanted = services.card_payment_request(buyer_user, placed, "stripe")
    card = StripeProvider.create_intent(wanted) if wanted else None
    return services.choose_payment(buyer_user, placed, "stripe", card=card)


def shipped_order(buyer_user, seller_user, operator, seller_offer) -> Order:
    placed = funded_order(buyer_user, seller_user, operator, seller_offer)
    services.ship(seller_user, placed, "DHL", "JD0001")
    return placed


def seller_user(company):
    return factories.user(company, role="seller")


def eur(amount: int) -> Money:
    return Money(amount, "EUR")
