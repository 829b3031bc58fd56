"""How long an order's money may stay in escrow: the automatic delivery and dispute windows."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import current_app

from listings.models import Offer
from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.orders.models import Order


def auto_delivery_days() -> int:
    return int(current_app.config.get("ORDER_AUTO_DELIVERY_DAYS", 14))


def dispute_window_days() -> int:
    return int(current_app.config.get("ORDER_DISPUTE_WINDOW_DAYS", 7))


def latest_release(order: Order) -> dt.date | None:
    """The last day the escrow may be released if the seller keeps the agreed date.

    The goods leave by the agreed day at the latest: the requested delivery date, or today plus
    the longest lead time of the ordered offers (the later of the two when both are known). A
    delivery the buyer does not confirm is recorded AUTO_DELIVERY days after shipping and the
    money released after the dispute window. None when no date is agreed or foreseeable.
    """
    lead_days = db.session.execute(
        sa.select(sa.func.max(Offer.lead_time_days)).where(
            Offer.id.in_([line.offer_id for line in order.lines if line.offer_id is not None])
        )
    ).scalar_one_or_none()
    known = [d for d in (order.requested_date,) if d is not None]
    if lead_days is not None:
        known.append(clock.today() + dt.timedelta(days=int(lead_days)))
    if not known:
        return None
    return max(known) + dt.timedelta(days=auto_delivery_days() + dispute_window_days())
