"""Company pages: the directory, public profiles, the company dashboard and profile editing."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.companies import forms, services, verification
from marketplace.companies.models import Certificate
from marketplace.companies.reference import (
    CERTIFICATE_KINDS,
    COMPANY_SIZES,
    INDUSTRIES,
    country_names,
)
from marketplace.core import uploads
from marketplace.core.access import Permission, get_owned, permission_required
from marketplace.core.errors import DomainError, NotFound, ValidationError
from marketplace.core.forms import also_check, committed, saved
from marketplace.core.pagination import parse_limit
from marketplace.core.uow import unit_of_work

bp = Blueprint("companies", __name__)


@bp.app_template_global()
def industry_label(slug: str) -> str:
    return str(INDUSTRIES.get(slug, slug))


@bp.app_template_global()
def company_size_label(size: str | None) -> str:
    return str(COMPANY_SIZES.get(size, "")) if size else ""


@bp.app_template_global()
def certificate_label(kind: str) -> str:
    return CERTIFICATE_KINDS.get(kind, kind)


def _locale() -> str:
    return str(get_locale() or "en")


@bp.get("/companies")
def directory():
    industry = request.args.get("industry") or None
    country = (request.args.get("country") or "").upper() or None
    verified = {"1": True, "0": False}.get(request.args.get("verified", ""))
    q = (request.args.get("q") or "").strip() or None
    if industry and industry not in INDUSTRIES:
        industry = None
    try:
        page = services.directory(
            industry=industry,
            country=country,
            verified=verified,
            q=q,
            cursor=request.args.get("cursor") or None,
            limit=parse_limit(request.args.get("limit"), 24, 96),
        )
    except ValidationError:
        return redirect(url_for("companies.directory"))
    return render_template(
        "companies/directory.html",
        page=page,
        industries=INDUSTRIES,
        countries=country_names(_locale()),
        filters={
            "industry": industry,
            "country": country,
            "verified": request.args.get("verified", ""),
            "q": q or "",
        },
    )


@bp.get("/companies/<slug>")
def profile(slug: str):
    company = services.company_by_slug(slug)
    if company is None:
        raise NotFound()
    return render_template("companies/profile.html", company=company)


@bp.get("/companies/<int:company_id>/logo")
def logo(company_id: int):
    company = services.public_company(company_id)
    if company is None or not company.logo_key:
        raise NotFound()
    return uploads.send(company.logo_key, company.logo_content_type or "image/png", public=True)


@bp.get("/companies/<int:company_id>/certificates/<int:certificate_id>/document")
def certificate_document(company_id: int, certificate_id: int):
    if services.public_company(company_id) is None:
        raise NotFound()
    certificate = get_owned(Certificate, certificate_id, company_id)
    if not certificate.document_key:
        raise NotFound()
    return uploads.send(
        certificate.document_key,
        certificate.document_content_type or "application/pdf",
        certificate.document_name,
        inline=False,
    )


@bp.get("/dashboard")
@login_required
def dashboard():
    if current_user.is_operator and current_user.company is None:
        return redirect(url_for("admin.index"))
    company = current_user.company
    checklist = [
        (
            _("Legal name and tax identifiers"),
            bool(company.legal_name and (company.vat_id or company.nip)),
        ),
        (_("Description"), bool(company.description)),
        (_("Industries"), bool(company.industries)),
        (_("Address"), bool(company.city and company.street)),
        (_("Logo"), bool(company.logo_key)),
        (_("Certificates"), bool(company.certificates)),
    ]
    return render_template(
        "companies/dashboard.html",
        company=company,
        checklist=checklist,
        verification_form=forms.VerificationForm(),
        verification_notice=verification.notice(company.latest_verification),
    )


@bp.route("/company/profile", methods=["GET", "POST"])
@login_required
@permission_required(Permission.EDIT_PROFILE)
def edit_profile():
    company = current_user.company
    form = forms.ProfileForm(obj=company)
    form.set_choices(country_names(_locale()))
    if request.method == "GET":
        form.industries.data = company.industries
        form.capabilities.data = "\n".join(company.capabilities or [])
        form.languages.data = company.languages or []
    if form.validate_on_submit():
        status_before = company.verification_status
        with saved(form, fields_only=True) as outcome:
            services.update_profile(current_user, company, form.to_data())
        if outcome.ok:
            flash(_("The company profile is saved."), "success")
            if company.verification_status != status_before:
                flash(verification.notice(company.latest_verification), "info")
            return redirect(url_for("companies.edit_profile"))
    elif form.is_submitted():
        also_check(form, lambda: services.validate_profile(form.to_data(), partial=True))
    return render_template(
        "companies/edit_profile.html",
        form=form,
        company=company,
        logo_form=forms.LogoForm(formdata=None),
        certificate_form=forms.CertificateForm(formdata=None),
    ), 422 if form.errors else 200


def _logo_not_saved(error: DomainError) -> str:
    return _(
        "Logo not saved: %(reason)s",
        reason=" ".join(error.field_errors.get("logo", [error.message])),
    )


@bp.post("/company/logo")
@login_required
@permission_required(Permission.EDIT_PROFILE)
def upload_logo():
    file = request.files.get("logo")
    with committed(_logo_not_saved, fields_only=True) as outcome:
        if file is None or not file.filename:
            raise ValidationError({"logo": [_("Choose an image file.")]})
        services.set_logo(
            current_user,
            current_user.company,
            file.stream,
            file.filename,
            current_app.config["MAX_IMAGE_BYTES"],
        )
    if outcome.ok:
        flash(_("The logo is updated."), "success")
    return redirect(url_for("companies.edit_profile"))


@bp.post("/company/certificates")
@login_required
@permission_required(Permission.EDIT_PROFILE)
def add_certificate():
    form = forms.CertificateForm()
    company = current_user.company
    if form.validate():
        file = request.files.get("document")
        document = (file.stream, file.filename) if file and file.filename else None
        with saved(form, fields_only=True) as outcome:
            services.add_certificate(
                current_user, company, form.data, document, current_app.config["MAX_DOCUMENT_BYTES"]
            )
        if outcome.ok:
            flash(_("The certificate is added."), "success")
            return redirect(url_for("companies.edit_profile") + "#certificates")
    profile_form = forms.ProfileForm(obj=company, formdata=None)
    profile_form.set_choices(country_names(_locale()))
    profile_form.industries.data = company.industries
    profile_form.capabilities.data = "\n".join(company.capabilities or [])
    return render_template(
        "companies/edit_profile.html",
        form=profile_form,
        company=company,
        logo_form=forms.LogoForm(formdata=None),
        certificate_form=form,
    ), 422


@bp.post("/company/certificates/<int:certificate_id>/delete")
@login_required
@permission_required(Permission.EDIT_PROFILE)
def delete_certificate(certificate_id: int):
    certificate = get_owned(Certificate, certificate_id, current_user.company_id)
    with unit_of_work():
        services.remove_certificate(current_user, current_user.company, certificate)
    flash(_("The certificate is removed."), "success")
    return redirect(url_for("companies.edit_profile") + "#certificates")


def _verification_not_requested(error: DomainError) -> str:
    fields = ", ".join(error.field_errors) if error.field_errors else ""
    return _(
        "Verification not requested: %(reason)s",
        reason=error.message + (f" ({fields})" if fields else ""),
    )


@bp.post("/company/verification")
@login_required
@permission_required(Permission.EDIT_PROFILE)
def request_verification():
    form = forms.VerificationForm()
    if not form.validate():
        abort(400)
    with committed(_verification_not_requested) as outcome:
        verification.request_verification(current_user, current_user.company, form.message.data)
    if outcome.ok:
        flash(_("Thank you. An operator will review your company shortly."), "success")
    return redirect(url_for("companies.dashboard"))
