"""Orders on negotiated terms: an accepted quote or an awarded bid becomes an order.

placing.place_order prices lines from published offers; negotiated terms carry their own price
(procurement calls this), with the same VAT rules and announcement in the order's thread.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask_babel import gettext as _

from marketplace.companies.models import Company
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import notify, tax
from marketplace.orders.models import Order, OrderEvent, OrderLine, OrderStatus


@dataclasses.dataclass(frozen=True)
class AgreedLine:
    """One line of negotiated terms: what, how many, at which net unit price."""

    title: str
    unit: str
    quantity: int
    unit_price: Money


def place_negotiated_order(
    actor: Any,
    *,
    seller_company_id: int,
    title: str,
    unit: str,
    quantity: int,
    unit_price: Money,
    shipping: Money | None = None,
    incoterm: str | None = None,
    note: str = "",
) -> Order:
    """A placed order of the actor's company for agreed terms (one line, plus shipping if any)."""
    return place_negotiated_lines(
        actor,
        seller_company_id=seller_company_id,
        lines=[AgreedLine(title, unit, quantity, unit_price)],
        shipping=shipping,
        incoterm=incoterm,
        note=note,
    )


def place_negotiated_lines(
    actor: Any,
    *,
    seller_company_id: int,
    lines: list[AgreedLine],
    shipping: Money | None = None,
    incoterm: str | None = None,
    note: str = "",
) -> Order:
    """A placed order of the actor's company with one line per agreed line (plus shipping if
    any); every line is in the same currency."""
    if not lines or len({line.unit_price.currency for line in lines}) != 1:
        raise ValueError("An order needs at least one line, all in one currency.")
    currency = lines[0].unit_price.currency
    buyer = db.session.get(Company, actor.company_id)
    seller = db.session.get(Company, seller_company_id)
    rate = tax.vat_rate(seller, buyer)
    order = Order(
        buyer_company_id=buyer.id,
        seller_company_id=seller.id,
        placed_by_id=actor.id,
        status=OrderStatus.PLACED,
        currency=currency,
        reverse_charge=tax.is_reverse_charge(seller, buyer),
        # the buyer's registered address; the order page lets the parties agree on another
        delivery={
            "name": buyer.name,
            "street": buyer.street or "",
            "city": buyer.city or "",
            "postal_code": buyer.postal_code or "",
            "country": buyer.country,
        },
        incoterm=incoterm,
        note=note[:2000],
    )
    rows = [(line.title, line.unit, line.quantity, line.unit_price) for line in lines]
    if shipping is not None and shipping.amount > 0:
        rows.append((_("Shipping"), "lot", 1, shipping))
    net_total = vat_total = 0
    for line_title, line_unit, line_quantity, price in rows:
        net = price.times(line_quantity)
        vat = net.percent(rate)
        net_total += net.amount
        vat_total += vat.amount
        order.lines.append(
            OrderLine(
                title=line_title[:200],
                unit=line_unit,
                quantity=line_quantity,
                unit_price=price.amount,
                vat_rate_bp=rate,
                net_amount=net.amount,
                vat_amount=vat.amount,
            )
        )
    order.net_total, order.vat_total = net_total, vat_total
    order.total = net_total + vat_total
    db.session.add(order)
    db.session.flush()
    db.session.add(
        OrderEvent(order_id=order.id, status=OrderStatus.PLACED, actor_id=actor.id, side="buyer",
                   note=note[:300])
    )  # fmt: skip
    db.session.flush()
    notify.announce(order, actor, _("Order %(n)s placed.", n=order.number))
    return order
