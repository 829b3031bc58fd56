"""Every change to offers (create, edit, status, images) and the read functions other packages call."""

from __future__ import annotations

from typing import IO, Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from listings import buy_requests, categories
from listings.models import Category, Offer, OfferImage, OfferStatus, PriceTier
from listings.reference import MAX_IMAGES
from listings.validation import validate_offer
from marketplace.companies.models import Company, CompanyStatus
from marketplace.core import clock, uploads
from marketplace.core.access import Permission, get_owned, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.core.pagination import Page, paginate

# draft → published ↔ paused → archived (archived is the end)
TRANSITIONS: dict[str, frozenset[str]] = {
    OfferStatus.DRAFT: frozenset({OfferStatus.PUBLISHED, OfferStatus.ARCHIVED}),
    OfferStatus.PUBLISHED: frozenset({OfferStatus.PAUSED, OfferStatus.ARCHIVED}),
    OfferStatus.PAUSED: frozenset({OfferStatus.PUBLISHED, OfferStatus.ARCHIVED}),
    OfferStatus.ARCHIVED: frozenset(),
}
_SCALARS = (
    "sku", "title", "description", "language", "attributes", "unit", "moq", "currency",
    "price_on_request", "available_quantity", "lead_time_days", "incoterm", "incoterm_place",
    "origin_country", "valid_until",
)  # fmt: skip

# -- reading ----------------------------------------------------------------------------------


def public_offer_conditions() -> list[sa.ColumnElement[bool]]:
    """What makes an offer public (published, still valid, of an active company); the query
    must join Company. For selects of other columns than whole offers (search's reindex)."""
    return [
        Offer.status == OfferStatus.PUBLISHED,
        sa.or_(Offer.valid_until.is_(None), Offer.valid_until >= clock.today()),
        Company.status == CompanyStatus.ACTIVE,
    ]


def public_offers_query() -> sa.Select:
    """Published, still valid offers of active companies."""
    return (
        sa.select(Offer)
        .join(Company, Company.id == Offer.company_id)
        .where(*public_offer_conditions())
    )


def public_offer(offer_id: int) -> Offer | None:
    """The offer when anyone may see it (published, valid, active company); else None."""
    return db.session.execute(
        public_offers_query().where(Offer.id == offer_id)
    ).scalar_one_or_none()


def offer_for_viewer(offer_id: int, viewer_company_id: int | None) -> Offer:
    """The offer as a viewer may see it: public, or any status for its own company; else NotFound."""
    offer = db.session.get(Offer, offer_id)
    if offer is None:
        raise NotFound()
    if viewer_company_id is not None and offer.company_id == viewer_company_id:
        return offer
    if not offer.is_public:
        raise NotFound()
    return offer


def unit_price_for(offer: Offer, quantity: int) -> Money:
    """The unit price at this quantity: the tier with the largest break not above it."""
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < offer.moq:
        raise ValidationError(
            {
                "quantity": [
                    _("The minimum order is %(moq)s %(unit)s.", moq=offer.moq, unit=offer.unit)
                ]
            }
        )
    if offer.price_on_request or not offer.price_tiers:
        raise ValidationError({"quantity": [_("The price of this offer is on request.")]})
    price: int | None = None
    for tier in sorted(offer.price_tiers, key=lambda t: t.min_quantity):
        if tier.min_quantity <= quantity:
            price = tier.unit_price
    if price is None:  # tiers start at or below the MOQ, so this only guards bad data
        raise ValidationError({"quantity": [_("No price applies to this quantity.")]})
    return Money(price, offer.currency)


def browse(
    *,
    category: Category | None = None,
    company_id: int | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 24,
) -> Page:
    stmt = public_offers_query()
    if category is not None:
        stmt = stmt.where(Offer.category_id.in_(categories.subtree_ids(category)))
    if company_id is not None:
        stmt = stmt.where(Offer.company_id == company_id)
    if q:
        stmt = stmt.where(Offer.title.ilike(f"%{q.replace('%', '').replace('_', '')}%"))
    return paginate(stmt, order=Offer.published_at, tiebreak=Offer.id, cursor=cursor, limit=limit)


def company_offers(
    company_id: int, *, status: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page:
    stmt = sa.select(Offer).where(Offer.company_id == company_id)
    if status:
        stmt = stmt.where(Offer.status == status)
    return paginate(stmt, order=Offer.updated_at, tiebreak=Offer.id, cursor=cursor, limit=limit)


def context_summary(kind: str, object_id: Any, viewer_company_id: int | None) -> dict | None:
    """What a message thread about an offer or buy request shows, when the viewer may see it."""
    try:
        object_id = int(object_id)
    except (TypeError, ValueError):
        return None
    if kind == "offer":
        try:
            offer = offer_for_viewer(object_id, viewer_company_id)
        except NotFound:
            return None
        return {
            "title": offer.title,
            "url": url_for("listings.offer_detail", offer_id=offer.id, _external=False),
            "company_id": offer.company_id,
        }
    if kind == "buy_request":
        request = buy_requests.visible_request(object_id, viewer_company_id)
        if request is None:
            return None
        return {
            "title": request.title,
            "url": url_for("buy_requests.request_detail", request_id=request.id, _external=False),
            "company_id": request.company_id,
        }
    return None


# -- changing -----------------------------------------------------------------------------------


def _check_sku_free(company_id: int, sku: str | None, offer_id: int | None) -> None:
    if not sku:
        return
    stmt = sa.select(Offer.id).where(Offer.company_id == company_id, Offer.sku == sku)
    if offer_id is not None:
        stmt = stmt.where(Offer.id != offer_id)
    if db.session.execute(stmt).first() is not None:
        raise ValidationError({"sku": [_("Another of your offers already uses this SKU.")]})


def apply_fields(offer: Offer, values: dict[str, Any]) -> None:
    """Copy validated values onto the offer (tiers replaced as a whole)."""
    for field in _SCALARS:
        if field in values:
            setattr(offer, field, values[field])
    if values.get("category") is not None:
        offer.category = values["category"]
        offer.category_id = values["category"].id
    if "price_tiers" in values:
        wanted = [(t["min_quantity"], t["unit_price"]) for t in values["price_tiers"]]
        if [(t.min_quantity, t.unit_price) for t in offer.price_tiers] != wanted:
            if offer.price_tiers:
                offer.price_tiers.clear()
                db.session.flush()  # old breaks go before new ones reuse their quantities
            offer.price_tiers.extend(PriceTier(min_quantity=q, unit_price=p) for q, p in wanted)


def create_offer(actor: Any, data: dict[str, Any]) -> Offer:
    """A new draft offer of the actor's company (publish it separately)."""
    require(actor, Permission.SELL)
    values = validate_offer(data, categories.slug_map())
    _check_sku_free(actor.company_id, values.get("sku"), None)
    offer = Offer(company_id=actor.company_id, status=OfferStatus.DRAFT)
    apply_fields(offer, values)
    db.session.add(offer)
    db.session.flush()
    return offer


def update_offer(actor: Any, offer: Offer, data: dict[str, Any]) -> Offer:
    require(actor, Permission.SELL)
    offer = get_owned(Offer, offer.id, actor.company_id)
    if offer.status == OfferStatus.ARCHIVED:
        raise Conflict(_("An archived offer cannot be changed."))
    values = validate_offer(data, categories.slug_map(), current=offer)
    _check_sku_free(offer.company_id, values.get("sku"), offer.id)
    apply_fields(offer, values)
    offer.updated_at = clock.now()
    db.session.flush()
    return offer


def _publishable(offer: Offer) -> None:
    errors: dict[str, list[str]] = {}
    if offer.valid_until is not None and offer.valid_until < clock.today():
        errors["valid_until"] = [_("The offer has expired; set a new validity date first.")]
    if not offer.price_on_request and not offer.price_tiers:
        errors["price_tiers"] = [_("Give at least one price tier, or choose price on request.")]
    if errors:
        raise ValidationError(errors)


def transition_problem(current: str, wanted: str) -> str | None:
    """Why an offer in the current status cannot become wanted (None: it may). The one rule
    for pages, the API and CSV import."""
    if current == OfferStatus.ARCHIVED:
        return _("An archived offer cannot be changed.")
    if wanted not in TRANSITIONS or wanted not in TRANSITIONS[current]:
        return _(
            "A %(current)s offer cannot become %(wanted)s.",
            current=status_label(current), wanted=status_label(wanted),
        )  # fmt: skip
    return None


def set_status(offer: Offer, status: str) -> None:
    """Move an offer the caller may change along the transitions; Conflict or ValidationError."""
    problem = transition_problem(offer.status, status)
    if problem is not None:
        raise Conflict(problem)
    if status == OfferStatus.PUBLISHED:
        _publishable(offer)
        if offer.published_at is None:
            offer.published_at = clock.now()
    offer.status = status
    offer.updated_at = clock.now()


def change_status(actor: Any, offer: Offer, status: str) -> Offer:
    """Move the offer along draft → published ↔ paused → archived; Conflict otherwise."""
    require(actor, Permission.SELL)
    offer = get_owned(Offer, offer.id, actor.company_id)
    set_status(offer, status)
    db.session.flush()
    return offer


def publish(actor: Any, offer: Offer) -> Offer:
    return change_status(actor, offer, OfferStatus.PUBLISHED)


def pause(actor: Any, offer: Offer) -> Offer:
    return change_status(actor, offer, OfferStatus.PAUSED)


def archive(actor: Any, offer: Offer) -> Offer:
    return change_status(actor, offer, OfferStatus.ARCHIVED)


def bulk_change_status(actor: Any, offer_ids: list[int], status: str) -> tuple[int, list[str]]:
    """Apply one status to many own offers; returns (changed, messages for those that could not)."""
    require(actor, Permission.SELL)
    changed, problems = 0, []
    for offer_id in offer_ids:
        try:
            offer = get_owned(Offer, offer_id, actor.company_id)
            change_status(actor, offer, status)
        except NotFound:
            continue
        except (Conflict, ValidationError) as error:
            problems.append(f"#{offer_id}: {error.message}")
        else:
            changed += 1
    return changed, problems


def add_image(
    actor: Any, offer: Offer, stream: IO[bytes], filename: str, max_bytes: int
) -> OfferImage:
    """Attach an image, checked like the company logo (size, sniffed type, decodable)."""
    require(actor, Permission.SELL)
    offer = get_owned(Offer, offer.id, actor.company_id)
    if len(offer.images) >= MAX_IMAGES:
        raise ValidationError({"images": [_("At most %(n)d images per offer.", n=MAX_IMAGES)]})
    stored = uploads.store(
        stream, filename, field="images", allowed=uploads.IMAGE_TYPES, max_bytes=max_bytes
    )
    image = OfferImage(
        key=stored.key,
        content_type=stored.content_type,
        position=max((i.position for i in offer.images), default=-1) + 1,
    )
    offer.images.append(image)
    db.session.flush()
    return image


def remove_image(actor: Any, offer: Offer, image_id: int) -> None:
    require(actor, Permission.SELL)
    offer = get_owned(Offer, offer.id, actor.company_id)
    image = next((i for i in offer.images if i.id == image_id), None)
    if image is None:
        raise NotFound()
    offer.images.remove(image)
    db.session.flush()
    # the file goes with the commit: a rolled-back removal still shows the image
    uploads.delete_after_commit(image.key)


def status_label(status: str) -> str:
    labels = {
        OfferStatus.DRAFT: _("draft"),
        OfferStatus.PUBLISHED: _("published"),
        OfferStatus.PAUSED: _("paused"),
        OfferStatus.ARCHIVED: _("archived"),
    }
    return labels.get(status, status)
