"""HTML pages of orders: the order form, order detail with its actions, purchases and sales."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from listings import services as listings
from marketplace.core import bounds
from marketplace.core.access import Permission, require
from marketplace.core.api import page_args
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.forms import apply_errors, saved
from marketplace.core.pagination import paginate
from marketplace.core.templating import money
from marketplace.core.uow import end_read, unit_of_work
from marketplace.orders import (
    disputes,
    documents,
    forms,
    placing,
    pricing,
    ratings,
    services,
    steps,
    timing,
)
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments import ledger
from marketplace.payments.providers import BankTransfer, StripeProvider, available
from messaging import services as messaging

bp = Blueprint("orders", __name__)


@bp.route("/orders/new", methods=["GET", "POST"])
@login_required
def new():
    """The order form. Besides "Place order", its buttons re-render it server-side (no
    JavaScript needed): "Add line", "Remove" on a line, and "Recalculate" prices and checks
    the lines without placing anything."""
    require(current_user, Permission.BUY)
    offer_id = request.values.get("offer_id", type=int)
    offer = listings.public_offer(offer_id) if offer_id else None
    if offer is None:
        abort(404)
    company = current_user.company
    form = forms.OrderForm()
    choices = pricing.offers_to_add(offer)
    for entry in form.lines:
        entry.form.offer_id.choices = _offer_choices(choices)
    check_lines = False
    if request.method == "GET":
        form.quantity.data = offer.moq
        form.name.data = company.name
        form.street.data, form.postal_code.data = company.street, company.postal_code
        form.city.data, form.country.data = company.city, company.country
    elif "add_line" in request.form:
        if len(form.lines.entries) + 1 >= placing.MAX_LINES:
            form.form_errors.append(_("At most %(n)s lines per order.", n=placing.MAX_LINES))
        else:
            form.lines.append_entry().form.offer_id.choices = _offer_choices(choices)
    elif "remove_line" in request.form:
        position = request.form.get("remove_line", type=int)
        if position is not None and 0 <= position < len(form.lines.entries):
            del form.lines.entries[position]
    elif "recalculate" in request.form:
        check_lines = True
        for field in _line_fields(form):
            field.validate(form)
    elif form.validate_on_submit():
        data = {
            "lines": _lines(offer, form),
            "delivery": {f: getattr(form, f).data for f in placing.DELIVERY_FIELDS},
            "requested_date": form.requested_date.data,
            "note": form.note.data or "",
        }
        with saved(form, fields_only=True) as outcome:
            order, _created = placing.place_order(current_user, data)
        if outcome.ok:
            if order.status == OrderStatus.AWAITING_APPROVAL:
                flash(_("Order %(n)s is above your spending limit: it goes to the seller once "
                        "an approver of your company approves it.", n=order.number), "success")  # fmt: skip
            else:
                flash(_("Order %(n)s placed; the seller will confirm it.", n=order.number),
                      "success")  # fmt: skip
            return redirect(url_for("orders.detail", order_id=order.id))
    else:
        check_lines = True  # show every line's problems at once, not one round at a time
    priced = pricing.price_lines(current_user, _lines(offer, form))
    if check_lines and priced.errors:
        form.apply_errors(ValidationError(priced.errors), keep_existing=True)
    status = 422 if form.errors or form.form_errors or form.line_errors() else 200
    return render_template(
        "orders/new.html", form=form, offer=offer, priced=priced,
        offers={o.id: o for o in [offer, *choices]}, choices_left=bool(choices),
    ), status  # fmt: skip


@bp.post("/orders/new/prices")
@login_required
def new_prices():
    """The order form's prices as JSON for the page's live update; checks and places nothing
    (Recalculate and Place order show the errors)."""
    require(current_user, Permission.BUY)
    offer_id = bounds.read(request.form, "offer_id")
    offer = listings.public_offer(offer_id) if offer_id else None
    if offer is None:
        abort(404)
    form = forms.OrderForm()
    raw_lines = _lines(offer, form)
    priced = pricing.price_lines(current_user, raw_lines)
    currency = offer.currency
    lines = []
    for index in range(len(raw_lines)):
        line, chosen = priced.lines.get(index), priced.offers.get(index)
        lines.append(
            {
                "moq": f"{chosen.moq} {chosen.unit}" if chosen else None,
                "unit_price": money(line.unit_price.amount, currency) if line else None,
                "net": money(line.net.amount, currency) if line else None,
            }
        )
    complete = len(priced.lines) == len(lines)
    totals = (priced.net_total, priced.vat_total, priced.total) if complete else (None,) * 3
    net, vat, total = (money(t.amount, currency) if t else None for t in totals)
    return jsonify(
        lines=lines, complete=complete, net_total=net, vat_total=vat, total=total,
        reverse_charge=priced.reverse_charge,
    )  # fmt: skip


def _offer_choices(offers) -> list[tuple[int | str, str]]:
    return [("", _("Choose an offer"))] + [
        (o.id, f"{o.title}{f' ({o.sku})' if o.sku else ''}") for o in offers
    ]


def _line_fields(form: forms.OrderForm):
    yield form.quantity
    for entry in form.lines:
        yield from (entry.form.offer_id, entry.form.quantity)


def _lines(offer, form: forms.OrderForm) -> list[dict]:
    first = {"offer_id": offer.id, "quantity": form.quantity.data}
    return [first] + [
        {"offer_id": e.form.offer_id.data, "quantity": e.form.quantity.data} for e in form.lines
    ]


def _list(role: str):
    require(current_user, Permission.READ)
    status = request.args.get("status") or None
    if status and status not in set(OrderStatus):
        status = None
    q = request.args.get("q", "")
    cursor, limit = page_args()
    page = paginate(
        services.orders_query(current_user.company_id, role=role, status=status, q=q),
        order=Order.created_at,
        tiebreak=Order.id,
        cursor=cursor,
        limit=limit,
    )
    return render_template(
        "orders/list.html", page=page, role=role, status=status, q=q, statuses=list(OrderStatus),
        label=steps.status_label,
    )  # fmt: skip


@bp.get("/orders/purchases")
@login_required
def purchases():
    return _list("buyer")


@bp.get("/orders/sales")
@login_required
def sales():
    return _list("seller")


def _detail(order: Order, status: int = 200, **form_overrides):
    side = order.side_of(current_user.company_id)
    thread = messages = None
    if order.thread_id:
        thread = messaging.get_thread(current_user, order.thread_id)
        messages = messaging.messages_page(thread, None, 20).items
    figures = ledger.figures(order.escrow) if order.escrow else None
    context = {
        "order": order,
        "side": side,
        "label": steps.status_label,
        "figures": figures,
        "bank": BankTransfer.account_details(),
        "providers": available(),
        "stripe_key": current_app.config.get("STRIPE_PUBLISHABLE_KEY", ""),
        "review": ratings.review_of(order),
        "thread": thread,
        "messages": messages or [],
        "document_title": documents.title_of,
        "ship_form": forms.ShipForm(),
        "dispute_form": forms.DisputeForm(),
        "payment_form": forms.PaymentForm(),
        "reason_form": forms.ReasonForm(),
        "review_form": forms.ReviewForm(),
        "reply_form": forms.ReplyForm(),
        "dispute_window_days": timing.dispute_window_days(),
    } | form_overrides
    return render_template("orders/detail.html", **context), status


@bp.get("/orders/<int:order_id>")
@login_required
def detail(order_id: int):
    return _detail(services.get_order(current_user, order_id))


def _act(order_id: int, action, form_name: str | None = None, form=None, *, before=None):
    """Run one transition from a page's form; errors show on the page and change nothing.

    `before(order)` runs ahead of the unit of work and writes nothing (a card payment's
    PaymentIntent is created there, with no transaction open)."""
    order = services.get_order(current_user, order_id)
    if form is not None and not form.validate_on_submit():
        return _detail(order, 422, **{form_name: form})
    try:
        if before is not None:
            before(order)
        with unit_of_work():
            message = action(order)
    except (ValidationError, Conflict, PermissionDenied) as error:
        order = services.get_order(current_user, order_id)
        if isinstance(error, ValidationError) and form is not None:
            apply_errors(form, error)
            return _detail(order, 422, **{form_name: form})
        flash(error.message, "error")
        return redirect(url_for("orders.detail", order_id=order_id))
    if message:
        flash(message, "success")
    return redirect(url_for("orders.detail", order_id=order_id))


@bp.post("/orders/<int:order_id>/confirm")
@login_required
def confirm(order_id: int):
    return _act(order_id, lambda o: services.confirm(current_user, o) and _("Order confirmed."))


@bp.post("/orders/<int:order_id>/reject")
@login_required
def reject(order_id: int):
    form = forms.ReasonForm()
    return _act(
        order_id,
        lambda o: services.reject(current_user, o, form.reason.data or "") and _("Order rejected."),
        "reason_form",
        form,
    )


@bp.post("/orders/<int:order_id>/cancel")
@login_required
def cancel(order_id: int):
    form = forms.ReasonForm()
    return _act(
        order_id,
        lambda o: services.cancel(current_user, o, form.reason.data or "") and _("Done."),
        "reason_form",
        form,
    )


@bp.post("/orders/<int:order_id>/payment")
@login_required
def payment(order_id: int):
    form = forms.PaymentForm()
    card: list = []

    def create_intent(order) -> None:
        wanted = services.card_payment_request(current_user, order, form.provider.data)
        end_read()  # no transaction stays open while Stripe is asked
        card.append(StripeProvider.create_intent(wanted) if wanted else None)

    def choose(order) -> str:
        services.choose_payment(current_user, order, form.provider.data, card=card[0])
        return _("Payment details are below.")

    return _act(order_id, choose, "payment_form", form, before=create_intent)


@bp.post("/orders/<int:order_id>/ship")
@login_required
def ship(order_id: int):
    form = forms.ShipForm()
    return _act(
        order_id,
        lambda o: (
            services.ship(current_user, o, form.carrier.data, form.tracking_number.data)
            and _("Marked as shipped.")
        ),
        "ship_form",
        form,
    )


@bp.post("/orders/<int:order_id>/deliver")
@login_required
def deliver(order_id: int):
    return _act(
        order_id,
        lambda o: (
            services.deliver(current_user, o)
            and _("Delivery confirmed; the payment is released to the seller.")
        ),
    )


@bp.post("/orders/<int:order_id>/dispute")
@login_required
def dispute(order_id: int):
    form = forms.DisputeForm()
    return _act(
        order_id,
        lambda o: (
            disputes.open_dispute(current_user, o, form.reason.data)
            and _("Dispute opened; the operator will decide.")
        ),
        "dispute_form",
        form,
    )


@bp.post("/orders/<int:order_id>/review")
@login_required
def review(order_id: int):
    form = forms.ReviewForm()

    def run(order: Order) -> str:
        data = {f: int(getattr(form, f).data) for f in ratings.RATED_FIELDS}
        ratings.leave_review(current_user, order, data | {"comment": form.comment.data or ""})
        return _("Thank you for rating the supplier.")

    return _act(order_id, run, "review_form", form)


@bp.post("/orders/<int:order_id>/review/reply")
@login_required
def reply(order_id: int):
    form = forms.ReplyForm()
    return _act(
        order_id,
        lambda o: ratings.reply(current_user, o, form.reply.data) and _("Reply posted."),
        "reply_form",
        form,
    )


@bp.get("/orders/<int:order_id>/documents/<kind>")
@login_required
def document(order_id: int, kind: str):
    order = services.get_order(current_user, order_id)
    issued = documents.get_document(order, kind)
    filename = issued.number.replace("/", "-") + ".pdf"
    return Response(
        documents.render_pdf(order, issued),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )


@bp.get("/companies/<int:company_id>/scorecard")
def scorecard(company_id: int):
    """Fragment for the company profile: the scorecard and the latest ratings."""
    return render_template(
        "orders/scorecard.html",
        card=ratings.public_scorecard(company_id),
        reviews=ratings.reviews_of(company_id, limit=5),
    )
