"""Reading orders and moving them through their states; every transition is one conditional update.

Placing (and the approval hold) lives in orders.placing, disputes in orders.disputes.

States: placed → confirmed | rejected | cancelled; confirmed → funded (escrow holds the total);
funded → shipped → delivered → completed (escrow released). The buyer's delivery confirmation is
the buyer's acceptance, so it completes the order at once; a delivery recorded automatically
N days after shipping (ORDER_AUTO_DELIVERY_DAYS) completes after the dispute window
(ORDER_DISPUTE_WINDOW_DAYS) unless the buyer disputes. funded | shipped | delivered (inside the
window) → disputed → resolved by the operator (refund, release or split). A funded order
cancelled by both sides → refunded. An order above the buyer's spending limit starts
awaiting_approval, unseen by the seller, until the buyer's approver releases it (→ placed) or
refuses it (→ rejected_internally).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core import clock, jobs
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import documents, notify, ratings
from marketplace.orders.models import (
    INTERNAL_STATES,
    Order,
    OrderLine,
    OrderStatus,
)
from marketplace.orders.steps import move, record_event, require_side, status_label
from marketplace.orders.timing import auto_delivery_days, dispute_window_days, latest_release
from marketplace.payments import ledger, settlement
from marketplace.payments import services as payments
from marketplace.payments.events import escrow_funded, late_payment_refunded, payment_refused
from marketplace.payments.models import EscrowAccount, PaymentInstruction, Provider
from marketplace.payments.providers import CardIntent, IntentRequest
from marketplace.payments.providers import available as available_providers

S = OrderStatus
DUE_DELIVERIES_JOB = "orders.due_deliveries"


def get_order(actor: Any, order_id: int) -> Order:
    """The order when the actor's company is its buyer or seller; otherwise NotFound."""
    company_id = getattr(actor, "company_id", None)
    order = db.session.get(Order, order_id)
    if order is None or company_id is None or order.side_of(company_id) is None:
        raise NotFound()
    if order.side_of(company_id) == "seller" and order.status in INTERNAL_STATES:
        raise NotFound()  # still the buyer's internal matter
    return order


def get_any_order(order_id: int) -> Order:
    """For operators only: any order."""
    order = db.session.get(Order, order_id)
    if order is None:
        raise NotFound()
    return order


def orders_query(company_id: int, *, role: str | None, status: str | None = None, q: str = ""):
    """The company's purchases (role buyer), sales (seller) or both (None): what get_order
    lets it read, a sale only once it has left the buyer's internal approval."""
    purchases = Order.buyer_company_id == company_id
    sales = (Order.seller_company_id == company_id) & Order.status.notin_(
        [str(s) for s in INTERNAL_STATES]
    )
    where = {"buyer": purchases, "seller": sales}.get(role or "", purchases | sales)
    stmt = sa.select(Order).where(where)
    if status:
        stmt = stmt.where(Order.status == status)
    if q.strip():
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(
            Order.lines.any(OrderLine.title.ilike(pattern))
            | (sa.cast(Order.id, sa.String) == q.strip().removeprefix("ORD-").lstrip("0"))
        )
    return stmt


def confirm(actor: Any, order: Order) -> Order:
    require_side(actor, order, "seller")
    move(order, {S.PLACED}, S.CONFIRMED, confirmed_at=clock.now())
    record_event(order, S.CONFIRMED, actor, "seller")
    documents.issue(order, "confirmation")
    documents.issue(order, "proforma")
    notify.announce(order, actor, _("The seller confirmed order %(n)s.", n=order.number))
    return order


def reject(actor: Any, order: Order, reason: str = "") -> Order:
    require_side(actor, order, "seller")
    move(order, {S.PLACED}, S.REJECTED, closed_at=clock.now())
    record_event(order, S.REJECTED, actor, "seller", reason)
    notify.announce(order, actor, _("The seller rejected order %(n)s.", n=order.number))
    return order


def cancel(actor: Any, order: Order, reason: str = "") -> Order:
    """Either side cancels before the money is held; once funded, both sides must agree."""
    side = order.side_of(getattr(actor, "company_id", None))
    if side is None:
        raise NotFound()
    require(actor, Permission.BUY if side == "buyer" else Permission.SELL)
    lock_money(order)
    if order.status in (S.PLACED, S.CONFIRMED):
        move(order, {S.PLACED, S.CONFIRMED}, S.CANCELLED, closed_at=clock.now())
        if order.escrow is not None:
            settlement.cancel_unpaid(actor, order.escrow)
        record_event(order, S.CANCELLED, actor, side, reason)
        notify.announce(order, actor, _("Order %(n)s was cancelled.", n=order.number))
        return order
    if order.status != S.FUNDED:
        raise Conflict(
            _("The order is %(s)s; it cannot be cancelled.", s=status_label(order.status))
        )
    if order.cancel_requested_by is None:
        done = db.session.execute(
            sa.update(Order)
            .where(
                Order.id == order.id, Order.status == S.FUNDED, Order.cancel_requested_by.is_(None)
            )
            .values(cancel_requested_by=side)
            .execution_options(synchronize_session=False)
        )
        db.session.refresh(order)
        if done.rowcount != 1:
            raise Conflict(_("A cancellation is already being agreed; try again."))
        record_event(order, "cancel_requested", actor, side, reason)
        notify.announce(
            order,
            actor,
            _("Cancellation of %(n)s requested; the other side must agree.", n=order.number),
        )
        return order
    if order.cancel_requested_by == side:
        raise Conflict(_("You asked to cancel already; the other side must agree."))
    move(order, {S.FUNDED}, S.REFUNDED, closed_at=clock.now())
    settlement.refund_all(actor, order.escrow)
    record_event(order, S.REFUNDED, actor, side, reason)
    notify.announce(
        order, actor, _("Both sides cancelled %(n)s; the buyer is refunded.", n=order.number)
    )
    return order


def lock_money(order: Order) -> None:
    """Lock the order's escrow before the order changes: a Stripe webhook locks the escrow and
    then moves the order, so every transition touching both takes them in that order too (the
    other way round, a cancel and a funding webhook at the same moment deadlock)."""
    if order.escrow is not None:
        payments.lock(order.escrow)
        db.session.refresh(order)  # decide on the order as it is now, after waiting for the lock


def _check_payment_choice(actor: Any, order: Order, provider: str) -> None:
    require_side(actor, order, "buyer")
    if provider not in available_providers():
        raise ValidationError(
            {"provider": [_("Choose one of: %(p)s.", p=", ".join(available_providers()))]}
        )
    if order.status != S.CONFIRMED:
        raise Conflict(_("Payment opens once the seller has confirmed the order."))
    if order.escrow is not None and order.escrow.provider != provider:
        raise Conflict(_("The payment method was chosen already."))


def card_payment_request(actor: Any, order: Order, provider: str) -> IntentRequest | None:
    """What Stripe needs for this order's card payment, read before the unit of work that opens
    it: the edge creates the PaymentIntent with no transaction open and hands it to
    choose_payment. None for a bank transfer, or when the payment is open already."""
    _check_payment_choice(actor, order, provider)
    if provider != Provider.STRIPE or order.escrow is not None:
        return None
    return IntentRequest(
        due=order.total_money,
        latest_release=latest_release(order),
        key=f"order-{order.id}-intent",  # a retry of the same order finds the same intent
        label=order.number,
    )


def choose_payment(
    actor: Any, order: Order, provider: str, card: CardIntent | None = None
) -> EscrowAccount:
    """The buyer picks how to pay; the escrow opens with a payment reference (and, for a card,
    the PaymentIntent created from card_payment_request)."""
    _check_payment_choice(actor, order, provider)
    if order.escrow is not None:
        return order.escrow
    if provider == Provider.STRIPE and card is None:
        raise Conflict(_("The card payment could not be started; try again."))
    escrow = payments.open_escrow(
        label=order.number,
        due=order.total_money,
        buyer_company_id=order.buyer_company_id,
        seller_company_id=order.seller_company_id,
        provider=provider,
        card=card,
        seller_stripe_account=payments.stripe_account_of(order.seller_company_id),
    )
    done = db.session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.escrow_id.is_(None), Order.status == S.CONFIRMED)
        .values(escrow_id=escrow.id)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("The payment method was chosen already."))
    db.session.refresh(order)
    record_event(order, "payment_opened", actor, "buyer", provider)
    return escrow


def record_payment(operator: Any, order: Order, amount: Money, note: str = "") -> Order:
    """The operator saw money arrive on the bank account for this order."""
    if order.escrow is None:
        raise Conflict(_("The buyer has not chosen to pay by bank transfer yet."))
    if amount.currency != order.currency:
        raise ValidationError({"amount": [_("The amount must be in %(c)s.", c=order.currency)]})
    payments.record_bank_receipt(operator, order.escrow, amount, note)
    db.session.refresh(order)
    return order


def _order_paid_by(escrow: EscrowAccount) -> Order | None:
    return db.session.execute(
        sa.select(Order).where(Order.escrow_id == escrow.id)
    ).scalar_one_or_none()


def _on_escrow_funded(escrow: EscrowAccount, **_kwargs: Any) -> None:
    order = _order_paid_by(escrow)
    if order is None or order.status != S.CONFIRMED:
        return
    move(order, {S.CONFIRMED}, S.FUNDED, funded_at=clock.now())
    record_event(order, S.FUNDED, None, "system", escrow.payment_reference)
    notify.announce(
        order, None, _("The buyer's payment for %(n)s is held in escrow.", n=order.number)
    )


def _on_payment_refused(
    escrow: EscrowAccount, instruction: PaymentInstruction, reopened: bool, **_kwargs: Any
) -> None:
    order = _order_paid_by(escrow)
    if order is None:
        return
    record_event(order, "payment_refused", None, "system", instruction.last_error)
    if reopened:
        text = _("The payment provider refused to move the money of %(n)s (%(r)s); escrow holds "
                 "it again and the marketplace operator is looking into it.",
                 n=order.number, r=instruction.last_error)  # fmt: skip
    else:
        text = _("The payment provider refused a payment of %(a)s for %(n)s (%(r)s); the "
                 "marketplace operator is looking into it.",
                 a=instruction.money, n=order.number, r=instruction.last_error)  # fmt: skip
    notify.announce(order, None, text)


def _on_late_payment_refunded(escrow: EscrowAccount, amount: Money, **_kwargs: Any) -> None:
    order = _order_paid_by(escrow)
    if order is None:
        return
    record_event(order, "payment_refunded", None, "system", str(amount))
    notify.announce(
        order, None, _("A card payment of %(a)s for the cancelled order %(n)s arrived late; it is "
                       "refunded in full.", a=amount, n=order.number)
    )  # fmt: skip


def connect_receivers() -> None:
    """Orders follow the money (create_app connects them; connecting again changes nothing)."""
    escrow_funded.connect(_on_escrow_funded)
    payment_refused.connect(_on_payment_refused)
    late_payment_refunded.connect(_on_late_payment_refunded)


def ship(actor: Any, order: Order, carrier: str, tracking_number: str) -> Order:
    require_side(actor, order, "seller")
    errors = {}
    if not (carrier or "").strip():
        errors["carrier"] = [_("This field is required.")]
    if not (tracking_number or "").strip():
        errors["tracking_number"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    move(
        order,
        {S.FUNDED},
        S.SHIPPED,
        shipped_at=clock.now(),
        carrier=carrier.strip()[:120],
        tracking_number=tracking_number.strip()[:120],
    )
    record_event(order, S.SHIPPED, actor, "seller", f"{order.carrier} {order.tracking_number}")
    jobs.enqueue(
        DUE_DELIVERIES_JOB,
        {"order_id": order.id},
        run_at=order.shipped_at + dt.timedelta(days=auto_delivery_days(), minutes=1),
        key=f"orders-auto-delivery:{order.id}",
    )
    notify.announce(
        order, actor, _("Order %(n)s shipped with %(c)s, tracking %(t)s.", n=order.number,
                        c=order.carrier, t=order.tracking_number)
    )  # fmt: skip
    return order


def deliver(actor: Any, order: Order) -> Order:
    """The buyer confirms delivery, which also accepts the goods: the escrow is released."""
    require_side(actor, order, "buyer")
    lock_money(order)
    move(order, {S.SHIPPED}, S.DELIVERED, delivered_at=clock.now())
    record_event(order, S.DELIVERED, actor, "buyer")
    return complete(actor, order)


def complete(actor: Any, order: Order) -> Order:
    lock_money(order)
    move(order, {S.DELIVERED}, S.COMPLETED, completed_at=clock.now(), closed_at=clock.now())
    settlement.release(actor, order.escrow)
    documents.issue(order, "invoice")
    ratings.refresh_scorecard(order.seller_company_id)
    record_event(order, S.COMPLETED, actor, "buyer" if actor is not None else "system")
    notify.announce(
        order,
        actor,
        _("Order %(n)s completed; the payment is released to the seller.", n=order.number),
    )
    return order


def run_due_deliveries() -> tuple[int, int]:
    """Job: mark shipped orders delivered N days after shipping, and complete automatically
    delivered ones whose dispute window has passed. Returns (delivered, completed).

    Each order's step runs in a savepoint: an order that cannot move (a buyer acted meanwhile)
    leaves nothing half-done behind, and the others still move."""
    now = clock.now()
    delivered = completed = 0
    shipped_before = now - dt.timedelta(days=auto_delivery_days())
    due = (
        db.session.execute(
            sa.select(Order).where(Order.status == S.SHIPPED, Order.shipped_at <= shipped_before)
        )
        .scalars()
        .all()
    )
    for order in due:
        try:
            with db.session.begin_nested():
                _deliver_automatically(order, now)
        except Conflict:
            continue
        delivered += 1
    window_start = now - dt.timedelta(days=dispute_window_days())
    due = (
        db.session.execute(
            sa.select(Order).where(Order.status == S.DELIVERED, Order.delivered_at <= window_start)
        )
        .scalars()
        .all()
    )
    for order in due:
        try:
            with db.session.begin_nested():
                complete(None, order)
        except Conflict:
            continue
        completed += 1
    return delivered, completed


def _deliver_automatically(order: Order, now: dt.datetime) -> None:
    move(order, {S.SHIPPED}, S.DELIVERED, delivered_at=now, delivered_automatically=True)
    record_event(order, S.DELIVERED, None, "system", _("Delivered automatically"))
    jobs.enqueue(
        DUE_DELIVERIES_JOB,
        {"order_id": order.id},
        run_at=now + dt.timedelta(days=dispute_window_days(), minutes=1),
        key=f"orders-auto-completion:{order.id}",
    )


def _due_deliveries_job(_payload: dict) -> None:
    """Scheduled at shipping (and at automatic delivery); `flask orders auto-deliver` does the same."""
    run_due_deliveries()  # the job runner commits


JOB_HANDLERS = {DUE_DELIVERIES_JOB: _due_deliveries_job}  # registered by create_app


def escrow_summary(order: Order, figures: ledger.EscrowFigures | None = None) -> dict:
    """The escrow's status and figures; pass figures already read (ledger.figures_of for a page
    of orders) to spare the query."""
    if order.escrow is None:
        zero = Money.zero(order.currency).to_json()
        return {"status": None, "funded": zero, "held": zero, "released": zero,
                "refunded": zero, "fee": zero}  # fmt: skip
    figures = figures if figures is not None else ledger.figures(order.escrow)
    return {"status": order.escrow.status, **figures.to_json()}
