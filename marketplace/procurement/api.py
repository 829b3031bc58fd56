"""JSON API for quotes, tenders (sealed and reverse auction), bids and approvals under /api/v1.

Every POST honours an Idempotency-Key header: a retry with the same key and body gets the first
answer again and changes nothing (the mechanism is the orders API's, see orders.idempotency).
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user

from marketplace.core.access import Permission, require
from marketplace.core.api import (
    PROBLEM_JSON,
    auth_required,
    doc,
    load_body,
    load_query,
    page_args,
    page_response,
)
from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.uow import unit_of_work
from marketplace.orders import idempotency
from marketplace.procurement import approvals, auctions, awards, decisions, quotes, schemas, tenders
from marketplace.procurement.models import QuoteStatus, Tender

bp = Blueprint("procurement_api", __name__, url_prefix="/api/v1")
TAGS = ["procurement"]
# A supplier reads back its own bid; the rank is set in auctions and after a sealed tender closes.
OWN_BID = schemas.BidSchema(
    only=("id", "unit_price", "prices", "total", "lead_time_days", "note", "documents", "rank",
          "submitted_at")
)  # fmt: skip


# ---------------------------------------------------------------- quotes


@bp.post("/requests/<int:request_id>/quotes")
@auth_required
@doc(summary="Send a quote on a buy request", body=schemas.QuoteInputSchema,
     response=schemas.QuoteSchema, status=201, idempotent=True, tags=TAGS)  # fmt: skip
def send_quote(request_id: int) -> Response:
    data = load_body(schemas.QuoteInputSchema())

    def run() -> tuple[dict, int]:
        quote = quotes.send_quote(current_user, request_id, data)
        return schemas.QuoteSchema().dump(quote), 201

    return idempotency.once(run)


@bp.get("/requests/<int:request_id>/quotes")
@auth_required
@doc(summary="Quotes on a buy request (all for the buyer, your own for a supplier), compared",
     query=schemas.QuoteListQuerySchema, response=schemas.QuoteSchema, listed=True, tags=TAGS)  # fmt: skip
def list_quotes(request_id: int):
    args = load_query(schemas.QuoteListQuerySchema())
    items = quotes.comparison(quotes.quotes_for_request(current_user, request_id), args["sort"])
    return jsonify({"items": schemas.QuoteSchema().dump(items, many=True)})


@bp.get("/quotes")
@auth_required
@doc(summary="Your company's quotes, sent and received, newest first",
     response=schemas.QuoteSchema, paginated=True, tags=TAGS)  # fmt: skip
def list_company_quotes():
    cursor, limit = page_args()
    page = quotes.readable_quotes(current_user, cursor=cursor, limit=limit)
    return page_response(page, schemas.QuoteSchema())


@bp.get("/quotes/<int:quote_id>")
@auth_required
@doc(summary="One quote with its bargaining history", response=schemas.QuoteSchema, tags=TAGS)
def get_quote(quote_id: int):
    return jsonify(schemas.QuoteSchema().dump(quotes.get_quote(current_user, quote_id)))


@bp.post("/quotes/<int:quote_id>/counter")
@auth_required
@doc(summary="Counter the other side's latest terms (a new revision)",
     body=schemas.QuoteTermsSchema, response=schemas.QuoteSchema, status=201, idempotent=True,
     tags=TAGS)  # fmt: skip
def counter_quote(quote_id: int) -> Response:
    quote = quotes.get_quote(current_user, quote_id)
    data = load_body(schemas.QuoteTermsSchema())

    def run() -> tuple[dict, int]:
        quotes.counter(current_user, quote, data)
        return schemas.QuoteSchema().dump(quote), 201

    return idempotency.once(run)


@bp.post("/quotes/<int:quote_id>/accept")
@auth_required
@doc(summary="Accept the other side's latest terms: an order, or a requisition above your limit",
     idempotent=True, tags=TAGS)  # fmt: skip
def accept_quote(quote_id: int) -> Response:
    quote = quotes.get_quote(current_user, quote_id)

    def run() -> tuple[dict, int]:
        quotes.accept(current_user, quote)
        if quote.status == QuoteStatus.AWAITING_APPROVAL:
            requisition = approvals.pending_for("quote", quote.id)
            return {"order_id": None, "status": quote.status,
                    "requisition_id": requisition.id if requisition else None}, 202  # fmt: skip
        return {"order_id": quote.order_id, "status": quote.status}, 200

    return idempotency.once(run)


# ---------------------------------------------------------------- tenders


def _tender_json(tender: Tender) -> dict:
    body = schemas.TenderSchema().dump(tender)
    body["bid_count"] = tenders.bid_count(tender)
    if tender.is_auction:
        body["standing"] = auctions.standing(current_user, tender)
    if tender.buyer_company_id != current_user.company_id:
        own = tenders.own_bid(current_user, tender)
        body["my_bid"] = OWN_BID.dump(own) if own else None
    return body


@bp.post("/tenders")
@auth_required
@doc(summary="Publish a sealed tender or a reverse auction", body=schemas.TenderInputSchema,
     response=schemas.TenderSchema, status=201, idempotent=True, tags=TAGS)  # fmt: skip
def create_tender() -> Response:
    data = load_body(schemas.TenderInputSchema())

    def run() -> tuple[dict, int]:
        tender = tenders.create_tender(current_user, data)
        return _tender_json(tender), 201

    return idempotency.once(run)


@bp.get("/tenders/<int:tender_id>")
@auth_required
@doc(summary="A tender as you may see it (never other companies' bids before closing)",
     response=schemas.TenderSchema, tags=TAGS)  # fmt: skip
def get_tender(tender_id: int):
    with unit_of_work():
        tender = tenders.get_tender(current_user, tender_id)
        tenders.ensure_closed(tender)
    return jsonify(_tender_json(tender))


@bp.post("/tenders/<int:tender_id>/bids")
@auth_required
@doc(summary="Send or replace a sealed bid, or lower your price in a reverse auction",
     body=schemas.BidInputSchema, status=201, idempotent=True, tags=TAGS)  # fmt: skip
def place_bid(tender_id: int) -> Response:
    tender = tenders.get_tender(current_user, tender_id)
    data = load_body(schemas.BidInputSchema())

    refused: list[Exception] = []

    def run() -> tuple[dict, int]:
        if tender.is_auction:
            try:
                auctions.place_bid(current_user, tender, data.get("unit_price"))
            except (Conflict, ValidationError) as refusal:
                refused.append(refusal)
                raise
            return auctions.standing(current_user, tender), 201
        bid = tenders.submit_sealed_bid(current_user, tender, data)
        return schemas.BidSchema(exclude=("rank", "score", "breakdown")).dump(bid), 201

    try:
        return idempotency.once(run)
    except (Conflict, ValidationError):
        if refused:  # once() rolled the request back; the attempt is logged in a short transaction
            with unit_of_work():
                auctions.record_refusal(current_user, tender, data.get("unit_price"), refused[0])
        raise


@bp.get("/tenders/<int:tender_id>/bids")
@auth_required
@doc(summary="All bids with scores and ranks (the buyer, after closing)",
     response=schemas.BidSchema, listed=True, tags=TAGS)  # fmt: skip
def list_bids(tender_id: int):
    with unit_of_work():
        tender = tenders.get_tender(current_user, tender_id)
        bids = tenders.opened_bids(current_user, tender)
    return jsonify({"items": schemas.BidSchema().dump(bids, many=True)})


@bp.post("/tenders/<int:tender_id>/award")
@auth_required
@doc(summary="Award one bid after closing (an order, or a requisition above your limit)",
     body=schemas.AwardSchema, idempotent=True, tags=TAGS)  # fmt: skip
def award(tender_id: int) -> Response:
    tender = tenders.get_tender(current_user, tender_id)
    data = load_body(schemas.AwardSchema())

    def run() -> tuple[dict, int]:
        awards.award(current_user, tender, data["bid_id"])
        if tender.order_id is None:
            requisition = approvals.pending_for("tender", tender.id)
            return {"order_id": None, "status": "awaiting_approval",
                    "requisition_id": requisition.id if requisition else None}, 202  # fmt: skip
        return {"order_id": tender.order_id, "status": tender.status}, 200

    return idempotency.once(run)


@bp.post("/tenders/<int:tender_id>/cancel")
@auth_required
@doc(summary="Cancel a tender with a reason", body=schemas.CancelSchema,
     response=schemas.TenderSchema, idempotent=True, tags=TAGS)  # fmt: skip
def cancel(tender_id: int) -> Response:
    tender = tenders.get_tender(current_user, tender_id)
    data = load_body(schemas.CancelSchema())

    def run() -> tuple[dict, int]:
        awards.cancel(current_user, tender, data["reason"])
        return _tender_json(tender), 200

    return idempotency.once(run)


# ---------------------------------------------------------------- approvals


@bp.get("/approvals")
@auth_required
@doc(summary="Your company's requisitions (filter by status)", query=schemas.RequisitionQuerySchema,
     response=schemas.RequisitionSchema, listed=True, tags=TAGS)  # fmt: skip
def list_approvals():
    require(current_user, Permission.READ)
    args = load_query(schemas.RequisitionQuerySchema())
    items = approvals.requisitions(current_user.company_id, args.get("status"))
    return jsonify({"items": schemas.RequisitionSchema().dump(items, many=True)})


@bp.post("/approvals/<int:requisition_id>/<any(approve, reject):decision>")
@auth_required
@doc(summary="Approve or reject a requisition (never your own)", body=schemas.DecisionSchema,
     response=schemas.RequisitionSchema, idempotent=True, tags=TAGS)  # fmt: skip
def decide(requisition_id: int, decision: str) -> Response:
    requisition = approvals.get_requisition(current_user, requisition_id)
    data = load_body(schemas.DecisionSchema())

    def run() -> tuple[dict, int]:
        try:
            if decision == "approve":
                decisions.approve(current_user, requisition, data["comment"])
            else:
                decisions.reject(current_user, requisition, data["comment"])
        except decisions.TermsExpired as refusal:
            # refused, yet the requisition is closed and the requester told: that is committed
            return {"type": "about:blank", "title": refusal.title, "status": refusal.status,
                    "detail": refusal.message,
                    "requisition": schemas.RequisitionSchema().dump(requisition)}, refusal.status  # fmt: skip
        return schemas.RequisitionSchema().dump(requisition), 200

    answer = idempotency.once(run)
    if answer.status_code >= 400:
        answer.mimetype = PROBLEM_JSON
    return answer
