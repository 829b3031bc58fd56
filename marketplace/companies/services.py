"""Every change to a company: creation, profile, logo, certificates and verification decisions."""

from __future__ import annotations

import datetime as dt
import re
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.companies import identifiers, verification
from marketplace.companies.models import (
    Certificate,
    Company,
    CompanyIndustry,
    CompanyStatus,
    VerificationStatus,
)
from marketplace.companies.reference import (
    CERTIFICATE_KINDS,
    COMPANY_SIZES,
    COUNTRY_CODES,
    INDUSTRIES,
    LANGUAGE_CODES,
)
from marketplace.core import clock, uploads
from marketplace.core.access import Permission, require
from marketplace.core.errors import PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.pagination import Page, paginate
from marketplace.core.sanitize import clean_html, too_long
from marketplace.core.text import slugify

PROFILE_FIELDS = (
    "name", "legal_name", "vat_id", "nip", "krs", "regon", "description", "capabilities",
    "languages", "size", "year_founded", "website", "email", "phone", "country", "city",
    "postal_code", "street", "latitude", "longitude", "industries",
)  # fmt: skip
_WEBSITE = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
# Limits the API schema and the form repeat; too much is refused, never cut.
DESCRIPTION_MAX = 20000
MAX_CAPABILITIES, CAPABILITY_MAX = 30, 80
MAX_INDUSTRIES = 10
TEXT_LIMITS = {
    "legal_name": 300, "email": 254, "phone": 40, "city": 120, "postal_code": 20, "street": 200,
}  # fmt: skip


def _clean_list(values: Any) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[,\n]", values)
    seen: list[str] = []
    for value in values:
        item = str(value).strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def validate_profile(data: dict[str, Any], *, partial: bool) -> dict[str, Any]:
    """Check and normalise profile fields; raise ValidationError naming every bad field."""
    errors: dict[str, list[str]] = {}
    out: dict[str, Any] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field in PROFILE_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if isinstance(value, str):
            value = value.strip()
        out[field] = value if value != "" else None

    if not partial:
        for field in ("name", "country"):
            if not out.get(field):
                fail(field, _("This field is required."))
    if "name" in out:
        if not out["name"]:
            fail("name", _("This field is required."))
        elif len(out["name"]) > 200:
            fail("name", _("At most 200 characters."))
    if out.get("country") is not None:
        out["country"] = str(out["country"]).upper()
        if out["country"] not in COUNTRY_CODES:
            fail("country", _("Choose a country (ISO code such as PL or DE)."))
    elif "country" in out:
        fail("country", _("This field is required."))
    for field, check in identifiers.CHECKS.items():
        if out.get(field):
            message = check(out[field])
            if message:
                fail(field, message)
            else:
                normalized = identifiers.normalize(out[field])
                out[field] = normalized.removeprefix("PL") if field == "nip" else normalized
    for field, limit in TEXT_LIMITS.items():
        if isinstance(out.get(field), str) and (message := too_long(out[field], limit)):
            fail(field, message)
    if out.get("description") is not None:
        if message := too_long(str(out["description"]), DESCRIPTION_MAX):
            fail("description", message)
        out["description"] = clean_html(str(out["description"]))
    elif "description" in out:
        out["description"] = ""
    if "capabilities" in out:
        capabilities = _clean_list(out["capabilities"])
        if len(capabilities) > MAX_CAPABILITIES:
            fail(
                "capabilities",
                _("List at most %(count)d capabilities.", count=MAX_CAPABILITIES),
            )
        if any(len(item) > CAPABILITY_MAX for item in capabilities):
            fail(
                "capabilities",
                _("Each capability has at most %(count)d characters.", count=CAPABILITY_MAX),
            )
        out["capabilities"] = capabilities
    if "languages" in out:
        languages = _clean_list(out["languages"])
        unknown = [code for code in languages if code not in LANGUAGE_CODES]
        if unknown:
            fail("languages", _("Unknown language code: %(codes)s.", codes=", ".join(unknown)))
        out["languages"] = languages
    if "industries" in out:
        industries = _clean_list(out["industries"])
        unknown = [slug for slug in industries if slug not in INDUSTRIES]
        if unknown:
            fail("industries", _("Unknown industry: %(codes)s.", codes=", ".join(unknown)))
        elif len(industries) > MAX_INDUSTRIES:
            fail("industries", _("Choose at most %(count)d industries.", count=MAX_INDUSTRIES))
        out["industries"] = industries
    if out.get("size") is not None and out["size"] not in COMPANY_SIZES:
        fail("size", _("Choose one of the listed company sizes."))
    if out.get("year_founded") is not None:
        try:
            year = int(out["year_founded"])
        except (TypeError, ValueError):
            fail("year_founded", _("Enter a year such as 1998."))
        else:
            if not 1800 <= year <= clock.today().year:
                fail(
                    "year_founded",
                    _("Enter a year between 1800 and %(year)d.", year=clock.today().year),
                )
            out["year_founded"] = year
    if out.get("website"):
        website = out["website"]
        if not website.lower().startswith(("http://", "https://")):
            website = "https://" + website
        if not _WEBSITE.match(website) or len(website) > 300:
            fail("website", _("Enter a web address such as https://example.com."))
        out["website"] = website
    if out.get("email") and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", out["email"]):
        fail("email", _("Enter a valid e-mail address."))
    for field, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        if out.get(field) is not None:
            try:
                number = float(out[field])
            except (TypeError, ValueError):
                fail(field, _("Enter a number."))
            else:
                if not low <= number <= high:
                    fail(field, _("Must be between %(low)s and %(high)s.", low=low, high=high))
                out[field] = number
    if ("latitude" in out) != ("longitude" in out) or (
        (out.get("latitude") is None) != (out.get("longitude") is None)
    ):
        fail(
            "longitude" if out.get("latitude") is not None else "latitude",
            _("Give both coordinates or neither."),
        )
    if errors:
        raise ValidationError(errors)
    return out


def _unique_slug(name: str) -> str:
    base = slugify(name, 200)
    taken = set(
        db.session.execute(
            sa.select(Company.slug).where(
                sa.or_(Company.slug == base, Company.slug.like(f"{base}-%"))
            )
        ).scalars()
    )
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _apply(company: Company, data: dict[str, Any]) -> None:
    industries = data.pop("industries", None)
    for field, value in data.items():
        if field in ("capabilities", "languages"):
            value = value or []
        if field == "description":
            value = value or ""
        setattr(company, field, value)
    if industries is not None:
        current = {link.industry: link for link in company.industry_links}
        company.industry_links = [
            current.get(slug) or CompanyIndustry(industry=slug) for slug in industries
        ]


def create_company(data: dict[str, Any]) -> Company:
    """A new company from sign-up or demo data; validated like any profile change."""
    clean = validate_profile(data, partial=False)
    company = Company(
        slug=_unique_slug(clean["name"]), capabilities=[], languages=[], description=""
    )
    _apply(company, clean)
    db.session.add(company)
    db.session.flush()
    return company


def update_profile(actor: Any, company: Company, data: dict[str, Any]) -> Company:
    """Change the profile; a new legal name or tax identifier undoes verification of the old one."""
    require(actor, Permission.EDIT_PROFILE)
    _own(actor, company)
    clean = validate_profile(data, partial=True)
    identity_changed = any(
        field in clean and clean[field] != getattr(company, field)
        for field in verification.IDENTITY_FIELDS
    )
    _apply(company, clean)
    if identity_changed:
        verification.identity_changed(actor, company)
    db.session.flush()
    return company


def _own(actor: Any, company: Company) -> None:
    if getattr(actor, "company_id", None) != company.id:
        raise PermissionDenied(_("You can only change your own company."))


def set_logo(
    actor: Any, company: Company, stream: IO[bytes], filename: str, max_bytes: int
) -> Company:
    require(actor, Permission.EDIT_PROFILE)
    _own(actor, company)
    stored = uploads.store(
        stream, filename, field="logo", allowed=uploads.IMAGE_TYPES, max_bytes=max_bytes
    )
    old = company.logo_key
    company.logo_key, company.logo_content_type = stored.key, stored.content_type
    db.session.flush()
    uploads.delete_after_commit(old)
    return company


def add_certificate(
    actor: Any,
    company: Company,
    data: dict[str, Any],
    document: tuple[IO[bytes], str] | None,
    max_bytes: int,
) -> Certificate:
    require(actor, Permission.EDIT_PROFILE)
    _own(actor, company)
    errors: dict[str, list[str]] = {}
    kind = (data.get("kind") or "").strip()
    if kind not in CERTIFICATE_KINDS:
        errors["kind"] = [_("Choose a certificate type.")]
    for field, limit in (("issuer", 200), ("number", 100)):
        value = (data.get(field) or "").strip()
        if not value:
            errors[field] = [_("This field is required.")]
        elif message := too_long(value, limit):
            errors[field] = [message]
    if message := too_long((data.get("name") or "").strip(), 200):
        errors["name"] = [message]
    valid_until = data.get("valid_until")
    if isinstance(valid_until, str) and valid_until:
        try:
            valid_until = dt.date.fromisoformat(valid_until)
        except ValueError:
            errors["valid_until"] = [_("Enter a date as YYYY-MM-DD.")]
    if isinstance(valid_until, dt.date) and valid_until < clock.today():
        errors["valid_until"] = [_("This certificate has already expired.")]
    if errors:
        raise ValidationError(errors)
    certificate = Certificate(
        company=company,
        kind=kind,
        name=(data.get("name") or "").strip() or CERTIFICATE_KINDS[kind],
        issuer=data["issuer"].strip(),
        number=data["number"].strip(),
        valid_until=valid_until or None,
    )
    if document is not None:
        stored = uploads.store(
            document[0],
            document[1],
            field="document",
            allowed=uploads.DOCUMENT_TYPES,
            max_bytes=max_bytes,
        )
        certificate.document_key = stored.key
        certificate.document_content_type = stored.content_type
        certificate.document_name = stored.filename
    db.session.add(certificate)
    db.session.flush()
    return certificate


def remove_certificate(actor: Any, company: Company, certificate: Certificate) -> None:
    require(actor, Permission.EDIT_PROFILE)
    _own(actor, company)
    key = certificate.document_key
    company.certificates.remove(certificate)
    db.session.flush()
    uploads.delete_after_commit(key)


def set_status(operator: Any, company: Company, status: CompanyStatus) -> Company:
    if not getattr(operator, "is_operator", False):
        raise PermissionDenied(_("Only marketplace operators suspend companies."))
    company.status = status
    db.session.flush()
    return company


# --- reads -----------------------------------------------------------------


def public_company(company_id: int) -> Company | None:
    company = db.session.get(Company, company_id)
    return company if company is not None and company.is_active else None


def company_by_slug(slug: str) -> Company | None:
    company = db.session.execute(
        sa.select(Company).where(Company.slug == slug)
    ).scalar_one_or_none()
    return company if company is not None and company.is_active else None


def directory(
    *,
    industry: str | None = None,
    country: str | None = None,
    verified: bool | None = None,
    q: str | None = None,
    cursor: str | None = None,
    limit: int = 20,
) -> Page:
    """Active companies, newest first, with the directory's simple filters."""
    stmt = sa.select(Company).where(Company.status == CompanyStatus.ACTIVE)
    if industry:
        stmt = stmt.where(
            Company.id.in_(
                sa.select(CompanyIndustry.company_id).where(CompanyIndustry.industry == industry)
            )
        )
    if country:
        stmt = stmt.where(Company.country == country.upper())
    if verified is True:
        stmt = stmt.where(Company.verification_status == VerificationStatus.VERIFIED)
    elif verified is False:
        stmt = stmt.where(Company.verification_status != VerificationStatus.VERIFIED)
    if q:
        pattern = f"%{q.strip()[:100]}%"
        stmt = stmt.where(sa.or_(Company.name.ilike(pattern), Company.city.ilike(pattern)))
    return paginate(stmt, order=Company.id, tiebreak=Company.id, cursor=cursor, limit=limit)


def set_scorecard(company: Company, figures: dict[str, Any]) -> Company:
    """Store the supplier scorecard figures computed by orders (ratings, delivery, disputes)."""
    company.scorecard = dict(figures)
    company.updated_at = clock.now()
    db.session.flush()
    return company
