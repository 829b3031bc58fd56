"""Procurement pages: overview, quotes and their comparison, tender and auction rooms, approvals."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from listings import buy_requests
from listings.models import BuyRequest
from marketplace.companies.models import Company, CompanyStatus
from marketplace.core import live, uploads
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.money import Money
from marketplace.core.uow import unit_of_work
from marketplace.procurement import approvals, auctions, awards, forms, quotes, tenders
from marketplace.procurement.models import Phase, QuoteStatus, Side

bp = Blueprint("procurement", __name__, url_prefix="/procurement")


def _back(endpoint: str, **values) -> object:
    return redirect(url_for(endpoint, **values))


def _try(action, success: str, endpoint: str, **values):
    """Run a button's action: commit and say so, or show why nothing changed."""
    with committed() as outcome:
        action()
    if outcome.ok:
        flash(success, "success")
    return _back(endpoint, **values)


# ---------------------------------------------------------------- overview


@bp.get("")
@login_required
def overview():
    require(current_user, Permission.READ)
    company_id = current_user.company_id
    buying = quotes.company_quotes(company_id, Side.BUYER)
    selling = quotes.company_quotes(company_id, Side.SUPPLIER)
    own_tenders = tenders.buyer_tenders(company_id)
    return render_template(
        "procurement/overview.html",
        open_requests=buy_requests.company_requests(company_id, status="open", limit=20).items,
        awaiting=[q for q in buying + selling if quotes.awaiting_answer(q, company_id)],
        buying=buying,
        selling=selling,
        sealed=[t for t in own_tenders if not t.is_auction],
        auctions=[t for t in own_tenders if t.is_auction],
        invited=tenders.supplier_tenders(company_id),
        requisitions=approvals.requisitions(company_id, "pending"),
    )


# ---------------------------------------------------------------- quotes


@bp.route("/requests/<int:request_id>/quotes", methods=["GET", "POST"])
@login_required
def request_quotes(request_id: int):
    buy_request = buy_requests.request_for_viewer(request_id, current_user.company_id)
    form = forms.QuoteForm()
    if request.method == "GET":
        form.quantity.data = buy_request.quantity
    if request.method == "POST" and form.validate_on_submit():
        with saved(form) as outcome:
            quote = quotes.send_quote(
                current_user, request_id, form.to_data(buy_request.currency), form.files()
            )
        if outcome.ok:
            flash(_("Your quote is sent."), "success")
            return _back("procurement.quote", quote_id=quote.id)
    sort = request.args.get("sort", "landed")
    items = quotes.comparison(quotes.quotes_for_request(current_user, request_id), sort)
    status = 422 if form.errors or form.form_errors else 200
    return render_template(
        "procurement/request_quotes.html",
        buy_request=buy_request,
        quotes=items,
        sort=sort,
        form=form,
        own=buy_request.company_id == current_user.company_id,
        may_quote=buy_request.company_id != current_user.company_id
        and not items
        and current_user.can(Permission.SELL),
    ), status


@bp.get("/quotes/<int:quote_id>")
@login_required
def quote(quote_id: int, form: forms.QuoteForm | None = None, status: int = 200):
    item = quotes.get_quote(current_user, quote_id)
    if form is None:
        form = forms.QuoteForm(formdata=None, obj=None)
        latest = item.latest
        form.unit_price.data = latest.unit_money.decimal
        form.quantity.data = latest.quantity
        form.lead_time_days.data = latest.lead_time_days
        form.valid_until.data = latest.valid_until
        form.incoterm.data = latest.incoterm or ""
        form.shipping_cost.data = Money(latest.shipping_cost, latest.currency).decimal
        form.payment_terms.data = latest.payment_terms
    side = item.side_of(current_user.company_id)
    return render_template(
        "procurement/quote.html",
        quote=item,
        buy_request=db.session.get(BuyRequest, item.buy_request_id),
        side=side,
        my_turn=quotes.awaiting_answer(item, current_user.company_id),
        form=form,
        requisition=approvals.pending_for("quote", item.id),
    ), status


@bp.post("/quotes/<int:quote_id>/counter")
@login_required
def counter(quote_id: int):
    item = quotes.get_quote(current_user, quote_id)
    form = forms.QuoteForm()
    if form.validate_on_submit():
        with saved(form) as outcome:
            quotes.counter(current_user, item, form.to_data(item.latest.currency), form.files())
        if outcome.ok:
            flash(_("Your counter-offer is sent."), "success")
            return _back("procurement.quote", quote_id=item.id)
    return quote(quote_id, form=form, status=422)


@bp.get("/quotes/<int:quote_id>/attachments/<int:attachment_id>")
@login_required
def attachment(quote_id: int, attachment_id: int):
    item = quotes.get_attachment(current_user, quote_id, attachment_id)
    return uploads.send(item.key, item.content_type, item.filename, inline=False)


@bp.post("/quotes/<int:quote_id>/accept")
@login_required
def accept(quote_id: int):
    item = quotes.get_quote(current_user, quote_id)
    return _try(lambda: quotes.accept(current_user, item), _("You accepted the offer."),
                "procurement.quote", quote_id=quote_id)  # fmt: skip


@bp.post("/quotes/<int:quote_id>/withdraw")
@login_required
def withdraw(quote_id: int):
    item = quotes.get_quote(current_user, quote_id)
    return _try(lambda: quotes.withdraw(current_user, item), _("The quote is withdrawn."),
                "procurement.quote", quote_id=quote_id)  # fmt: skip


# ---------------------------------------------------------------- tenders


def _supplier_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Company.id, Company.name)
        .where(Company.status == CompanyStatus.ACTIVE, Company.id != current_user.company_id)
        .order_by(Company.name)
        .limit(500)
    ).all()
    return [(row.id, row.name) for row in rows]


@bp.route("/tenders/new", methods=["GET", "POST"])
@login_required
def new_tender():
    require(current_user, Permission.BUY)
    form = forms.TenderForm()
    form.invited_company_ids.choices = _supplier_choices()
    if request.method == "GET" and request.args.get("kind") == "reverse_auction":
        form.kind.data = "reverse_auction"
    if request.method == "POST" and "add_item" in request.form:
        # works without JavaScript: the form comes back as typed, with one more item row
        if not form.add_item_row():
            form.form_errors.append(_("A tender has at most %(n)s items.", n=len(form.items)))
        return render_template("procurement/tender_form.html", form=form), 200
    if request.method == "POST" and form.validate_on_submit():
        with saved(form) as outcome:
            tender = tenders.create_tender(current_user, form.to_data())
        if outcome.ok:
            flash(_("%(number)s is published.", number=tender.number), "success")
            return _back("procurement.tender", tender_id=tender.id)
    status = 422 if form.errors or form.form_errors else 200
    return render_template("procurement/tender_form.html", form=form), status


@bp.get("/tenders/<int:tender_id>")
@login_required
def tender(tender_id: int, bid_form=None, cancel_form=None, status: int = 200):
    with unit_of_work():
        item = tenders.get_tender(current_user, tender_id)
        tenders.ensure_closed(item)
    is_buyer = item.buyer_company_id == current_user.company_id
    opened = (
        tenders.opened_bids(current_user, item) if is_buyer and tenders.bids_opened(item) else []
    )
    own = None if is_buyer else tenders.own_bid(current_user, item)
    if bid_form is None:
        bid_form = forms.AuctionBidForm() if item.is_auction else forms.sealed_bid_form(item.items)
        if own is not None and not item.is_auction:
            for priced, price in own.price_rows:
                bid_form.price_field(priced.id).data = Money(price, item.currency).decimal
            bid_form.lead_time_days.data = own.lead_time_days
            bid_form.documents.data = "\n".join(own.documents or [])
            bid_form.note.data = own.note
    return render_template(
        "procurement/auction.html" if item.is_auction else "procurement/tender.html",
        tender=item,
        is_buyer=is_buyer,
        bids=opened,
        own=own,
        bid_count=tenders.bid_count(item),
        standing=auctions.standing(current_user, item) if item.is_auction else None,
        log=auctions.audit_log(current_user, item) if item.is_auction and is_buyer else [],
        bid_form=bid_form,
        cancel_form=cancel_form or forms.CancelForm(),
        requisition=approvals.pending_for("tender", item.id),
    ), status


@bp.post("/tenders/<int:tender_id>/bid")
@login_required
def bid(tender_id: int):
    item = tenders.get_tender(current_user, tender_id)
    form = forms.AuctionBidForm() if item.is_auction else forms.sealed_bid_form(item.items)
    if form.validate_on_submit():
        refused = None
        with saved(form) as outcome:
            if item.is_auction:
                price = forms.minor(form.unit_price.data, item.currency, "unit_price", errors := {})
                if errors:
                    raise ValidationError(errors)
                try:
                    auctions.place_bid(current_user, item, price)
                except (Conflict, ValidationError) as error:
                    refused = (price, error)
                    raise
            else:
                tenders.submit_sealed_bid(current_user, item, form.to_data(item.currency))
        if refused is not None:  # the request is rolled back; the attempt is logged on its own
            with unit_of_work():
                auctions.record_refusal(current_user, item, *refused)
        if outcome.ok:
            flash(_("Your bid is in."), "success")
            return _back("procurement.tender", tender_id=item.id)
    return tender(tender_id, bid_form=form, status=422)


@bp.get("/tenders/<int:tender_id>/standing")
@login_required
def standing(tender_id: int):
    """The room's numbers for this viewer, fetched after each live event."""
    with unit_of_work():
        item = tenders.get_tender(current_user, tender_id)
        tenders.ensure_closed(item)
    return jsonify(auctions.standing(current_user, item) if item.is_auction else
                   {"phase": str(item.phase), "closes_at": item.closes_at.isoformat(),
                    "bidders": tenders.bid_count(item)})  # fmt: skip


@bp.get("/tenders/<int:tender_id>/live")
@login_required
def live_stream(tender_id: int):
    item = tenders.get_tender(current_user, tender_id)
    return live.stream([f"tender:{item.id}"])


@bp.post("/tenders/<int:tender_id>/marks")
@login_required
def marks(tender_id: int):
    item = tenders.get_tender(current_user, tender_id)
    bid_id = request.form.get("bid_id", type=int)
    values: dict = {}
    for criterion in item.custom_criteria:
        raw = request.form.get(f"mark-{criterion['name']}", "").strip()
        values[criterion["name"]] = int(raw) if raw.lstrip("-").isdigit() else raw
    return _try(lambda: tenders.set_marks(current_user, item, bid_id, values),
                _("The marks are saved and the ranking updated."),
                "procurement.tender", tender_id=tender_id)  # fmt: skip


@bp.post("/tenders/<int:tender_id>/award")
@login_required
def award(tender_id: int):
    item = tenders.get_tender(current_user, tender_id)
    bid_id = request.form.get("bid_id", type=int)
    return _try(lambda: awards.award(current_user, item, bid_id), _("Your award decision is recorded."),
                "procurement.tender", tender_id=tender_id)  # fmt: skip


@bp.post("/tenders/<int:tender_id>/cancel")
@login_required
def cancel(tender_id: int):
    item = tenders.get_tender(current_user, tender_id)
    form = forms.CancelForm()
    if form.validate_on_submit():
        with saved(form) as outcome:
            awards.cancel(current_user, item, form.reason.data)
        if outcome.ok:
            flash(_("%(number)s is cancelled.", number=item.number), "success")
            return _back("procurement.tender", tender_id=tender_id)
    return tender(tender_id, cancel_form=form, status=422)


@bp.app_template_global()
def quote_status_label(status: str) -> str:
    return {
        QuoteStatus.OPEN: _("open"),
        QuoteStatus.AWAITING_APPROVAL: _("awaiting approval"),
        QuoteStatus.ACCEPTED: _("accepted"),
        QuoteStatus.DECLINED: _("declined"),
        QuoteStatus.WITHDRAWN: _("withdrawn"),
    }.get(status, status)


@bp.app_template_global()
def tender_phase_label(phase: str) -> str:
    return {
        Phase.SCHEDULED: _("scheduled"),
        Phase.OPEN: _("open for bids"),
        Phase.CLOSED: _("closed"),
        Phase.AWARDED: _("awarded"),
        Phase.CANCELLED: _("cancelled"),
    }.get(phase, phase)


@bp.app_template_global()
def requisition_status_label(status: str) -> str:
    return {"pending": _("waiting"), "approved": _("approved"), "rejected": _("rejected")}.get(
        status, status
    )
