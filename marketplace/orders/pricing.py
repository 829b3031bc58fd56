"""Pricing an order's lines before it is placed: one seller, one currency, tier price, MOQ, stock."""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask_babel import gettext as _

from listings import services as listings
from listings.models import Offer, PriceTier
from marketplace.core.errors import ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import tax

# Choices on the order page; a seller with more offers is still ordered line by line.
MAX_CHOICES = 500


@dataclasses.dataclass(frozen=True)
class PricedLine:
    offer: Offer
    quantity: int
    unit_price: Money
    vat_rate_bp: int
    net: Money
    vat: Money


@dataclasses.dataclass
class Pricing:
    """Lines by their index in the request; errors keyed `lines.<index>.<field>`."""

    lines: dict[int, PricedLine]
    errors: dict[str, list[str]]
    # by line index: offers the order may hold (the seller's, priced, in its currency), also
    # where the line itself is wrong, so the page can still show their MOQ
    offers: dict[int, Offer] = dataclasses.field(default_factory=dict)
    currency: str | None = None
    reverse_charge: bool = False
    vat_rate_bp: int = 0

    @property
    def net_total(self) -> Money | None:
        return self._sum("net")

    @property
    def vat_total(self) -> Money | None:
        return self._sum("vat")

    @property
    def total(self) -> Money | None:
        net, vat = self.net_total, self.vat_total
        return net + vat if net is not None and vat is not None else None

    def _sum(self, part: str) -> Money | None:
        if self.currency is None:
            return None
        total = Money.zero(self.currency)
        for line in self.lines.values():
            total = total + getattr(line, part)
        return total


def price_lines(actor: Any, raw_lines: list[Any]) -> Pricing:
    """Price each line as the order would; writes nothing and never raises for bad lines.

    A line repeating an offer of an earlier line is refused rather than merged: its tier price
    and stock check would otherwise depend on how the quantity was split across lines."""
    errors: dict[str, list[str]] = {}

    def fail(index: int, field: str, message: str) -> None:
        errors.setdefault(f"lines.{index}.{field}", []).append(message)

    pricing = Pricing(lines={}, errors=errors)
    seller = None
    seen: dict[int, int] = {}
    for index, raw in enumerate(raw_lines):
        offer = listings.public_offer(raw.get("offer_id")) if isinstance(raw, dict) else None
        if offer is None:
            fail(index, "offer_id", _("No such offer."))
            continue
        quantity = raw.get("quantity")
        if offer.company_id == actor.company_id:
            fail(index, "offer_id", _("You cannot order from your own company."))
            continue
        seller = seller or offer.company
        pricing.currency = pricing.currency or offer.currency
        if offer.company_id != seller.id:
            fail(index, "offer_id", _("All lines of an order must come from one seller."))
            continue
        if offer.currency != pricing.currency:
            fail(
                index,
                "offer_id",
                _("All lines of an order must be in one currency (%(c)s).", c=pricing.currency),
            )
            continue
        if not offer.price_on_request and offer.price_tiers:
            pricing.offers[index] = offer
        if offer.id in seen:
            fail(
                index,
                "offer_id",
                _(
                    "This offer is already on line %(n)s; change the quantity there.",
                    n=seen[offer.id] + 1,
                ),
            )
            continue
        seen[offer.id] = index
        try:
            unit_price = listings.unit_price_for(offer, quantity)
        except ValidationError as exc:
            for message in exc.errors.get("quantity", [exc.message]):
                fail(index, "quantity", message)
            continue
        if offer.available_quantity is not None and quantity > offer.available_quantity:
            fail(
                index,
                "quantity",
                _(
                    "Only %(n)s %(unit)s are available.",
                    n=offer.available_quantity,
                    unit=offer.unit,
                ),
            )
            continue
        if not pricing.lines:
            pricing.reverse_charge = tax.is_reverse_charge(seller, actor.company)
            pricing.vat_rate_bp = tax.vat_rate(seller, actor.company)
        net = unit_price.times(quantity)
        pricing.lines[index] = PricedLine(
            offer=offer,
            quantity=quantity,
            unit_price=unit_price,
            vat_rate_bp=pricing.vat_rate_bp,
            net=net,
            vat=net.percent(pricing.vat_rate_bp),
        )
    return pricing


class OfferChoice(NamedTuple):
    """What the order form shows of an offer that may join the order."""

    id: int
    title: str
    sku: str | None
    moq: int
    unit: str


def offers_to_add(first: Offer) -> list[OfferChoice]:
    """Offers that may join an order started from `first`: the same seller's other public,
    priced offers in the same currency, by title. Read as plain rows: a seller may have
    thousands, and the form needs five columns of each."""
    has_price = sa.exists().where(PriceTier.offer_id == Offer.id)
    stmt = (
        listings.public_offers_query()
        .with_only_columns(
            Offer.id, Offer.title, Offer.sku, Offer.moq, Offer.unit, maintain_column_froms=True
        )
        .where(
            Offer.company_id == first.company_id,
            Offer.currency == first.currency,
            Offer.id != first.id,
            Offer.price_on_request.is_(False),
            has_price,
        )
        .order_by(sa.func.lower(Offer.title), Offer.id)
        .limit(MAX_CHOICES)
    )
    return [OfferChoice(*row) for row in db.session.execute(stmt)]
