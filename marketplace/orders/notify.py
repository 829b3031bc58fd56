"""Tell both sides about an order's step: a system message in the order's thread, which also
notifies the other company through messaging's notifications."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from marketplace.core.extensions import db
from marketplace.orders.models import Order
from messaging import services as messaging
from messaging.models import Thread


def thread_of(order: Order, actor: Any = None) -> Thread:
    """The order's thread between buyer and seller, opened on first use."""
    thread = messaging.thread_for_context(
        order.buyer_company_id,
        order.seller_company_id,
        "order",
        order.id,
        _("Order %(n)s", n=order.number),
        actor=actor,
    )
    if order.thread_id != thread.id:
        order.thread_id = thread.id
        db.session.flush()
    return thread


_quiet: ContextVar[bool] = ContextVar("orders_notify_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Post the system messages without notifying anyone (demo data, imports)."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def announce(order: Order, actor: Any, text: str) -> None:
    thread = thread_of(order, actor)
    messaging.post_system_message(
        thread, text, {"order_id": order.id, "status": order.status}, notify=not _quiet.get()
    )


def context_summary(order_id: int, viewer_company_id: int | None) -> dict | None:
    """Messaging's resolver for threads about an order: only the two parties see it."""
    order = db.session.get(Order, order_id)
    if order is None or order.side_of(viewer_company_id) is None:
        return None
    return {
        "title": _("Order %(n)s", n=order.number),
        "url": url_for("orders.detail", order_id=order.id),
        "company_id": order.seller_company_id,
    }
