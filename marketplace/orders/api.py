"""JSON API of orders: placing, listing, transitions, payment, documents, reviews, disputes."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from marketplace.core.access import Permission, require
from marketplace.core.api import (
    auth_required,
    doc,
    load_body,
    load_query,
    operator_required,
    page_args,
)
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.core.pagination import paginate
from marketplace.orders import disputes, documents, idempotency, placing, ratings, schemas, services
from marketplace.orders.models import Order
from marketplace.payments.providers import BankTransfer

bp = Blueprint("orders_api", __name__, url_prefix="/api/v1")
TAGS = ["orders"]


def order_json(order: Order) -> dict:
    body = schemas.OrderSchema().dump(order)
    body["escrow"] = services.escrow_summary(order)
    if order.escrow is not None:
        body["payment"] = payment_json(order)
    return body


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
    data = load_body(schemas.OrderInputSchema())
    order, created = placing.place_order(current_user, data, idempotency_key=key)
    db.session.commit()
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
    page = paginate(stmt, order=Order.created_at, tiebreak=Order.id, cursor=cursor, limit=limit)
    return jsonify({"items": [order_json(o) for o in page.items], "next_cursor": page.next_cursor})


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

    def run() -> tuple[dict, int]:
        order = services.get_order(current_user, order_id)
        services.choose_payment(current_user, order, data["provider"])
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
    data = load_body(schemas.ReviewInputSchema())
    created = ratings.leave_review(current_user, order, data)
    db.session.commit()
    return jsonify(schemas.ReviewSchema().dump(created)), 201


@bp.post("/orders/<int:order_id>/review/reply")
@auth_required
@doc(summary="The supplier replies to the rating once", body=schemas.ReplySchema, tags=TAGS)
def review_reply(order_id: int):
    order = services.get_order(current_user, order_id)
    data = load_body(schemas.ReplySchema())
    answered = ratings.reply(current_user, order, data["reply"])
    db.session.commit()
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
