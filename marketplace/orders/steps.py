"""The pieces every order transition is made of: the conditional status update, the timeline
event, the check of the acting side, and the label of a state."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, PermissionDenied
from marketplace.core.extensions import db
from marketplace.orders.models import (
    Order,
    OrderEvent,
    OrderStatus,
)
from marketplace.payments.models import EscrowStatus

S = OrderStatus


def record_event(order: Order, status: str, actor: Any, side: str | None, note: str = "") -> None:
    db.session.add(
        OrderEvent(
            order_id=order.id,
            status=status,
            note=note[:300],
            actor_id=getattr(actor, "id", None),
            side=side,
        )
    )
    db.session.flush()
    db.session.expire(order, ["events"])


def move(order: Order, frm: set[str], to: str, **values: Any) -> None:
    """Change the status in one conditional UPDATE; a repeated or concurrent call changes nothing."""
    done = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status.in_([str(s) for s in frm]))
        .values(status=to, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(order)
    if done.rowcount != 1:
        raise Conflict(
            _("The order is %(s)s; it cannot become %(t)s.", s=status_label(order.status),
              t=status_label(to))
        )  # fmt: skip


def require_side(actor: Any, order: Order, wanted: str) -> None:
    side = order.side_of(getattr(actor, "company_id", None))
    if side is None:
        raise NotFound()
    if side != wanted:
        raise PermissionDenied(
            _("Only the buyer can do this.")
            if wanted == "buyer"
            else _("Only the seller can do this.")
        )
    require(actor, Permission.BUY if wanted == "buyer" else Permission.SELL)


def status_label(status: str) -> str:
    labels = {
        S.AWAITING_APPROVAL: _("awaiting approval"), S.REJECTED_INTERNALLY: _("not approved"),
        S.PLACED: _("placed"), S.CONFIRMED: _("confirmed"), S.REJECTED: _("rejected"),
        S.CANCELLED: _("cancelled"), S.FUNDED: _("funded"), S.SHIPPED: _("shipped"),
        S.DELIVERED: _("delivered"), S.COMPLETED: _("completed"), S.DISPUTED: _("disputed"),
        S.RESOLVED: _("resolved"), S.REFUNDED: _("refunded"),
        "cancel_requested": _("cancellation requested"), "payment_opened": _("payment opened"),
        "payment_refunded": _("late payment refunded"),
        "payment_refused": _("payment refused by the provider"),
        EscrowStatus.SETTLING: _("money on its way"),
        EscrowStatus.AWAITING: _("awaiting payment"), EscrowStatus.PARTIAL: _("partially paid"),
        EscrowStatus.RELEASED: _("released"), EscrowStatus.SETTLED: _("settled"),
    }  # fmt: skip
    return str(labels.get(status, status))
