"""Placing orders and moving them through their states; every transition is one conditional update.

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
import hashlib
import json
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import SpendingLimit
from marketplace.companies.reference import COUNTRY_CODES
from marketplace.core import clock, jobs
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import documents, notify, pricing, ratings
from marketplace.orders.events import order_held
from marketplace.orders.models import (
    INTERNAL_STATES,
    Dispute,
    DocumentKind,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from marketplace.orders.timing import auto_delivery_days, dispute_window_days, latest_release
from marketplace.payments import ledger
from marketplace.payments import services as payments
from marketplace.payments.events import escrow_funded, late_payment_refunded
from marketplace.payments.models import EscrowAccount, EscrowStatus
from marketplace.payments.providers import available as available_providers

S = OrderStatus
MAX_LINES = 50
DELIVERY_FIELDS = ("name", "street", "city", "postal_code", "country")
DUE_DELIVERIES_JOB = "orders.due_deliveries"


# ---------------------------------------------------------------- reading


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


def orders_query(company_id: int, *, role: str, status: str | None = None, q: str = ""):
    column = Order.buyer_company_id if role == "buyer" else Order.seller_company_id
    stmt = sa.select(Order).where(column == company_id)
    if role != "buyer":
        stmt = stmt.where(Order.status.notin_([str(s) for s in INTERNAL_STATES]))
    if status:
        stmt = stmt.where(Order.status == status)
    if q.strip():
        pattern = f"%{q.strip()}%"
        stmt = stmt.where(
            Order.lines.any(OrderLine.title.ilike(pattern))
            | (sa.cast(Order.id, sa.String) == q.strip().removeprefix("ORD-").lstrip("0"))
        )
    return stmt


# ---------------------------------------------------------------- placing


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
    held = _above_limit(actor, priced.net_total)
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
        _event(order, S.AWAITING_APPROVAL, actor, "buyer")
        order_held.send(order, actor=actor)
        return order, True
    _event(order, S.PLACED, actor, "buyer")
    notify.announce(order, actor, _("Order %(n)s placed.", n=order.number))
    return order, True


def _above_limit(actor: Any, net_total: Money) -> bool:
    """Above the person's spending limit (none set: no limit), compared as procurement does."""
    limit = db.session.execute(
        sa.select(SpendingLimit).where(
            SpendingLimit.company_id == actor.company_id, SpendingLimit.user_id == actor.id
        )
    ).scalar_one_or_none()
    return limit is not None and not limit.covers(net_total)


def release_held(approver: Any, order: Order, comment: str = "") -> Order:
    """The buyer's approver said yes: the order goes to the seller as if placed now."""
    _move(order, {S.AWAITING_APPROVAL}, S.PLACED)
    _event(order, S.PLACED, approver, "buyer", comment)
    notify.announce(order, approver, _("Order %(n)s placed.", n=order.number))
    return order


def refuse_held(approver: Any, order: Order, comment: str) -> Order:
    """The buyer's approver said no: the order closes without ever reaching the seller."""
    _move(order, {S.AWAITING_APPROVAL}, S.REJECTED_INTERNALLY, closed_at=clock.now())
    _event(order, S.REJECTED_INTERNALLY, approver, "buyer", comment)
    return order


# ---------------------------------------------------------------- transitions


def _event(order: Order, status: str, actor: Any, side: str | None, note: str = "") -> None:
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


def _move(order: Order, frm: set[str], to: str, **values: Any) -> None:
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


def _side(actor: Any, order: Order, wanted: str) -> None:
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


def confirm(actor: Any, order: Order) -> Order:
    _side(actor, order, "seller")
    _move(order, {S.PLACED}, S.CONFIRMED, confirmed_at=clock.now())
    _event(order, S.CONFIRMED, actor, "seller")
    documents.issue(order, "confirmation")
    documents.issue(order, "proforma")
    notify.announce(order, actor, _("The seller confirmed order %(n)s.", n=order.number))
    return order


def reject(actor: Any, order: Order, reason: str = "") -> Order:
    _side(actor, order, "seller")
    _move(order, {S.PLACED}, S.REJECTED, closed_at=clock.now())
    _event(order, S.REJECTED, actor, "seller", reason)
    notify.announce(order, actor, _("The seller rejected order %(n)s.", n=order.number))
    return order


def cancel(actor: Any, order: Order, reason: str = "") -> Order:
    """Either side cancels before the money is held; once funded, both sides must agree."""
    side = order.side_of(getattr(actor, "company_id", None))
    if side is None:
        raise NotFound()
    require(actor, Permission.BUY if side == "buyer" else Permission.SELL)
    if order.status in (S.PLACED, S.CONFIRMED):
        _move(order, {S.PLACED, S.CONFIRMED}, S.CANCELLED, closed_at=clock.now())
        if order.escrow is not None:
            payments.cancel_unpaid(actor, order.escrow)
        _event(order, S.CANCELLED, actor, side, reason)
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
        _event(order, "cancel_requested", actor, side, reason)
        notify.announce(
            order,
            actor,
            _("Cancellation of %(n)s requested; the other side must agree.", n=order.number),
        )
        return order
    if order.cancel_requested_by == side:
        raise Conflict(_("You asked to cancel already; the other side must agree."))
    _move(order, {S.FUNDED}, S.REFUNDED, closed_at=clock.now())
    payments.refund_all(actor, order.escrow)
    _event(order, S.REFUNDED, actor, side, reason)
    notify.announce(
        order, actor, _("Both sides cancelled %(n)s; the buyer is refunded.", n=order.number)
    )
    return order


def choose_payment(actor: Any, order: Order, provider: str) -> EscrowAccount:
    """The buyer picks how to pay; the escrow opens with a payment reference (or a PaymentIntent)."""
    _side(actor, order, "buyer")
    if provider not in available_providers():
        raise ValidationError(
            {"provider": [_("Choose one of: %(p)s.", p=", ".join(available_providers()))]}
        )
    if order.status != S.CONFIRMED:
        raise Conflict(_("Payment opens once the seller has confirmed the order."))
    if order.escrow is not None:
        if order.escrow.provider == provider:
            return order.escrow
        raise Conflict(_("The payment method was chosen already."))
    escrow = payments.open_escrow(
        label=order.number,
        due=order.total_money,
        buyer_company_id=order.buyer_company_id,
        seller_company_id=order.seller_company_id,
        provider=provider,
        latest_release=latest_release(order),
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
    _event(order, "payment_opened", actor, "buyer", provider)
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


@escrow_funded.connect
def _on_escrow_funded(escrow: EscrowAccount, **_kwargs: Any) -> None:
    order = db.session.execute(
        sa.select(Order).where(Order.escrow_id == escrow.id)
    ).scalar_one_or_none()
    if order is None or order.status != S.CONFIRMED:
        return
    _move(order, {S.CONFIRMED}, S.FUNDED, funded_at=clock.now())
    _event(order, S.FUNDED, None, "system", escrow.payment_reference)
    notify.announce(
        order, None, _("The buyer's payment for %(n)s is held in escrow.", n=order.number)
    )


@late_payment_refunded.connect
def _on_late_payment_refunded(escrow: EscrowAccount, amount: Money, **_kwargs: Any) -> None:
    order = db.session.execute(
        sa.select(Order).where(Order.escrow_id == escrow.id)
    ).scalar_one_or_none()
    if order is None:
        return
    _event(order, "payment_refunded", None, "system", str(amount))
    notify.announce(
        order, None, _("A card payment of %(a)s for the cancelled order %(n)s arrived late; it is "
                       "refunded in full.", a=amount, n=order.number)
    )  # fmt: skip


def ship(actor: Any, order: Order, carrier: str, tracking_number: str) -> Order:
    _side(actor, order, "seller")
    errors = {}
    if not (carrier or "").strip():
        errors["carrier"] = [_("This field is required.")]
    if not (tracking_number or "").strip():
        errors["tracking_number"] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    _move(
        order,
        {S.FUNDED},
        S.SHIPPED,
        shipped_at=clock.now(),
        carrier=carrier.strip()[:120],
        tracking_number=tracking_number.strip()[:120],
    )
    _event(order, S.SHIPPED, actor, "seller", f"{order.carrier} {order.tracking_number}")
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
    _side(actor, order, "buyer")
    _move(order, {S.SHIPPED}, S.DELIVERED, delivered_at=clock.now())
    _event(order, S.DELIVERED, actor, "buyer")
    return complete(actor, order)


def complete(actor: Any, order: Order) -> Order:
    _move(order, {S.DELIVERED}, S.COMPLETED, completed_at=clock.now(), closed_at=clock.now())
    payments.release(actor, order.escrow)
    documents.issue(order, "invoice")
    ratings.refresh_scorecard(order.seller_company_id)
    _event(order, S.COMPLETED, actor, "buyer" if actor is not None else "system")
    notify.announce(
        order,
        actor,
        _("Order %(n)s completed; the payment is released to the seller.", n=order.number),
    )
    return order


def run_due_deliveries() -> tuple[int, int]:
    """Job: mark shipped orders delivered N days after shipping, and complete automatically
    delivered ones whose dispute window has passed. Returns (delivered, completed)."""
    now = clock.now()
    delivered = completed = 0
    shipped_before = now - dt.timedelta(days=auto_delivery_days())
    for order in db.session.execute(
        sa.select(Order).where(Order.status == S.SHIPPED, Order.shipped_at <= shipped_before)
    ).scalars():
        try:
            _move(order, {S.SHIPPED}, S.DELIVERED, delivered_at=now, delivered_automatically=True)
        except Conflict:
            continue
        _event(order, S.DELIVERED, None, "system", _("Delivered automatically"))
        jobs.enqueue(
            DUE_DELIVERIES_JOB,
            {"order_id": order.id},
            run_at=now + dt.timedelta(days=dispute_window_days(), minutes=1),
            key=f"orders-auto-completion:{order.id}",
        )
        delivered += 1
    window_start = now - dt.timedelta(days=dispute_window_days())
    for order in db.session.execute(
        sa.select(Order).where(Order.status == S.DELIVERED, Order.delivered_at <= window_start)
    ).scalars():
        try:
            complete(None, order)
        except Conflict:
            continue
        completed += 1
    return delivered, completed


@jobs.handler(DUE_DELIVERIES_JOB)
def _due_deliveries_job(_payload: dict) -> None:
    """Scheduled at shipping (and at automatic delivery); `flask orders auto-deliver` does the same."""
    run_due_deliveries()  # the job runner commits


def open_dispute(actor: Any, order: Order, reason: str) -> Dispute:
    _side(actor, order, "buyer")
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Tell the operator what went wrong.")]})
    window = dt.timedelta(days=dispute_window_days())
    if order.status == S.DELIVERED and clock.now() > order.delivered_at + window:
        raise Conflict(_("The dispute window for this order has closed."))
    previous = order.status
    _move(order, {S.FUNDED, S.SHIPPED, S.DELIVERED}, S.DISPUTED)
    dispute = Dispute(
        order_id=order.id,
        opened_by_id=actor.id,
        reason=reason.strip()[:4000],
        previous_status=previous,
    )
    db.session.add(dispute)
    db.session.flush()
    db.session.expire(order, ["disputes"])
    _event(order, S.DISPUTED, actor, "buyer", reason)
    ratings.refresh_scorecard(order.seller_company_id)
    notify.announce(order, actor, _("The buyer opened a dispute on %(n)s.", n=order.number))
    return dispute


def resolve_dispute(operator: Any, dispute_id: int, refund: Money, note: str = "") -> Dispute:
    """The operator decides: refund all, release all, or split (refund part, release the rest).

    Releasing anything issues the invoice; a split also issues a correcting invoice for the
    refunded part. A full refund is no sale and issues neither."""
    dispute = db.session.get(Dispute, dispute_id)
    if dispute is None:
        raise NotFound()
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
    _move(order, {S.DISPUTED}, S.RESOLVED, closed_at=clock.now())
    payments.settle(operator, order.escrow, refund)
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
    _event(order, S.RESOLVED, operator, "operator", _("Refund %(r)s", r=refund))
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
    return list(
        db.session.execute(
            sa.select(Dispute).where(Dispute.resolved_at.is_(None)).order_by(Dispute.id)
        ).scalars()
    )


def escrow_summary(order: Order) -> dict:
    if order.escrow is None:
        zero = Money.zero(order.currency).to_json()
        return {"status": None, "funded": zero, "held": zero, "released": zero,
                "refunded": zero, "fee": zero}  # fmt: skip
    return {"status": order.escrow.status, **ledger.figures(order.escrow).to_json()}


def status_label(status: str) -> str:
    labels = {
        S.AWAITING_APPROVAL: _("awaiting approval"), S.REJECTED_INTERNALLY: _("not approved"),
        S.PLACED: _("placed"), S.CONFIRMED: _("confirmed"), S.REJECTED: _("rejected"),
        S.CANCELLED: _("cancelled"), S.FUNDED: _("funded"), S.SHIPPED: _("shipped"),
        S.DELIVERED: _("delivered"), S.COMPLETED: _("completed"), S.DISPUTED: _("disputed"),
        S.RESOLVED: _("resolved"), S.REFUNDED: _("refunded"),
        "cancel_requested": _("cancellation requested"), "payment_opened": _("payment opened"),
        "payment_refunded": _("late payment refunded"),
        EscrowStatus.AWAITING: _("awaiting payment"), EscrowStatus.PARTIAL: _("partially paid"),
        EscrowStatus.RELEASED: _("released"), EscrowStatus.SETTLED: _("settled"),
    }  # fmt: skip
    return str(labels.get(status, status))
