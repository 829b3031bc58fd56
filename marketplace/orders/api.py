"""JSON API of orders: placing, listing, transitions, payment, documents, reviews, disputes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import selectinload

from marketplace.core.access import Permission, require
from marketplace.core.api import (
    auth_required,
    doc,
    load_body,
    load_query,
    operator_required,
    page_args,
)
from marketplace.core.money import Money
from marketplace.core.pagination import paginate
from marketplace.core.uow import end_read, unit_of_work
from marketplace.orders import disputes, documents, idempotency, placing, ratings, schemas, services
from marketplace.orders.models import Dispute, Order
from marketplace.payments import ledger
from marketplace.payments.providers import BankTransfer, StripeProvider

bp = Blueprint("orders_api", __name__, url_prefix="/api/v1")
TAGS = ["orders"]


def order_json(order: Order, figures: ledger.EscrowFigures | None = None) -> dict:
    """The order as the API shows it; figures: its escrow's, when already read for a page."""
    if figures is None and order.escrow is not None:
        figures = ledger.figures(order.escrow)
    body = schemas.OrderSchema().dump(order)
    body["escrow"] = services.escrow_summary(order, figures)
    body["dispute"] = dispute_json(order.disputes[-1], figures) if order.disputes else None
    if order.escrow is not None:
        body["payment"] = payment_json(order)
    return body


def dispute_json(dispute: Dispute, figures: ledger.EscrowFigures | None) -> dict:
    return schemas.OrderDisputeSchema().dump(_dispute_fields(dispute, figures))


def _dispute_fields(dispute: Dispute, figures: ledger.EscrowFigures | None) -> dict:
    return {
        "id": dispute.id,
        "status": disputes.status_of(dispute),
        "reason": dispute.reason,
        "opened_at": dispute.opened_at,
        "resolution": disputes.resolution(dispute, figures),
    }


def payment_json(order: Order) -> dict:
    escrow = order.escrow
    body = {
        "provider": escrow.provider,
        "status": escrow.status,
        "reference": escrow.payment_reference,
        "amount": escrow.due.to_json(),
    }
    if escrow.provider == "stripe":
        body["client_secret"] = escrow.stripe_client_secret
        body["mode"] = escrow.stripe_mode
    else:
        body["bank_account"] = BankTransfer.account_details()
    return body


@bp.post("/orders")
@auth_required
@doc(
    summary="Place an order (send an Idempotency-Key header to make retries safe)",
    body=schemas.OrderInputSchema,
    response=schemas.OrderSchema,
    status=201,
    idempotent=True,
    tags=TAGS,
)
def create_order():
    require(current_user, Permission.BUY)
    key = idempotency.request_key()
    with unit_of_work():
        data = load_body(schemas.OrderInputSchema())
        order, created = placing.place_order(current_user, data, idempotency_key=key)
    response = jsonify(order_json(order))
    response.status_code = 201 if created else 200
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return response


@bp.get("/orders")
@auth_required
@doc(
    summary="Your company's orders: purchases and sales, or role=buyer / role=seller only",
    query=schemas.OrderListQuerySchema,
    response=schemas.OrderSchema(many=True),
    paginated=True,
    tags=TAGS,
)
def list_orders():
    require(current_user, Permission.READ)
    query = load_query(schemas.OrderListQuerySchema())
    cursor, limit = page_args()
    stmt = services.orders_query(
        current_user.company_id, role=query["role"], status=query["status"], q=query["q"]
    )
    # What order_json shows of each order is read for the whole page at once, not per order.
    stmt = stmt.options(selectinload(Order.disputes), selectinload(Order.documents))
    page = paginate(stmt, order=Order.created_at, tiebreak=Order.id, cursor=cursor, limit=limit)
    figures = ledger.figures_of(o.escrow for o in page.items if o.escrow is not None)
    items = [order_json(o, figures.get(o.escrow_id)) for o in page.items]
    return jsonify({"items": items, "next_cursor": page.next_cursor})


@bp.get("/orders/<int:order_id>")
@auth_required
@doc(summary="One order with its escrow figures", response=schemas.OrderSchema, tags=TAGS)
def get_order(order_id: int):
    order = services.get_order(current_user, order_id)
    body = order_json(order)
    body["events"] = schemas.EventSchema(many=True).dump(order.events)
    return jsonify(body)


def _transition(order_id: int, action) -> Response:
    def run() -> tuple[dict, int]:
        order = services.get_order(current_user, order_id)
        action(order)
        return order_json(order), 200

    return idempotency.once(run)


@bp.post("/orders/<int:order_id>/confirm")
@auth_required
@doc(
    summary="The seller confirms the order",
    response=schemas.OrderSchema,
    idempotent=True,
    tags=TAGS,
)
def confirm(order_id: int):
    return _transition(order_id, lambda o: services.confirm(current_user, o))


@bp.post("/orders/<int:order_id>/reject")
@auth_required
@doc(summary="The seller rejects the order", body=schemas.ReasonSchema, idempotent=True, tags=TAGS)
def reject(order_id: int):
    data = load_body(schemas.ReasonSchema()) if request.data else {"reason": ""}
    return _transition(order_id, lambda o: services.reject(current_user, o, data["reason"]))


@bp.post("/orders/<int:order_id>/cancel")
@auth_required
@doc(
    summary="Cancel (either side before payment; both sides once funded -> refund)",
    body=schemas.ReasonSchema,
    idempotent=True,
    tags=TAGS,
)
def cancel(order_id: int):
    data = load_body(schemas.ReasonSchema()) if request.data else {"reason": ""}
    return _transition(order_id, lambda o: services.cancel(current_user, o, data["reason"]))


@bp.post("/orders/<int:order_id>/ship")
@auth_required
@doc(
    summary="The seller ships (carrier, tracking number)",
    body=schemas.ShipSchema,
    idempotent=True,
    tags=TAGS,
)
def ship(order_id: int):
    data = load_body(schemas.ShipSchema())
    return _transition(
        order_id,
        lambda o: services.ship(current_user, o, data["carrier"], data["tracking_number"]),
    )


@bp.post("/orders/<int:order_id>/deliver")
@auth_required
@doc(summary="The buyer confirms delivery; the escrow is released", idempotent=True, tags=TAGS)
def deliver(order_id: int):
    return _transition(order_id, lambda o: services.deliver(current_user, o))


@bp.post("/orders/<int:order_id>/dispute")
@auth_required
@doc(summary="The buyer opens a dispute", body=schemas.DisputeSchema, idempotent=True, tags=TAGS)
def dispute(order_id: int):
    data = load_body(schemas.DisputeSchema())
    return _transition(order_id, lambda o: disputes.open_dispute(current_user, o, data["reason"]))


@bp.post("/orders/<int:order_id>/payment")
@auth_required
@doc(
    summary="The buyer chooses how to pay: bank_transfer (reference) or stripe (client_secret)",
    body=schemas.PaymentChoiceSchema,
    idempotent=True,
    tags=TAGS,
)
def payment(order_id: int):
    data = load_body(schemas.PaymentChoiceSchema())
    # A card's PaymentIntent is created before the unit of work, with the read ended so that no
    # transaction is open while Stripe is asked; a repeat finds the escrow open and asks nothing.
    wanted = services.card_payment_request(
        current_user, services.get_order(current_user, order_id), data["provider"]
    )
    end_read()  # no transaction stays open while Stripe is asked
    card = StripeProvider.create_intent(wanted) if wanted else None

    def run() -> tuple[dict, int]:
        order = services.get_order(current_user, order_id)
        services.choose_payment(current_user, order, data["provider"], card=card)
        return payment_json(order), 200

    return idempotency.once(run)


@bp.get("/orders/<int:order_id>/documents/<kind>")
@auth_required
@doc(summary="A document as PDF: confirmation, proforma or invoice", tags=TAGS)
def document(order_id: int, kind: str):
    order = services.get_order(current_user, order_id)
    issued = documents.get_document(order, kind)
    pdf = documents.render_pdf(order, issued)
    filename = issued.number.replace("/", "-") + ".pdf"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.post("/orders/<int:order_id>/review")
@auth_required
@doc(
    summary="The buyer rates the supplier (1-5) once the order is completed",
    body=schemas.ReviewInputSchema,
    response=schemas.ReviewSchema,
    status=201,
    tags=TAGS,
)
def review(order_id: int):
    order = services.get_order(current_user, order_id)
    with unit_of_work():
        data = load_body(schemas.ReviewInputSchema())
        created = ratings.leave_review(current_user, order, data)
    return jsonify(schemas.ReviewSchema().dump(created)), 201


@bp.post("/orders/<int:order_id>/review/reply")
@auth_required
@doc(summary="The supplier replies to the rating once", body=schemas.ReplySchema, tags=TAGS)
def review_reply(order_id: int):
    order = services.get_order(current_user, order_id)
    with unit_of_work():
        data = load_body(schemas.ReplySchema())
        answered = ratings.reply(current_user, order, data["reply"])
    return jsonify(schemas.ReviewSchema().dump(answered))


@bp.get("/companies/<int:company_id>/scorecard")
@doc(summary="A supplier's scorecard (404 for an unknown company)", tags=TAGS)
def scorecard(company_id: int):
    return jsonify(ratings.public_scorecard(company_id))


@bp.post("/admin/orders/<int:order_id>/payment-received")
@operator_required
@doc(
    summary="The operator records money received by bank transfer (minor units)",
    body=schemas.AmountSchema,
    idempotent=True,
    tags=["admin"],
)
def payment_received(order_id: int):
    data = load_body(schemas.AmountSchema())

    def run() -> tuple[dict, int]:
        order = services.get_any_order(order_id)
        services.record_payment(
            current_user, order, Money(data["amount"], order.currency), data["note"]
        )
        return order_json(order), 200

    return idempotency.once(run)


@bp.post("/admin/disputes/<int:dispute_id>/resolve")
@operator_required
@doc(
    summary="Resolve a dispute: refund_amount 0 releases all, the full amount refunds all",
    body=schemas.ResolveSchema,
    idempotent=True,
    tags=["admin"],
)
def resolve(dispute_id: int):
    data = load_body(schemas.ResolveSchema())

    def run() -> tuple[dict, int]:
        dispute = disputes.get_dispute(dispute_id)
        disputes.resolve_dispute(
            current_user, dispute.id, Money(data["refund_amount"], dispute.order.currency),
            data["note"],
        )  # fmt: skip
        return order_json(dispute.order), 200

    return idempotency.once(run)


@bp.get("/admin/disputes")
@operator_required
@doc(
    summary="Disputes waiting for the operator (status=open, the default) or decided "
    "(status=resolved), oldest first; each id is what .../resolve takes",
    query=schemas.DisputeQueueQuerySchema,
    response=schemas.DisputeQueueItemSchema(many=True),
    paginated=True,
    tags=["admin"],
)
def dispute_queue():
    query = load_query(schemas.DisputeQueueQuerySchema())
    cursor, limit = page_args()
    page = paginate(
        disputes.queue_query(disputes.DisputeStatus(query["status"])),
        order=Dispute.opened_at, tiebreak=Dispute.id, cursor=cursor, limit=limit,
        descending=False,
    )  # fmt: skip
    figures = ledger.figures_of(d.order.escrow for d in page.items if d.order.escrow is not None)
    items = []
    for dispute in page.items:
        order, escrow = dispute.order, figures.get(dispute.order.escrow_id)
        items.append(
            _dispute_fields(dispute, escrow)
            | {
                "order": {"id": order.id, "number": order.number, "status": order.status,
                          "total": order.total_money},
                "buyer": order.buyer,
                "seller": order.seller,
                "held": escrow.held if escrow is not None else Money.zero(order.currency),
            }
        )  # fmt: skip
    return jsonify(
        {
            "items": schemas.DisputeQueueItemSchema(many=True).dump(items),
            "next_cursor": page.next_cursor,
        }
    )
