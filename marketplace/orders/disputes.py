"""Disputes: the buyer opens one on a funded, shipped or recently delivered order; the operator
refunds, releases or splits what escrow holds."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager

from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import documents, notify, ratings
from marketplace.orders.models import (
    Dispute,
    DocumentKind,
    Order,
    OrderStatus,
)
from marketplace.orders.steps import move, record_event, require_side
from marketplace.orders.timing import dispute_window_days
from marketplace.payments import ledger, settlement
from marketplace.payments import services as payments

S = OrderStatus


def open_dispute(actor: Any, order: Order, reason: str) -> Dispute:
    require_side(actor, order, "buyer")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Tell the operator what went wrong.")]})
    window = dt.timedelta(days=dispute_window_days())
    if order.status == S.DELIVERED and clock.now() > order.delivered_at + window:
        raise Conflict(_("The dispute window for this order has closed."))
    previous = order.status
    move(order, {S.FUNDED, S.SHIPPED, S.DELIVERED}, S.DISPUTED)
    dispute = Dispute(
        order_id=order.id,
        opened_by_id=actor.id,
        reason=reason.strip()[:4000],
        previous_status=previous,
    )
    db.session.add(dispute)
    db.session.flush()
    db.session.expire(order, ["disputes"])
    record_event(order, S.DISPUTED, actor, "buyer", reason)
    ratings.refresh_scorecard(order.seller_company_id)
    notify.announce(order, actor, _("The buyer opened a dispute on %(n)s.", n=order.number))
    return dispute


def resolve_dispute(operator: Any, dispute_id: int, refund: Money, note: str = "") -> Dispute:
    """The operator decides: refund all, release all, or split (refund part, release the rest).

    Releasing anything issues the invoice; a split also issues a correcting invoice for the
    refunded part. A full refund is no sale and issues neither."""
    dispute = get_dispute(dispute_id)
    order = dispute.order
    if refund.currency != order.currency:
        raise ValidationError({"refund_amount": [_("Use the order's currency.")]})
    if dispute.resolved_at is not None:
        raise Conflict(_("This dispute is resolved already."))
    held = ledger.figures(order.escrow).held
    if refund.amount < 0 or refund.amount > held.amount:
        raise ValidationError(
            {"refund_amount": [_("The refund must be between 0 and the %(h)s held.", h=held)]}
        )
    payments.lock(order.escrow)  # the escrow before the order, as every transition does
    move(order, {S.DISPUTED}, S.RESOLVED, closed_at=clock.now())
    settlement.settle(operator, order.escrow, refund)
    if refund.amount < held.amount:
        # Money reaches the seller: the sale is invoiced in full, and a refunded part is a
        # price reduction documented by a correcting invoice (see orders.corrections).
        documents.issue(order, DocumentKind.INVOICE)
        if refund.amount:
            documents.issue(order, DocumentKind.CORRECTION, amount=refund.amount)
    dispute.refund_amount = refund.amount
    dispute.resolution_note = note[:4000]
    dispute.resolved_by_id = operator.id
    dispute.resolved_at = clock.now()
    db.session.flush()
    ratings.refresh_scorecard(order.seller_company_id)
    record_event(order, S.RESOLVED, operator, "operator", _("Refund %(r)s", r=refund))
    notify.announce(
        order, operator, _("The operator resolved the dispute on %(n)s: %(r)s refunded.",
                           n=order.number, r=refund)
    )  # fmt: skip
    return dispute


def get_dispute(dispute_id: int) -> Dispute:
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound()
    return dispute


def open_disputes() -> list[Dispute]:
    return list(db.session.execute(queue_query().order_by(Dispute.id)).scalars())


class DisputeStatus(enum.StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


def status_of(dispute: Dispute) -> DisputeStatus:
    return DisputeStatus.OPEN if dispute.resolved_at is None else DisputeStatus.RESOLVED


def queue_query(status: DisputeStatus = DisputeStatus.OPEN) -> sa.Select:
    """The operator's disputes in one status, with the order, its parties and escrow loaded in
    the same query (a page of disputes costs the same few queries however long it is)."""
    stmt = (
        sa.select(Dispute)
        .join(Dispute.order)
        # The order's buyer, seller and escrow are joined eagerly by the model; its lines are
        # not shown in the queue, so they are not loaded at all.
        .options(contains_eager(Dispute.order).lazyload(Order.lines))
    )
    if status == DisputeStatus.OPEN:
        return stmt.where(Dispute.resolved_at.is_(None))
    return stmt.where(Dispute.resolved_at.is_not(None))


def resolution(dispute: Dispute, figures: ledger.EscrowFigures | None) -> dict | None:
    """What the operator's decision did, from the dispute and the escrow's journal; None while
    the dispute is open.

    refund went back to the buyer, release left the escrow for the seller (the platform fee is
    taken from it), and the two add up to what escrow held. Only the resolution settles a
    disputed order's escrow, so the escrow's release and fee are this resolution's release."""
    if dispute.resolved_at is None:
        return None
    currency = dispute.order.currency
    refund = Money(dispute.refund_amount or 0, currency)
    release = figures.released + figures.fee if figures is not None else Money.zero(currency)
    if refund.amount and release.amount:
        outcome = "split"
    else:
        outcome = "refund" if refund.amount else "release"
    return {
        "outcome": outcome,
        "refund": refund,
        "release": release,
        "note": dispute.resolution_note,
        "resolved_at": dispute.resolved_at,
    }
