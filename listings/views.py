"""Offer pages: category browse, offer detail, create/edit with live validation, "my offers"."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from listings import categories, forms, services
from listings.models import Offer, OfferImage, OfferStatus
from listings.reference import INCOTERMS, UNITS
from listings.validation import validate_offer
from marketplace.companies.reference import country_names
from marketplace.core import bounds, security, uploads
from marketplace.core.access import Permission, get_owned, permission_required, role_allows
from marketplace.core.errors import DomainError, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.pagination import parse_limit
from marketplace.core.uow import unit_of_work

bp = Blueprint("listings", __name__)


def _locale() -> str:
    return str(get_locale() or "en")


def _viewer_company_id() -> int | None:
    return current_user.company_id if current_user.is_authenticated else None


@bp.app_template_global()
def may_sell() -> bool:
    return current_user.is_authenticated and role_allows(current_user.role, Permission.SELL)


@bp.app_template_global()
def may_buy() -> bool:
    return current_user.is_authenticated and role_allows(current_user.role, Permission.BUY)


@bp.app_template_global()
def category_name(category) -> str:
    return category.name(_locale())


@bp.app_template_global()
def unit_label(unit: str) -> str:
    return str(UNITS.get(unit, unit))


@bp.app_template_global()
def allowed_transitions(offer: Offer) -> frozenset[str]:
    return services.TRANSITIONS.get(offer.status, frozenset())


@bp.app_template_global()
def offer_status_label(status: str) -> str:
    return services.status_label(status)


@bp.get("/categories")
def category_tree():
    return render_template("listings/categories.html", groups=categories.grouped())


@bp.get("/categories/<slug>")
def category_page(slug: str):
    category = categories.by_slug(slug)
    if category is None:
        raise NotFound()
    try:
        page = services.browse(
            category=category,
            q=(request.args.get("q") or "").strip() or None,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 24, 96),
        )
    except ValidationError:
        return redirect(url_for("listings.category_page", slug=slug))
    return render_template(
        "listings/category.html",
        category=category,
        subcategories=categories.children(category) if category.is_top_level else [],
        page=page,
        q=request.args.get("q", ""),
    )


@bp.get("/offers")
def browse_offers():
    company_id = bounds.read(request.args, "company")
    try:
        page = services.browse(
            company_id=company_id,
            q=(request.args.get("q") or "").strip() or None,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 24, 96),
        )
    except ValidationError:
        return redirect(url_for("listings.browse_offers"))
    return render_template(
        "listings/category.html",
        category=None,
        subcategories=[],
        page=page,
        q=request.args.get("q", ""),
    )


@bp.get("/offers/<int:offer_id>")
def offer_detail(offer_id: int):
    offer = services.offer_for_viewer(offer_id, _viewer_company_id())
    attribute_specs = {spec["key"]: spec for spec in offer.category.attributes}
    return render_template(
        "listings/offer.html",
        offer=offer,
        attribute_specs=attribute_specs,
        own=offer.company_id == _viewer_company_id(),
        incoterms=INCOTERMS,
    )


@bp.get("/offers/<int:offer_id>/images/<int:image_id>")
def offer_image(offer_id: int, image_id: int):
    offer = services.offer_for_viewer(offer_id, _viewer_company_id())
    image = db.session.get(OfferImage, image_id)
    if image is None or image.offer_id != offer.id:
        raise NotFound()
    # a public offer's pictures may sit in shared caches; a draft's stay private to its company
    return uploads.send(image.key, image.content_type, public=offer.is_public)


def _offer_form(offer: Offer | None, formdata=None) -> forms.OfferForm:
    extra = {} if formdata is None else {"formdata": formdata}
    form = forms.OfferForm(obj=offer, **extra)
    form.set_choices(categories.grouped(), country_names(_locale()), _locale())
    if request.method == "GET" and offer is not None:
        form.category.data = offer.category.slug
    if request.method == "GET" and offer is None:
        form.language.data = _locale()
        form.moq.data = 1
    return form


def _render_form(form: forms.OfferForm, offer: Offer | None, status: int = 200):
    tiers = request.form if request.method == "POST" else forms.tiers_for_form(offer)
    attributes = (
        {k.removeprefix("attr_"): v for k, v in request.form.items() if k.startswith("attr_")}
        if request.method == "POST"
        else (offer.attributes if offer else {})
    )
    return render_template(
        "listings/offer_form.html",
        form=form,
        offer=offer,
        tiers=tiers,
        tier_rows=forms.TIER_ROWS,
        attributes=attributes,
        attribute_fields=_attribute_fields(),
    ), status


def _attribute_fields() -> list[dict]:
    """Every attribute once, with the categories that use it (the form shows the relevant ones)."""
    fields: dict[str, dict] = {}
    for category in categories.all_categories():
        for spec in category.attributes:
            entry = fields.setdefault(spec["key"], {**spec, "categories": []})
            entry["categories"].append(category.slug)
    return list(fields.values())


def _has_errors(form: forms.OfferForm) -> bool:
    return bool(form.errors or form.form_errors or form.price_tiers_errors or form.attribute_errors)


def _save_images(offer: Offer) -> None:
    for file in request.files.getlist("images"):
        if file and file.filename:
            services.add_image(
                current_user,
                offer,
                file.stream,
                file.filename,
                current_app.config["MAX_IMAGE_BYTES"],
            )


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
@permission_required(Permission.SELL)
def new_offer():
    form = _offer_form(None)
    if request.method == "POST" and form.validate():
        with saved(form, fields_only=True) as outcome:
            offer = services.create_offer(current_user, form.to_data(request.form))
            _save_images(offer)
            if request.form.get("action") == "publish":
                services.publish(current_user, offer)
        if outcome.ok:
            flash(
                _("The offer is published.")
                if offer.status == OfferStatus.PUBLISHED
                else _("The offer is saved as a draft."),
                "success",
            )
            return redirect(url_for("listings.offer_detail", offer_id=offer.id))
    return _render_form(form, None, 422 if _has_errors(form) else 200)


@bp.route("/offers/<int:offer_id>/edit", methods=["GET", "POST"])
@login_required
@permission_required(Permission.SELL)
def edit_offer(offer_id: int):
    offer = get_owned(Offer, offer_id, current_user.company_id)
    form = _offer_form(offer)
    if request.method == "POST" and form.validate():
        with saved(form) as outcome:
            services.update_offer(current_user, offer, form.to_data(request.form))
            _save_images(offer)
            if request.form.get("action") == "publish" and offer.status != OfferStatus.PUBLISHED:
                services.publish(current_user, offer)
        if outcome.ok:
            flash(_("The offer is saved."), "success")
            return redirect(url_for("listings.offer_detail", offer_id=offer.id))
    return _render_form(form, offer, 422 if _has_errors(form) else 200)


@bp.post("/offers/validate")
@login_required
@permission_required(Permission.SELL)
def validate_offer_form():
    """Live validation: the same rules as saving, answered as {field: [messages]} without writing."""
    form = _offer_form(None, formdata=request.form)
    form.validate()
    errors = {name: list(messages) for name, messages in form.errors.items()}
    try:
        validate_offer(form.to_data(request.form), categories.slug_map())
    except ValidationError as error:
        for field, messages in error.errors.items():
            errors.setdefault(field, []).extend(messages)
    return jsonify({"errors": errors})


@bp.post("/offers/<int:offer_id>/images/<int:image_id>/delete")
@login_required
@permission_required(Permission.SELL)
def delete_image(offer_id: int, image_id: int):
    offer = get_owned(Offer, offer_id, current_user.company_id)
    with unit_of_work():
        services.remove_image(current_user, offer, image_id)
    flash(_("The image is removed."), "success")
    return redirect(url_for("listings.edit_offer", offer_id=offer.id))


def _problems(error: DomainError) -> str:
    """Every field's message when the error names fields, else its one message."""
    if not error.field_errors:
        return error.message
    return "; ".join(m for messages in error.field_errors.values() for m in messages)


@bp.post("/offers/<int:offer_id>/status")
@login_required
@permission_required(Permission.SELL)
def change_offer_status(offer_id: int):
    offer = get_owned(Offer, offer_id, current_user.company_id)
    with committed(_problems) as outcome:
        services.change_status(current_user, offer, request.form.get("status", ""))
    if outcome.ok:
        flash(
            _("The offer is now %(status)s.", status=services.status_label(offer.status)),
            "success",
        )
    default = url_for("listings.offer_detail", offer_id=offer.id)
    return redirect(security.local_target(request.form.get("next"), default))


@bp.get("/my/offers")
@login_required
@permission_required(Permission.SELL)
def my_offers():
    status = request.args.get("status") or None
    if status not in (None, *OfferStatus):
        status = None
    try:
        page = services.company_offers(
            current_user.company_id,
            status=status,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 50, 200),
        )
    except ValidationError:
        return redirect(url_for("listings.my_offers"))
    return render_template(
        "listings/my_offers.html", page=page, status=status, statuses=list(OfferStatus)
    )


@bp.post("/my/offers/bulk")
@login_required
@permission_required(Permission.SELL)
def bulk_offers():
    status = request.form.get("status", "")
    ids = bounds.read_list(request.form, "offer_ids")
    if status not in {s.value for s in OfferStatus} or not ids:
        flash(_("Choose offers and what to do with them."), "error")
        return redirect(url_for("listings.my_offers")), 303
    with unit_of_work():
        changed, problems = services.bulk_change_status(current_user, ids, status)
    flash(_("%(n)d offers changed.", n=changed), "success")
    for problem in problems[:10]:
        flash(problem, "error")
    return redirect(url_for("listings.my_offers"))
