"""Buy request pages: the public board, one request, post/edit with live validation, "my requests"."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from listings import buy_requests, categories, forms
from listings.models import BuyRequest, RequestStatus
from listings.validation import validate_request
from marketplace.companies.models import Company, CompanyStatus
from marketplace.companies.reference import country_names
from marketplace.core import bounds
from marketplace.core.access import Permission, get_owned, permission_required
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.pagination import parse_limit
from marketplace.core.uow import unit_of_work

bp = Blueprint("buy_requests", __name__)


def _locale() -> str:
    return str(get_locale() or "en")


def _viewer_company_id() -> int | None:
    return current_user.company_id if current_user.is_authenticated else None


@bp.app_template_global()
def request_status_label(status: str) -> str:
    labels = {
        RequestStatus.OPEN: _("open"),
        RequestStatus.CLOSED: _("closed"),
        RequestStatus.CANCELLED: _("cancelled"),
    }
    return labels.get(status, status)


def _company_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Company.id, Company.name)
        .where(Company.status == CompanyStatus.ACTIVE, Company.id != current_user.company_id)
        .order_by(Company.name)
    ).all()
    return [(row.id, row.name) for row in rows]


def _form(buy_request: BuyRequest | None, formdata=None) -> forms.BuyRequestForm:
    extra = {} if formdata is None else {"formdata": formdata}
    form = forms.BuyRequestForm(obj=buy_request, **extra)
    form.set_choices(categories.grouped(), country_names(_locale()), _locale(), _company_choices())
    if request.method == "GET":
        if buy_request is not None:
            form.category.data = buy_request.category.slug
            form.invited_company_ids.data = buy_request.invited_company_ids
            if buy_request.target_price is not None:
                form.target_unit_price.data = buy_request.target_price.decimal
        else:
            form.language.data = _locale()
            form.delivery_country.data = current_user.company.country
            form.delivery_city.data = current_user.company.city
    return form


@bp.get("/requests")
def board():
    slug = request.args.get("category") or None
    category = categories.by_slug(slug) if slug else None
    try:
        page = buy_requests.open_requests(
            _viewer_company_id(),
            category=category,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 24, 96),
        )
    except ValidationError:
        return redirect(url_for("buy_requests.board"))
    return render_template(
        "listings/requests.html", page=page, category=category, groups=categories.grouped()
    )


@bp.get("/requests/<int:request_id>")
def request_detail(request_id: int):
    buy_request = buy_requests.visible_request(request_id, _viewer_company_id())
    if buy_request is None:
        raise NotFound()
    return render_template(
        "listings/request.html",
        buy_request=buy_request,
        own=buy_request.company_id == _viewer_company_id(),
    )


@bp.route("/requests/new", methods=["GET", "POST"])
@login_required
@permission_required(Permission.BUY)
def new_request():
    form = _form(None)
    if request.method == "POST" and form.validate():
        with saved(form, fields_only=True) as outcome:
            buy_request = buy_requests.create_request(current_user, form.to_data())
        if outcome.ok:
            flash(_("Your buy request is posted."), "success")
            return redirect(url_for("buy_requests.request_detail", request_id=buy_request.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("listings/request_form.html", form=form, buy_request=None), status


@bp.route("/requests/<int:request_id>/edit", methods=["GET", "POST"])
@login_required
@permission_required(Permission.BUY)
def edit_request(request_id: int):
    buy_request = get_owned(BuyRequest, request_id, current_user.company_id)
    form = _form(buy_request)
    if request.method == "POST" and form.validate():
        with saved(form) as outcome:
            buy_requests.update_request(current_user, buy_request, form.to_data())
        if outcome.ok:
            flash(_("The buy request is saved."), "success")
            return redirect(url_for("buy_requests.request_detail", request_id=buy_request.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("listings/request_form.html", form=form, buy_request=buy_request), status


@bp.post("/requests/validate")
@login_required
@permission_required(Permission.BUY)
def validate_request_form():
    """Live validation with the rules of saving; nothing is written."""
    form = _form(None, formdata=request.form)
    form.validate()
    errors = {name: list(messages) for name, messages in form.errors.items()}
    try:
        data = form.to_data()
        validate_request(
            data,
            categories.slug_map(),
            own_company_id=current_user.company_id,
            active_company_ids={cid for cid, _name in _company_choices()},
        )
    except ValidationError as error:
        for field, messages in error.errors.items():
            errors.setdefault(field, []).extend(messages)
    return jsonify({"errors": errors})


@bp.post("/requests/<int:request_id>/status")
@login_required
@permission_required(Permission.BUY)
def change_request_status(request_id: int):
    buy_request = get_owned(BuyRequest, request_id, current_user.company_id)
    with committed() as outcome:
        buy_requests.change_status(current_user, buy_request, request.form.get("status", ""))
    if outcome.ok:
        flash(
            _(
                "The buy request is now %(status)s.",
                status=request_status_label(buy_request.status),
            ),
            "success",
        )
    return redirect(url_for("buy_requests.request_detail", request_id=buy_request.id))


@bp.get("/my/requests")
@login_required
@permission_required(Permission.BUY)
def my_requests():
    status = request.args.get("status") or None
    if status not in (None, *RequestStatus):
        status = None
    try:
        page = buy_requests.company_requests(
            current_user.company_id,
            status=status,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 50, 200),
        )
    except ValidationError:
        return redirect(url_for("buy_requests.my_requests"))
    return render_template(
        "listings/my_requests.html", page=page, status=status, statuses=list(RequestStatus)
    )


@bp.post("/my/requests/bulk")
@login_required
@permission_required(Permission.BUY)
def bulk_requests():
    status = request.form.get("status", "")
    ids = bounds.read_list(request.form, "request_ids")
    if status not in (RequestStatus.CLOSED, RequestStatus.CANCELLED) or not ids:
        flash(_("Choose buy requests and what to do with them."), "error")
        return redirect(url_for("buy_requests.my_requests")), 303
    with unit_of_work():
        changed, problems = buy_requests.bulk_change_status(current_user, ids, status)
    flash(_("%(n)d buy requests changed.", n=changed), "success")
    for problem in problems[:10]:
        flash(problem, "error")
    return redirect(url_for("buy_requests.my_requests"))
