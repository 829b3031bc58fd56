"""JSON API for offers, buy requests and the category tree under /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from listings import buy_requests, categories, schemas, services
from listings.models import BuyRequest, Offer
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.api import (
    auth_required,
    doc,
    load_body,
    load_query,
    page_args,
    page_response,
    require_signed_in,
)
from marketplace.core.errors import ValidationError
from marketplace.core.uow import unit_of_work

bp = Blueprint("listings_api", __name__, url_prefix="/api/v1")


def _viewer_company_id() -> int | None:
    return current_user.company_id if current_user.is_authenticated else None


def _category_filter(slug: str | None):
    if not slug:
        return None
    category = categories.by_slug(slug)
    if category is None:
        raise ValidationError({"category": ["Unknown category."]})
    return category


def _offer_json(offer: Offer, status: int = 200):
    return jsonify(schemas.OfferSchema().dump(offer)), status


def _own_offer(offer_id: int) -> Offer:
    require(current_user, Permission.SELL)
    return get_owned(Offer, offer_id, current_user.company_id)


@bp.get("/categories")
@doc(
    summary="The category tree with typed attributes",
    response=schemas.CategorySchema,
    listed=True,
    tags=["listings"],
)
def list_categories():
    return jsonify({"items": schemas.CategorySchema().dump(categories.all_categories(), many=True)})


@bp.post("/offers")
@auth_required
@doc(
    summary="Create an offer (a draft; publish it next)",
    body=schemas.OfferInputSchema,
    response=schemas.OfferSchema,
    status=201,
    tags=["listings"],
)
def create_offer():
    with unit_of_work():
        data = load_body(schemas.OfferInputSchema())
        offer = services.create_offer(current_user, data)
    return _offer_json(offer, 201)


@bp.get("/offers")
@doc(
    summary="Public offers (filter by category, company_id, q), or your own with mine=true",
    query=schemas.OfferQuerySchema,
    response=schemas.OfferSchema,
    paginated=True,
    tags=["listings"],
)
def list_offers():
    query = load_query(schemas.OfferQuerySchema())
    cursor, limit = page_args()
    if query.get("mine"):
        require(require_signed_in(), Permission.READ)
        page = services.company_offers(
            current_user.company_id, status=query.get("status"), cursor=cursor, limit=limit
        )
    else:
        page = services.browse(
            category=_category_filter(query.get("category")),
            company_id=query.get("company_id"),
            q=query.get("q"),
            cursor=cursor,
            limit=limit,
        )
    return page_response(page, schemas.OfferSchema())


@bp.get("/offers/<int:offer_id>")
@doc(
    summary="One offer (public, or any status of your own)",
    response=schemas.OfferSchema,
    tags=["listings"],
)
def get_offer(offer_id: int):
    return _offer_json(services.offer_for_viewer(offer_id, _viewer_company_id()))


@bp.patch("/offers/<int:offer_id>")
@auth_required
@doc(
    summary="Change an offer",
    body=schemas.OfferInputSchema,
    response=schemas.OfferSchema,
    tags=["listings"],
)
def patch_offer(offer_id: int):
    offer = _own_offer(offer_id)
    with unit_of_work():
        data = load_body(schemas.OfferInputSchema(), partial=True)
        services.update_offer(current_user, offer, data)
    return _offer_json(offer)


@bp.delete("/offers/<int:offer_id>")
@auth_required
@doc(summary="Withdraw an offer for good (it is archived)", status=204, tags=["listings"])
def delete_offer(offer_id: int):
    offer = _own_offer(offer_id)
    with unit_of_work():
        services.archive(current_user, offer)
    return "", 204


@bp.post("/offers/<int:offer_id>/publish")
@auth_required
@doc(summary="Publish a draft or paused offer", response=schemas.OfferSchema, tags=["listings"])
def publish_offer(offer_id: int):
    offer = _own_offer(offer_id)
    with unit_of_work():
        services.publish(current_user, offer)
    return _offer_json(offer)


@bp.post("/offers/<int:offer_id>/pause")
@auth_required
@doc(summary="Pause a published offer", response=schemas.OfferSchema, tags=["listings"])
def pause_offer(offer_id: int):
    offer = _own_offer(offer_id)
    with unit_of_work():
        services.pause(current_user, offer)
    return _offer_json(offer)


def _request_json(request: BuyRequest, status: int = 200):
    schema = schemas.BuyRequestSchema(viewer_company_id=_viewer_company_id())
    return jsonify(schema.dump(request)), status


def _own_request(request_id: int) -> BuyRequest:
    require(current_user, Permission.BUY)
    return get_owned(BuyRequest, request_id, current_user.company_id)


@bp.post("/requests")
@auth_required
@doc(
    summary="Post a buy request",
    body=schemas.BuyRequestInputSchema,
    response=schemas.BuyRequestSchema,
    status=201,
    tags=["listings"],
)
def create_request():
    with unit_of_work():
        data = load_body(schemas.BuyRequestInputSchema())
        request = buy_requests.create_request(current_user, data)
    return _request_json(request, 201)


@bp.get("/requests")
@doc(
    summary="Open buy requests you may see, or your own with mine=true",
    query=schemas.RequestQuerySchema,
    response=schemas.BuyRequestSchema,
    paginated=True,
    tags=["listings"],
)
def list_requests():
    query = load_query(schemas.RequestQuerySchema())
    cursor, limit = page_args()
    if query.get("mine"):
        require(require_signed_in(), Permission.READ)
        page = buy_requests.company_requests(
            current_user.company_id, status=query.get("status"), cursor=cursor, limit=limit
        )
    else:
        page = buy_requests.open_requests(
            _viewer_company_id(),
            category=_category_filter(query.get("category")),
            cursor=cursor,
            limit=limit,
        )
    return page_response(page, schemas.BuyRequestSchema(viewer_company_id=_viewer_company_id()))


@bp.get("/requests/<int:request_id>")
@doc(summary="One buy request you may see", response=schemas.BuyRequestSchema, tags=["listings"])
def get_request(request_id: int):
    return _request_json(buy_requests.request_for_viewer(request_id, _viewer_company_id()))


@bp.patch("/requests/<int:request_id>")
@auth_required
@doc(
    summary="Change an open buy request",
    body=schemas.BuyRequestInputSchema,
    response=schemas.BuyRequestSchema,
    tags=["listings"],
)
def patch_request(request_id: int):
    request = _own_request(request_id)
    with unit_of_work():
        data = load_body(schemas.BuyRequestInputSchema(), partial=True)
        buy_requests.update_request(current_user, request, data)
    return _request_json(request)


@bp.post("/requests/<int:request_id>/close")
@auth_required
@doc(summary="Close an open buy request", response=schemas.BuyRequestSchema, tags=["listings"])
def close_request(request_id: int):
    request = _own_request(request_id)
    with unit_of_work():
        buy_requests.close(current_user, request)
    return _request_json(request)


@bp.post("/requests/<int:request_id>/cancel")
@auth_required
@doc(summary="Cancel an open buy request", response=schemas.BuyRequestSchema, tags=["listings"])
def cancel_request(request_id: int):
    request = _own_request(request_id)
    with unit_of_work():
        buy_requests.cancel(current_user, request)
    return _request_json(request)
