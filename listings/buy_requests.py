"""Every change to buy requests, and who may see one (public, or the invited companies)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from listings import categories
from listings.models import BuyRequest, BuyRequestInvitation, Category, RequestStatus, Visibility
from listings.reference import MAX_INVITED
from listings.validation import validate_request
from marketplace.companies.models import Company, CompanyStatus
from marketplace.core import clock, jobs
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.bounds import ID, whole
from marketplace.core.errors import Conflict, NotFound
from marketplace.core.extensions import db
from marketplace.core.pagination import Page, paginate

_SCALARS = (
    "title", "description", "language", "quantity", "unit", "target_unit_price", "currency",
    "needed_by", "delivery_country", "delivery_city", "delivery_latitude", "delivery_longitude",
    "visibility",
)  # fmt: skip
CLOSE_JOB = "listings.close_expired_requests"


def _active_company_ids(ids: list[Any]) -> set[int]:
    numbers = [n for n in (whole(raw, ID) for raw in ids or []) if n is not None]
    if not numbers or len(numbers) > MAX_INVITED:  # too many: validate_request says so
        return set()
    return set(
        db.session.execute(
            sa.select(Company.id).where(
                Company.id.in_(numbers), Company.status == CompanyStatus.ACTIVE
            )
        ).scalars()
    )


def _apply(request: BuyRequest, values: dict[str, Any]) -> None:
    for field in _SCALARS:
        if field in values:
            setattr(request, field, values[field])
    if values.get("category") is not None:
        request.category = values["category"]
        request.category_id = values["category"].id
    wanted = set(values.get("invited_company_ids") or [])
    if values.get("visibility") == Visibility.PUBLIC:
        wanted = set()
    current = {link.company_id: link for link in request.invitations}
    for company_id, link in current.items():
        if company_id not in wanted:
            request.invitations.remove(link)
    for company_id in sorted(wanted - set(current)):
        request.invitations.append(BuyRequestInvitation(company_id=company_id))


def create_request(actor: Any, data: dict[str, Any]) -> BuyRequest:
    require(actor, Permission.BUY)
    values = validate_request(
        data,
        categories.slug_map(),
        own_company_id=actor.company_id,
        active_company_ids=_active_company_ids(data.get("invited_company_ids") or []),
    )
    request = BuyRequest(company_id=actor.company_id, status=RequestStatus.OPEN)
    _apply(request, values)
    db.session.add(request)
    db.session.flush()
    schedule_close(request)
    return request


def update_request(actor: Any, request: BuyRequest, data: dict[str, Any]) -> BuyRequest:
    require(actor, Permission.BUY)
    request = get_owned(BuyRequest, request.id, actor.company_id)
    if not request.is_open:
        raise Conflict(_("Only an open buy request can be changed."))
    values = validate_request(
        data,
        categories.slug_map(),
        current=request,
        own_company_id=actor.company_id,
        active_company_ids=_active_company_ids(
            data.get("invited_company_ids") or request.invited_company_ids
        ),
    )
    moved = values.get("needed_by") not in (None, request.needed_by)
    _apply(request, values)
    request.updated_at = clock.now()
    db.session.flush()
    if moved:
        schedule_close(request)
    return request


def change_status(actor: Any, request: BuyRequest, status: str) -> BuyRequest:
    """open → closed | cancelled; a closed or cancelled request stays so."""
    require(actor, Permission.BUY)
    request = get_owned(BuyRequest, request.id, actor.company_id)
    if status not in (RequestStatus.CLOSED, RequestStatus.CANCELLED):
        raise Conflict(_("A buy request can only be closed or cancelled."))
    if request.status != RequestStatus.OPEN:
        raise Conflict(_("This buy request is no longer open."))
    request.status = status
    request.closed_at = clock.now()
    request.updated_at = clock.now()
    db.session.flush()
    return request


def close(actor: Any, request: BuyRequest) -> BuyRequest:
    return change_status(actor, request, RequestStatus.CLOSED)


def cancel(actor: Any, request: BuyRequest) -> BuyRequest:
    return change_status(actor, request, RequestStatus.CANCELLED)


def bulk_change_status(actor: Any, request_ids: list[int], status: str) -> tuple[int, list[str]]:
    require(actor, Permission.BUY)
    changed, problems = 0, []
    for request_id in request_ids:
        try:
            request = get_owned(BuyRequest, request_id, actor.company_id)
            change_status(actor, request, status)
        except NotFound:
            continue
        except Conflict as error:
            problems.append(f"#{request_id}: {error.message}")
        else:
            changed += 1
    return changed, problems


def schedule_close(request: BuyRequest) -> None:
    """A job for when the needed-by day is over (UTC); the close itself checks the date again,
    so the job of a deadline moved later closes nothing."""
    day_after = request.needed_by + dt.timedelta(days=1)
    jobs.enqueue(
        CLOSE_JOB,
        {"request_id": request.id},
        run_at=dt.datetime.combine(day_after, dt.time.min, tzinfo=dt.UTC),
        key=f"buy-request-close:{request.id}:{request.needed_by.isoformat()}",
    )


def close_expired_requests() -> int:
    """The deadline sweep: open requests past their needed-by date become closed (the scheduled
    job and `flask listings close-expired`)."""
    result = db.session.execute(
        sa.update(BuyRequest)
        .where(BuyRequest.status == RequestStatus.OPEN, BuyRequest.needed_by < clock.today())
        .values(status=RequestStatus.CLOSED, closed_at=clock.now(), updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _close_job(_payload: dict) -> None:
    close_expired_requests()  # the job runner commits


JOB_HANDLERS = {CLOSE_JOB: _close_job}  # registered by create_app


# -- reading ----------------------------------------------------------------------------------


def _visible_to(viewer_company_id: int | None) -> sa.ColumnElement[bool]:
    """Public requests of active companies, plus, for a viewer, their own and those inviting them."""
    public = sa.and_(
        BuyRequest.visibility == Visibility.PUBLIC, Company.status == CompanyStatus.ACTIVE
    )
    if viewer_company_id is None:
        return public
    invited = sa.exists().where(
        BuyRequestInvitation.buy_request_id == BuyRequest.id,
        BuyRequestInvitation.company_id == viewer_company_id,
    )
    return sa.or_(
        public,
        BuyRequest.company_id == viewer_company_id,
        sa.and_(invited, Company.status == CompanyStatus.ACTIVE),
    )


def visible_request(request_id: int, viewer_company_id: int | None) -> BuyRequest | None:
    return db.session.execute(
        sa.select(BuyRequest)
        .join(Company, Company.id == BuyRequest.company_id)
        .where(BuyRequest.id == request_id, _visible_to(viewer_company_id))
    ).scalar_one_or_none()


def request_for_viewer(request_id: int, viewer_company_id: int | None) -> BuyRequest:
    request = visible_request(request_id, viewer_company_id)
    if request is None:
        raise NotFound()
    return request


def open_requests(
    viewer_company_id: int | None,
    *,
    category: Category | None = None,
    cursor: str | None = None,
    limit: int = 24,
) -> Page:
    """Open, not yet due requests the viewer may see, newest first."""
    stmt = (
        sa.select(BuyRequest)
        .join(Company, Company.id == BuyRequest.company_id)
        .where(BuyRequest.shown_as(RequestStatus.OPEN), _visible_to(viewer_company_id))
    )
    if category is not None:
        stmt = stmt.where(BuyRequest.category_id.in_(categories.subtree_ids(category)))
    return paginate(
        stmt, order=BuyRequest.created_at, tiebreak=BuyRequest.id, cursor=cursor, limit=limit
    )


def company_requests(
    company_id: int, *, status: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    """The company's own requests; status filters as the pages show it (past the deadline is closed)."""
    stmt = sa.select(BuyRequest).where(BuyRequest.company_id == company_id)
    if status:
        stmt = stmt.where(BuyRequest.shown_as(status))
    return paginate(
        stmt, order=BuyRequest.created_at, tiebreak=BuyRequest.id, cursor=cursor, limit=limit
    )
