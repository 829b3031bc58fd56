"""Placing an order from one seller's offers, and the approval hold above a buyer's spending limit."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import SpendingLimit
from marketplace.companies.reference import COUNTRY_CODES
from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import notify, pricing
from marketplace.orders.events import order_held
from marketplace.orders.models import (
    Order,
    OrderLine,
    OrderStatus,
)
from marketplace.orders.steps import move, record_event

S = OrderStatus
MAX_LINES = 50
DELIVERY_FIELDS = ("name", "street", "city", "postal_code", "country")


def _fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def _clean_delivery(raw: Any, errors: dict[str, list[str]]) -> dict[str, str]:
    raw = raw if isinstance(raw, dict) else {}
    out = {f: str(raw.get(f) or "").strip()[:200] for f in DELIVERY_FIELDS}
    for field in ("street", "city", "postal_code", "country"):
        if not out[field]:
            errors.setdefault(f"delivery.{field}", []).append(_("This field is required."))
    out["country"] = out["country"].upper()
    if out["country"] and out["country"] not in COUNTRY_CODES:
        errors.setdefault("delivery.country", []).append(_("Unknown country code."))
    return out


def place_order(
    actor: Any, data: dict[str, Any], *, idempotency_key: str | None = None
) -> tuple[Order, bool]:
    """A new order from one seller's offers; returns (order, created).

    The same Idempotency-Key with the same body returns the order placed the first time.
    """
    require(actor, Permission.BUY)
    fingerprint = _fingerprint(data)
    if idempotency_key:
        earlier = db.session.execute(
            sa.select(Order).where(
                Order.buyer_company_id == actor.company_id,
                Order.idempotency_key == idempotency_key,
            )
        ).scalar_one_or_none()
        if earlier is not None:
            if earlier.request_fingerprint != fingerprint:
                raise Conflict(_("This Idempotency-Key was used for a different order."))
            return earlier, False

    errors: dict[str, list[str]] = {}
    raw_lines = data.get("lines") or []
    if not isinstance(raw_lines, list) or not raw_lines:
        errors["lines"] = [_("Order at least one offer.")]
        raw_lines = []
    elif len(raw_lines) > MAX_LINES:
        errors["lines"] = [_("At most %(n)s lines per order.", n=MAX_LINES)]
        raw_lines = []
    delivery = _clean_delivery(data.get("delivery"), errors)
    requested = data.get("requested_date")
    if requested is not None and requested < clock.today():
        errors["requested_date"] = [_("The requested date is in the past.")]

    priced = pricing.price_lines(actor, raw_lines)
    errors.update(priced.errors)
    if errors:
        raise ValidationError(errors)

    first_offer = next(iter(priced.lines.values())).offer
    held = above_spending_limit(actor, priced.net_total)
    order = Order(
        buyer_company_id=actor.company_id,
        seller_company_id=first_offer.company_id,
        placed_by_id=actor.id,
        status=S.AWAITING_APPROVAL if held else S.PLACED,
        currency=priced.currency,
        reverse_charge=priced.reverse_charge,
        delivery=delivery,
        requested_date=requested,
        incoterm=first_offer.incoterm,
        incoterm_place=first_offer.incoterm_place,
        note=str(data.get("note") or "")[:2000],
        idempotency_key=idempotency_key,
        request_fingerprint=fingerprint,
    )
    for line in priced.lines.values():
        order.lines.append(
            OrderLine(
                offer_id=line.offer.id,
                title=line.offer.title,
                sku=line.offer.sku,
                unit=line.offer.unit,
                quantity=line.quantity,
                unit_price=line.unit_price.amount,
                vat_rate_bp=line.vat_rate_bp,
                net_amount=line.net.amount,
                vat_amount=line.vat.amount,
            )
        )
    order.net_total, order.vat_total = priced.net_total.amount, priced.vat_total.amount
    order.total = priced.total.amount
    try:
        with db.session.begin_nested():
            db.session.add(order)
            db.session.flush()
    except IntegrityError:
        # A concurrent request with the same Idempotency-Key won: answer with its order.
        if not idempotency_key:
            raise
        return place_order(actor, data, idempotency_key=idempotency_key)
    if held:
        # no thread, no message, no notification: the seller hears of it once it is approved
        record_event(order, S.AWAITING_APPROVAL, actor, "buyer")
        order_held.send(order, actor=actor)
        return order, True
    record_event(order, S.PLACED, actor, "buyer")
    notify.announce(order, actor, _("Order %(n)s placed.", n=order.number))
    return order, True


def spending_limit_of(person: Any) -> SpendingLimit | None:
    """The person's spending limit inside their company (None: no limit)."""
    return db.session.execute(
        sa.select(SpendingLimit).where(
            SpendingLimit.company_id == person.company_id, SpendingLimit.user_id == person.id
        )
    ).scalar_one_or_none()


def above_spending_limit(person: Any, total: Money) -> bool:
    """Whether a purchase of `total` needs an approver: above the person's limit, or in another
    currency than the limit (it cannot be compared: ask, to be safe). Procurement asks the same."""
    limit = spending_limit_of(person)
    return limit is not None and not limit.covers(total)


def release_held(approver: Any, order: Order, comment: str = "") -> Order:
    """The buyer's approver said yes: the order goes to the seller as if placed now."""
    move(order, {S.AWAITING_APPROVAL}, S.PLACED)
    record_event(order, S.PLACED, approver, "buyer", comment)
    notify.announce(order, approver, _("Order %(n)s placed.", n=order.number))
    return order


def refuse_held(approver: Any, order: Order, comment: str) -> Order:
    """The buyer's approver said no: the order closes without ever reaching the seller."""
    move(order, {S.AWAITING_APPROVAL}, S.REJECTED_INTERNALLY, closed_at=clock.now())
    record_event(order, S.REJECTED_INTERNALLY, approver, "buyer", comment)
    return order
