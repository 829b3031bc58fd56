"""Quotes on buy requests: the supplier's first terms, counter-offers as revisions, acceptance → order."""

from __future__ import annotations

import datetime as dt
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from listings import buy_requests
from listings.models import BuyRequest, RequestStatus
from listings.reference import INCOTERMS
from marketplace.core import clock, uploads
from marketplace.core.access import Permission, require
from marketplace.core.bounds import COUNT, MINOR_UNITS, PRICE, QUANTITY, Bound
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import CURRENCIES, Money
from marketplace.core.pagination import Page, paginate
from marketplace.orders.negotiated import place_negotiated_order
from marketplace.procurement import approvals
from marketplace.procurement.announce import N_, in_thread
from marketplace.procurement.models import (
    Quote,
    QuoteAttachment,
    QuoteRevision,
    QuoteStatus,
    Side,
)

Upload = tuple[IO[bytes], str]
MAX_ATTACHMENTS = 3
TERMS = (
    "unit_price", "quantity", "currency", "lead_time_days", "valid_until", "incoterm",
    "shipping_cost", "payment_terms", "note",
)  # fmt: skip
MAX_LEAD_DAYS = 730


# ---------------------------------------------------------------- reading


def get_quote(actor: Any, quote_id: int) -> Quote:
    """The quote when the actor's company is its buyer or supplier; otherwise NotFound."""
    quote = db.session.get(Quote, quote_id)
    if quote is None or quote.side_of(getattr(actor, "company_id", None)) is None:
        raise NotFound()
    return quote


def readable_quotes(actor: Any, *, cursor: str | None, limit: int) -> Page:
    """Every quote get_quote lets the actor's company read: those it sent and those it got,
    newest first."""
    require(actor, Permission.READ)
    company_id = actor.company_id
    stmt = sa.select(Quote).where(
        (Quote.buyer_company_id == company_id) | (Quote.supplier_company_id == company_id)
    )
    return paginate(stmt, order=Quote.created_at, tiebreak=Quote.id, cursor=cursor, limit=limit)


def quotes_for_request(actor: Any, request_id: int) -> list[Quote]:
    """All quotes for the buyer; only their own for a supplier."""
    request = buy_requests.request_for_viewer(request_id, getattr(actor, "company_id", None))
    stmt = sa.select(Quote).where(Quote.buy_request_id == request.id)
    if request.company_id != actor.company_id:
        stmt = stmt.where(Quote.supplier_company_id == actor.company_id)
    return list(db.session.execute(stmt.order_by(Quote.id)).scalars())


def comparison(quotes: list[Quote], sort: str = "landed") -> list[Quote]:
    """Quotes in the order of the comparison table: landed unit price or lead time, then the other."""

    def landed(q: Quote) -> int:
        return q.latest.landed_unit_price.amount

    if sort == "lead_time":
        return sorted(quotes, key=lambda q: (q.latest.lead_time_days, landed(q), q.id))
    return sorted(quotes, key=lambda q: (landed(q), q.latest.lead_time_days, q.id))


def company_quotes(company_id: int, side: str) -> list[Quote]:
    column = Quote.buyer_company_id if side == Side.BUYER else Quote.supplier_company_id
    return list(
        db.session.execute(
            sa.select(Quote).where(column == company_id).order_by(Quote.updated_at.desc())
        ).scalars()
    )


def awaiting_answer(quote: Quote, company_id: int) -> bool:
    """It is this company's turn: the quote is open and the other side wrote the latest revision."""
    return quote.status == QuoteStatus.OPEN and quote.latest.side != quote.side_of(company_id)


# ---------------------------------------------------------------- validation


def _terms(data: dict[str, Any], base: QuoteRevision | None, request: BuyRequest) -> dict:
    """Complete, checked terms: what the data gives, the rest from the revision answered."""
    values = {name: getattr(base, name) for name in TERMS} if base is not None else {}
    values.update({k: v for k, v in data.items() if k in TERMS and v is not None})
    values.setdefault("quantity", request.quantity)
    values.setdefault("currency", request.currency)
    values.setdefault("shipping_cost", 0)
    errors: dict[str, list[str]] = {}

    def in_range(name: str, message: str, bound: Bound) -> None:
        if values.get(name) not in bound:
            errors[name] = [message]

    in_range("unit_price", _("Give a unit price above zero."), PRICE)
    in_range("quantity", _("Give a quantity above zero."), QUANTITY)
    in_range("shipping_cost", _("Shipping cannot be negative."), MINOR_UNITS)
    in_range("lead_time_days", _("Give the lead time in days (0 or more)."), COUNT)
    if "lead_time_days" not in errors and values["lead_time_days"] > MAX_LEAD_DAYS:
        errors["lead_time_days"] = [_("At most %(n)s days.", n=MAX_LEAD_DAYS)]
    currency = str(values.get("currency") or "").upper()
    if currency not in CURRENCIES:
        errors["currency"] = [_("Unknown currency.")]
    elif currency != request.currency:
        errors["currency"] = [_("Quote in the request's currency (%(c)s).", c=request.currency)]
    values["currency"] = currency
    valid_until = values.get("valid_until")
    if not isinstance(valid_until, dt.date):
        errors["valid_until"] = [_("Give the date until which the terms hold.")]
    elif valid_until < clock.today():
        errors["valid_until"] = [_("The validity date is in the past.")]
    incoterm = (values.get("incoterm") or "").strip().upper() or None
    if incoterm and incoterm not in INCOTERMS:
        errors["incoterm"] = [_("Unknown Incoterm.")]
    values["incoterm"] = incoterm
    values["payment_terms"] = str(values.get("payment_terms") or "").strip()
    if len(values["payment_terms"]) > 200:
        errors["payment_terms"] = [_("At most 200 characters.")]
    values["note"] = str(values.get("note") or "").strip()
    if len(values["note"]) > 5000:
        errors["note"] = [_("At most 5000 characters.")]
    if errors:
        raise ValidationError(errors)
    return values


def _check_files(files: list[Upload]) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": [_("At most %(n)s files per offer.", n=MAX_ATTACHMENTS)]}
        )


def _add_revision(
    quote: Quote, actor: Any, side: str, terms: dict, files: list[Upload]
) -> QuoteRevision:
    revision = QuoteRevision(
        number=len(quote.revisions) + 1, side=side, author_id=actor.id, **terms
    )
    quote.revisions.append(revision)
    quote.updated_at = clock.now()
    max_bytes = int(current_app.config.get("PROCUREMENT_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))
    for stream, filename in files:
        stored = uploads.store(stream, filename, field="attachments",
                               allowed=uploads.ATTACHMENT_TYPES, max_bytes=max_bytes)  # fmt: skip
        quote.attachments.append(
            QuoteAttachment(
                revision_number=revision.number,
                key=stored.key,
                content_type=stored.content_type,
                size=stored.size,
                filename=stored.filename,
            )  # fmt: skip
        )
    db.session.flush()
    return revision


def get_attachment(actor: Any, quote_id: int, attachment_id: int) -> QuoteAttachment:
    quote = get_quote(actor, quote_id)
    attachment = next((a for a in quote.attachments if a.id == attachment_id), None)
    if attachment is None:
        raise NotFound()
    return attachment


def _say(quote: Quote, request: BuyRequest, text: str, **data: Any) -> None:
    quote.thread_id = in_thread(
        quote.buyer_company_id,
        quote.supplier_company_id,
        ("buy_request", request.id),
        request.title,
        text,
        {"number": quote.number, **data},
    )


# ---------------------------------------------------------------- changes


def send_quote(
    actor: Any, request_id: int, data: dict[str, Any], files: list[Upload] | None = None
) -> Quote:
    """A supplier answers a buy request with its first terms."""
    require(actor, Permission.SELL)
    request = buy_requests.request_for_viewer(request_id, actor.company_id)
    if request.company_id == actor.company_id:
        raise Conflict(_("You cannot quote on your own company's request."))
    if not request.is_open:
        raise Conflict(_("This request no longer takes quotes."))
    terms = _terms(data, None, request)
    _check_files(files or [])
    existing = db.session.execute(
        sa.select(Quote).where(
            Quote.buy_request_id == request.id, Quote.supplier_company_id == actor.company_id
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Conflict(_("Your company has already quoted; send a counter-offer on that quote."))
    quote = Quote(
        buy_request_id=request.id,
        buyer_company_id=request.company_id,
        supplier_company_id=actor.company_id,
    )
    db.session.add(quote)
    db.session.flush()
    revision = _add_revision(quote, actor, Side.SUPPLIER, terms, files or [])
    _say(quote, request, N_("Quote %(number)s sent: %(price)s per unit, lead time %(days)s days."),
         price=str(revision.unit_money), days=revision.lead_time_days)  # fmt: skip
    return quote


def _acting_side(actor: Any, quote: Quote) -> str:
    side = quote.side_of(getattr(actor, "company_id", None))
    if side is None:
        raise NotFound()
    require(actor, Permission.BUY if side == Side.BUYER else Permission.SELL)
    return side


def move(quote: Quote, frm: str, to: str, **values: Any) -> None:
    """One conditional update, so a repeated or concurrent answer cannot apply twice."""
    done = db.session.execute(
        sa.update(Quote)
        .where(Quote.id == quote.id, Quote.status == frm)
        .values(status=to, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(quote)
    if done.rowcount != 1:
        raise Conflict(_("This quote has already been answered."))


def counter(
    actor: Any, quote: Quote, data: dict[str, Any], files: list[Upload] | None = None
) -> QuoteRevision:
    """The side whose turn it is proposes new terms (changed fields; the rest stays as it was)."""
    side = _acting_side(actor, quote)
    if quote.status != QuoteStatus.OPEN:
        raise Conflict(_("This quote is closed."))
    if quote.latest.side == side:
        raise Conflict(_("Wait for the other side to answer your last offer."))
    request = db.session.get(BuyRequest, quote.buy_request_id)
    terms = _terms(data, quote.latest, request)
    _check_files(files or [])
    seen = len(quote.revisions)
    revision = _add_revision(quote, actor, side, terms, files or [])
    if revision.number != seen + 1:  # pragma: no cover - guarded by the unique constraint
        raise Conflict(_("This quote has already been answered."))
    _say(quote, request, N_("Counter-offer on %(number)s: %(price)s per unit, %(qty)s units, "
                            "lead time %(days)s days."),
         price=str(revision.unit_money), qty=revision.quantity, days=revision.lead_time_days)  # fmt: skip
    return revision


def _lock_request(request_id: int) -> None:
    """Hold the buy request's row until the commit: accepts of its quotes run one after another,
    so the "already accepted" check below sees a concurrent accept once it has committed
    (SQLite needs no lock: its writers already queue at BEGIN IMMEDIATE)."""
    db.session.execute(
        sa.select(BuyRequest.id).where(BuyRequest.id == request_id).with_for_update()
    )


def accept(actor: Any, quote: Quote) -> Quote:
    """Accept the other side's latest revision: an order, or a requisition above the buyer's limit."""
    side = _acting_side(actor, quote)
    if quote.status != QuoteStatus.OPEN:
        raise Conflict(_("This quote is closed."))
    latest = quote.latest
    if latest.side == side:
        raise Conflict(_("You cannot accept your own offer; wait for the other side."))
    if latest.is_expired:
        raise Conflict(
            _("These terms expired on %(date)s; send a counter-offer instead.",
              date=latest.valid_until.isoformat())
        )  # fmt: skip
    _lock_request(quote.buy_request_id)
    taken = db.session.execute(
        sa.select(Quote.id).where(
            Quote.buy_request_id == quote.buy_request_id,
            Quote.id != quote.id,
            Quote.status.in_([QuoteStatus.ACCEPTED, QuoteStatus.AWAITING_APPROVAL]),
        )
    ).first()
    if taken is not None:
        raise Conflict(_("Another quote on this request has already been accepted."))
    buyer_person = actor if side == Side.BUYER else latest.author
    request = db.session.get(BuyRequest, quote.buy_request_id)
    if buyer_person is not None and approvals.needs_approval(buyer_person, latest.total):
        move(quote, QuoteStatus.OPEN, QuoteStatus.AWAITING_APPROVAL)
        approvals.open_requisition(
            buyer_person, "quote", quote.id, f"{quote.number} · {request.title}", latest.total
        )
        return quote  # the supplier hears of the acceptance once it is approved (finish)
    move(quote, QuoteStatus.OPEN, QuoteStatus.ACCEPTED)
    finish(quote, buyer_person or actor)
    return quote


def finish(quote: Quote, buyer_person: Any) -> None:
    """Place the order for the accepted terms and decline the request's other open quotes."""
    latest = quote.latest
    request = db.session.get(BuyRequest, quote.buy_request_id)
    order = place_negotiated_order(
        buyer_person,
        seller_company_id=quote.supplier_company_id,
        title=request.title,
        unit=request.unit,
        quantity=latest.quantity,
        unit_price=latest.unit_money,
        shipping=Money(latest.shipping_cost, latest.currency),
        incoterm=latest.incoterm,
        note=f"{quote.number} r{latest.number}. {latest.payment_terms}".strip(),
    )
    quote.order_id = order.id
    quote.status = QuoteStatus.ACCEPTED
    db.session.flush()
    _say(quote, request, N_("Quote %(number)s accepted. Order %(order)s has been placed."),
         order=order.number)  # fmt: skip
    # the request is answered: it takes no new quotes (one closed or cancelled stays as it is)
    if request.status == RequestStatus.OPEN and buyer_person.company_id == request.company_id:
        buy_requests.close(buyer_person, request)
    # only quotes still open: one a supplier withdraws meanwhile keeps its own status
    declined = (
        db.session.execute(
            sa.update(Quote)
            .where(
                Quote.buy_request_id == quote.buy_request_id,
                Quote.id != quote.id,
                Quote.status == QuoteStatus.OPEN,
            )
            .values(status=QuoteStatus.DECLINED, updated_at=clock.now())
            .returning(Quote.id)
            .execution_options(synchronize_session=False)
        )
        .scalars()
        .all()
    )
    for other in _fresh(declined):
        _say(other, request, N_("Thank you for quote %(number)s. The buyer has chosen another "
                                "offer for this request this time; we hope to work with you soon."))  # fmt: skip
    db.session.flush()


def _fresh(quote_ids: list[int]) -> list[Quote]:
    """The quotes as the database has them now (an UPDATE changed them behind the session)."""
    return list(
        db.session.execute(
            sa.select(Quote)
            .where(Quote.id.in_(quote_ids))
            .order_by(Quote.id)
            .execution_options(populate_existing=True)
        ).scalars()
    )


def reopen(quote: Quote) -> None:
    """The approver rejected the acceptance: bargaining may go on."""
    move(quote, QuoteStatus.AWAITING_APPROVAL, QuoteStatus.OPEN)
    request = db.session.get(BuyRequest, quote.buy_request_id)
    _say(
        quote,
        request,
        N_("The buyer's approver did not approve quote %(number)s; it is open again."),
    )


def withdraw(actor: Any, quote: Quote) -> Quote:
    side = _acting_side(actor, quote)
    if side != Side.SUPPLIER:
        raise Conflict(_("Only the supplier can withdraw a quote."))
    move(quote, QuoteStatus.OPEN, QuoteStatus.WITHDRAWN)
    request = db.session.get(BuyRequest, quote.buy_request_id)
    _say(quote, request, N_("Quote %(number)s was withdrawn by the supplier."))
    return quote
