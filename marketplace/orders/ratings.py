"""Buyers' ratings of suppliers after completed orders, the supplier's reply, and the scorecard.

The scorecard figures are written onto the company through `companies.services` so the profile
and the search document can read them without importing orders.
"""

from __future__ import annotations

import statistics
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.companies import services as companies
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.access import Permission, require
from marketplace.core.clock import as_utc
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.orders import scorecard_sync
from marketplace.orders.models import Dispute, Order, OrderStatus, Review
from messaging.models import Message, MessageKind, ThreadParticipant

RATED_FIELDS = ("quality", "on_time", "communication")
REVIEWABLE = (OrderStatus.COMPLETED, OrderStatus.RESOLVED)
# Orders that reached the money stage count for delivery and dispute rates.
TRADED = (
    OrderStatus.FUNDED, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.COMPLETED,
    OrderStatus.DISPUTED, OrderStatus.RESOLVED, OrderStatus.REFUNDED,
)  # fmt: skip


def review_of(order: Order) -> Review | None:
    return db.session.execute(
        sa.select(Review).where(Review.order_id == order.id)
    ).scalar_one_or_none()


def leave_review(actor: Any, order: Order, data: dict[str, Any]) -> Review:
    """The buyer rates the supplier once per completed order."""
    if order.side_of(getattr(actor, "company_id", None)) != "buyer":
        raise PermissionDenied(_("Only the buyer can rate the supplier."))
    require(actor, Permission.BUY)
    errors: dict[str, list[str]] = {}
    values: dict[str, int] = {}
    for field in RATED_FIELDS:
        value = data.get(field)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            errors[field] = [_("Give a whole number from 1 to 5.")]
        else:
            values[field] = value
    comment = str(data.get("comment") or "").strip()
    if len(comment) > 2000:
        errors["comment"] = [_("At most 2000 characters.")]
    if errors:
        raise ValidationError(errors)
    if order.status not in REVIEWABLE:
        raise Conflict(_("You can rate the supplier once the order is completed."))
    if review_of(order) is not None:
        raise Conflict(_("You rated this order already."))
    review = Review(
        order_id=order.id,
        seller_company_id=order.seller_company_id,
        buyer_company_id=order.buyer_company_id,
        author_id=actor.id,
        comment=comment,
        **values,
    )
    db.session.add(review)
    db.session.flush()
    refresh_scorecard(order.seller_company_id)
    return review


def reply(actor: Any, order: Order, text: str) -> Review:
    """The supplier answers a rating once."""
    if order.side_of(getattr(actor, "company_id", None)) != "seller":
        raise PermissionDenied(_("Only the supplier can reply."))
    require(actor, Permission.SELL)
    review = review_of(order)
    if review is None:
        raise NotFound()
    text = (text or "").strip()
    if not text or len(text) > 2000:
        raise ValidationError({"reply": [_("Write a reply of at most 2000 characters.")]})
    done = db.session.execute(
        sa.update(Review)
        .where(Review.id == review.id, Review.reply.is_(None))
        .values(reply=text, replied_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        raise Conflict(_("You replied to this rating already."))
    db.session.refresh(review)
    return review


def reviews_of(company_id: int, limit: int = 20) -> list[Review]:
    return list(
        db.session.execute(
            sa.select(Review)
            .where(Review.seller_company_id == company_id)
            .order_by(Review.id.desc())
            .limit(limit)
        ).scalars()
    )


def compute_scorecard(company_id: int, first_response_minutes: float | None = None) -> dict:
    """Average ratings, orders completed, on-time delivery rate, dispute rate, response time."""
    averages = db.session.execute(
        sa.select(
            sa.func.count(Review.id),
            sa.func.avg(Review.quality),
            sa.func.avg(Review.on_time),
            sa.func.avg(Review.communication),
        ).where(Review.seller_company_id == company_id)
    ).one()
    count, quality, on_time, communication = averages
    traded = list(
        db.session.execute(
            sa.select(Order).where(
                Order.seller_company_id == company_id, Order.status.in_([str(s) for s in TRADED])
            )
        ).scalars()
    )
    delivered = [o for o in traded if o.delivered_at is not None and o.requested_date is not None]
    on_time_count = sum(1 for o in delivered if _on_time(o))
    disputed = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Dispute.order_id)))
        .join(Dispute.order)
        .where(Order.seller_company_id == company_id)
    ).scalar_one()

    def rounded(value: Any) -> float | None:
        return round(float(value), 2) if value is not None else None

    overall = (
        rounded(statistics.mean([float(quality), float(on_time), float(communication)]))
        if count
        else None
    )
    return {
        "ratings_count": int(count),
        "rating_quality": rounded(quality),
        "rating_on_time": rounded(on_time),
        "rating_communication": rounded(communication),
        "rating_overall": overall,
        "orders_completed": sum(1 for o in traded if o.status == OrderStatus.COMPLETED),
        "on_time_rate": rounded(on_time_count / len(delivered)) if delivered else None,
        "dispute_rate": rounded(disputed / len(traded)) if traded else None,
        "median_first_response_minutes": first_response_minutes,
    }


def _on_time(order: Order) -> bool:
    """The on-time rule the scorecard states: only orders with an agreed delivery date count
    (the caller leaves the others out). A delivery the buyer confirmed is on time when confirmed
    by that date; one recorded automatically says nothing about the day the goods arrived, so it
    is on time only when the goods were shipped by that date."""
    moment = order.shipped_at if order.delivered_automatically else order.delivered_at
    return moment is not None and as_utc(moment).date() <= order.requested_date


def median_first_response_minutes(company_id: int) -> float | None:
    """Median minutes from a partner's first message in a thread to the company's first answer."""
    first_in = (
        sa.select(Message.thread_id, sa.func.min(Message.created_at).label("asked"))
        .join(ThreadParticipant, ThreadParticipant.thread_id == Message.thread_id)
        .where(
            ThreadParticipant.company_id == company_id,
            Message.kind == MessageKind.USER,
            Message.author_company_id != company_id,
        )
        .group_by(Message.thread_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(first_in.c.asked, sa.func.min(Message.created_at))
        .join(Message, Message.thread_id == first_in.c.thread_id)
        .where(
            Message.author_company_id == company_id,
            Message.kind == MessageKind.USER,
            Message.created_at > first_in.c.asked,
        )
        .group_by(first_in.c.thread_id, first_in.c.asked)
    ).all()
    delays = [(as_utc(answered) - as_utc(asked)).total_seconds() / 60 for asked, answered in rows]
    return round(statistics.median(delays), 1) if delays else None


def public_scorecard(company_id: int) -> dict:
    """The scorecard of an active company as the profile and the API show it; NotFound for an
    unknown or suspended company."""
    if companies.public_company(company_id) is None:
        raise NotFound()
    return compute_scorecard(company_id, median_first_response_minutes(company_id))


def refresh_scorecard(company_id: int) -> dict:
    figures = compute_scorecard(company_id, median_first_response_minutes(company_id))
    company = db.session.get(Company, company_id)
    if company is not None:
        companies.set_scorecard(company, figures)
    return figures


def _refresh_job(payload: dict) -> None:
    """The company answered in a thread: its median first response may have changed."""
    refresh_scorecard(int(payload["company_id"]))  # the job runner commits


JOB_HANDLERS = {scorecard_sync.REFRESH_JOB: _refresh_job}  # registered by create_app
