"""Spending limits per buyer and the requisitions opened when a purchase goes above one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import SpendingLimit, User
from marketplace.core import clock
from marketplace.core.access import Permission, Role, get_owned, require, role_allows
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import placing
from marketplace.orders.events import order_held
from marketplace.orders.models import Order
from marketplace.procurement.announce import N_, to_people
from marketplace.procurement.models import Requisition, RequisitionStatus

APPROVALS_PAGE = "procurement_approvals.page"


def limit_for(user: Any) -> SpendingLimit | None:
    return placing.spending_limit_of(user)


def limits(company_id: int) -> list[SpendingLimit]:
    return list(
        db.session.execute(
            sa.select(SpendingLimit)
            .where(SpendingLimit.company_id == company_id)
            .order_by(SpendingLimit.id)
        ).scalars()
    )


def set_limit(actor: Any, user_id: Any, amount: Money | None) -> SpendingLimit | None:
    """The company's owner or admin sets (or, with None, lifts) a colleague's spending limit."""
    require(actor, Permission.MANAGE_MEMBERS)
    person = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if person is None or person.company_id != actor.company_id:
        raise ValidationError({"user_id": [_("Choose a member of your company.")]})
    current = limit_for(person)
    if amount is None:
        if current is not None:
            db.session.delete(current)
            db.session.flush()
        return None
    if amount.amount < 0:
        raise ValidationError({"amount": [_("The limit cannot be negative.")]})
    if current is None:
        current = SpendingLimit(company_id=actor.company_id, user_id=person.id, amount=0,
                                currency=amount.currency)  # fmt: skip
        db.session.add(current)
    current.amount, current.currency = amount.amount, amount.currency
    db.session.flush()
    return current


def needs_approval(user: Any, total: Money) -> bool:
    """Above the person's limit (a limit in another currency cannot be compared: ask, to be safe);
    the rule orders apply to an order placed from offers."""
    return placing.above_spending_limit(user, total)


def approvers(company_id: int, exclude_user_id: int | None = None) -> list[User]:
    roles = [role.value for role in Role if role_allows(role.value, Permission.APPROVE)]
    stmt = sa.select(User).where(
        User.company_id == company_id, User.role.in_(roles), User.disabled_at.is_(None)
    )
    if exclude_user_id is not None:
        stmt = stmt.where(User.id != exclude_user_id)
    return list(db.session.execute(stmt.order_by(User.id)).scalars())


def open_requisition(
    requester: Any, kind: str, object_id: int, title: str, total: Money, bid_id: int | None = None
) -> Requisition:
    requisition = Requisition(
        company_id=requester.company_id,
        requester_id=requester.id,
        kind=kind,
        object_id=object_id,
        bid_id=bid_id,
        title=title[:300],
        amount=total.amount,
        currency=total.currency,
    )
    try:
        with db.session.begin_nested():
            db.session.add(requisition)
            db.session.flush()
    except IntegrityError:
        # the partial unique index: another request opened one for this object a moment ago
        raise Conflict(_("This purchase is already waiting for approval.")) from None
    to_people(
        approvers(requester.company_id, exclude_user_id=requester.id),
        N_("%(requester)s asks you to approve %(title)s for %(total)s."),
        {"title": requisition.title, "requester": requester.full_name, "total": str(total)},
        APPROVALS_PAGE,
    )
    return requisition


def _order_held(order: Order, *, actor: Any, **_extra: Any) -> None:
    """An order above the buyer's limit waits here, next to quotes and awards (orders cannot
    import procurement, so it tells through a signal)."""
    open_requisition(actor, "order", order.id, f"{order.number} · {order.seller.name}",
                     order.net_money)  # fmt: skip


def connect_receivers() -> None:
    """Called by create_app; connecting again changes nothing."""
    order_held.connect(_order_held)


def get_requisition(actor: Any, requisition_id: int) -> Requisition:
    return get_owned(Requisition, requisition_id, getattr(actor, "company_id", None))


def requisitions(company_id: int, status: str | None = None) -> list[Requisition]:
    stmt = sa.select(Requisition).where(Requisition.company_id == company_id)
    if status:
        stmt = stmt.where(Requisition.status == status)
    return list(db.session.execute(stmt.order_by(Requisition.id.desc())).scalars())


def pending_for(kind: str, object_id: int) -> Requisition | None:
    return db.session.execute(
        sa.select(Requisition).where(
            Requisition.kind == kind,
            Requisition.object_id == object_id,
            Requisition.status == RequisitionStatus.PENDING,
        )
    ).scalar_one_or_none()


def check_decider(actor: Any, requisition: Requisition) -> None:
    """An approver of the requisition's company who did not ask for it."""
    require(actor, Permission.APPROVE)
    if requisition.company_id != actor.company_id:
        raise NotFound()
    if requisition.requester_id == actor.id:
        raise Conflict(_("You cannot approve or reject your own requisition."))


def _close(requisition: Requisition, status: str, approver_id: int | None, comment: str) -> None:
    """Pending → decided in one conditional update, so a requisition is decided only once."""
    done = db.session.execute(
        sa.update(Requisition)
        .where(Requisition.id == requisition.id, Requisition.status == RequisitionStatus.PENDING)
        .values(
            status=status, approver_id=approver_id, comment=comment[:2000], decided_at=clock.now()
        )  # fmt: skip
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(requisition)
    if done.rowcount != 1:
        raise Conflict(_("This requisition has already been decided."))


def decide(actor: Any, requisition: Requisition, approve: bool, comment: str) -> Requisition:
    """Record the approver's decision once (a conditional update); the caller acts on it."""
    check_decider(actor, requisition)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError({"comment": [_("Say why you reject the requisition.")]})
    status = RequisitionStatus.APPROVED if approve else RequisitionStatus.REJECTED
    _close(requisition, status, actor.id, comment)
    to_people(
        [requisition.requester],
        N_("%(approver)s approved your requisition %(title)s. %(comment)s")
        if approve
        else N_("%(approver)s rejected your requisition %(title)s. %(comment)s"),
        {"title": requisition.title, "approver": actor.full_name, "comment": comment},
        APPROVALS_PAGE,
    )
    return requisition


def close_expired(actor: Any, requisition: Requisition, expired_on: dt.date) -> Requisition:
    """The terms ran out before an approver said yes: the requisition closes without anyone's
    rejection, and the requester hears why and what to do next."""
    check_decider(actor, requisition)
    comment = _("The supplier's terms expired on %(date)s.", date=expired_on.isoformat())
    _close(requisition, RequisitionStatus.REJECTED, None, comment)
    to_people(
        [requisition.requester],
        N_("%(title)s could not be approved: the supplier's terms expired on %(date)s. Agree new "
           "terms with the supplier and accept them again."),
        {"title": requisition.title, "date": expired_on.isoformat()},
        APPROVALS_PAGE,
    )  # fmt: skip
    return requisition
