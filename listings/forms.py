"""HTML forms for offers, buy requests, bulk status changes and CSV import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from listings.models import Category
from listings.reference import INCOTERMS, MAX_RICH_TEXT, OFFER_CURRENCIES, UNITS
from marketplace.core.bounds import COUNT, DAYS, QUANTITY, BoundedIntegerField
from marketplace.core.errors import ValidationError
from marketplace.core.forms import apply_errors
from marketplace.core.money import Money, MoneyError

TIER_ROWS = 5


def category_choices(groups: list[tuple[Category, list[Category]]], locale: str) -> list:
    choices: list = [("", "—")]
    for parent, children in groups:
        choices.extend((c.slug, f"{parent.name(locale)} › {c.name(locale)}") for c in children)
    return choices


def _country_choices(countries: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "—"), *countries.items()]


class OfferForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    sku = StringField(_l("Your SKU (optional)"), validators=[Length(max=64)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    language = SelectField(
        _l("Language of the offer"),
        choices=[("en", "English"), ("pl", "Polski")],
        validate_choice=False,
    )
    # The length rule lives in listings.validation (one message for pages, API and CSV); the
    # browser's maxlength only helps while typing.
    description = TextAreaField(_l("Description"), render_kw={"maxlength": MAX_RICH_TEXT})
    unit = SelectField(_l("Unit of measure"), choices=[], validate_choice=False)
    moq = BoundedIntegerField(
        _l("Minimum order quantity"), [Optional()], bound=QUANTITY, domain_rule=True
    )
    currency = SelectField(
        _l("Currency"), choices=[(c, c) for c in OFFER_CURRENCIES], validate_choice=False
    )
    price_on_request = BooleanField(_l("Price on request"))
    available_quantity = BoundedIntegerField(
        _l("Available quantity"), [Optional()], bound=COUNT, domain_rule=True
    )
    lead_time_days = BoundedIntegerField(
        _l("Lead time in days"), [Optional()], bound=DAYS, domain_rule=True
    )
    incoterm = SelectField(_l("Incoterms rule"), choices=[], validate_choice=False)
    incoterm_place = StringField(_l("Incoterms place"), validators=[Length(max=120)])
    origin_country = SelectField(_l("Country of origin"), choices=[], validate_choice=False)
    valid_until = DateField(_l("Valid until"), validators=[Optional()])
    images = FileField(_l("Add images (PNG, JPEG, GIF or WebP, up to 5 MB each)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.price_tiers_errors: list[str] = []
        self.attribute_errors: list[str] = []

    def apply_errors(self, error: ValidationError) -> None:
        """Service errors beside their fields; tiers and attributes have their own blocks."""
        rest = dict(error.errors)
        self.price_tiers_errors.extend(rest.pop("price_tiers", []))
        self.attribute_errors.extend(rest.pop("attributes", []))
        if rest or not error.errors:
            apply_errors(self, ValidationError(rest) if error.errors else error)

    def set_choices(self, groups, countries: dict[str, str], locale: str) -> None:
        self.category.choices = category_choices(groups, locale)
        self.unit.choices = [("", "—"), *((k, f"{k} – {v}") for k, v in UNITS.items())]
        self.incoterm.choices = [("", "—"), *INCOTERMS.items()]
        self.origin_country.choices = _country_choices(countries)

    def tier_values(self, form_data: Any) -> list[tuple[str, str]]:
        rows = []
        for n in range(1, TIER_ROWS + 1):
            rows.append(
                (
                    (form_data.get(f"tier{n}_quantity") or "").strip(),
                    (form_data.get(f"tier{n}_price") or "").strip(),
                )
            )
        return rows

    def to_data(self, form_data: Any) -> dict:
        """The form as the dict listings.validation reads; prices typed in major units."""
        data = {
            name: field.data
            for name, field in self._fields.items()
            if name not in {"csrf_token", "images"}
        }
        tiers = []
        currency = data.get("currency") or "EUR"
        for n, (quantity, price) in enumerate(self.tier_values(form_data), start=1):
            if not quantity and not price:
                continue
            try:
                amount = Money.parse(price, currency).amount if price else None
            except MoneyError as exc:
                raise ValidationError(
                    {"price_tiers": [str(_l("Tier %(n)d: enter a price such as 12.50.", n=n))]}
                ) from exc
            tiers.append({"min_quantity": quantity or None, "unit_price": amount})
        data["price_tiers"] = tiers
        data["attributes"] = {
            key.removeprefix("attr_"): value
            for key, value in form_data.items()
            if key.startswith("attr_") and value.strip()
        }
        return data


def tiers_for_form(offer) -> dict[str, str]:
    """Prefill values of the tier rows from an offer's price tiers."""
    values: dict[str, str] = {}
    for n, tier in enumerate(offer.price_tiers if offer else [], start=1):
        values[f"tier{n}_quantity"] = str(tier.min_quantity)
        values[f"tier{n}_price"] = str(Money(tier.unit_price, offer.currency).decimal)
    return values


class BuyRequestForm(FlaskForm):
    title = StringField(_l("What do you need?"), validators=[Length(max=200)])
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    language = SelectField(
        _l("Language of the request"),
        choices=[("en", "English"), ("pl", "Polski")],
        validate_choice=False,
    )
    description = TextAreaField(_l("Details"), render_kw={"maxlength": MAX_RICH_TEXT})
    quantity = BoundedIntegerField(_l("Quantity"), [Optional()], bound=QUANTITY, domain_rule=True)
    unit = SelectField(_l("Unit of measure"), choices=[], validate_choice=False)
    target_unit_price = DecimalField(
        _l("Target unit price (optional)"), places=2, validators=[Optional()]
    )
    currency = SelectField(
        _l("Currency"), choices=[(c, c) for c in OFFER_CURRENCIES], validate_choice=False
    )
    needed_by = DateField(_l("Needed by"), validators=[Optional()])
    delivery_country = SelectField(_l("Delivery country"), choices=[], validate_choice=False)
    delivery_city = StringField(_l("Delivery city"), validators=[Length(max=120)])
    delivery_latitude = DecimalField(_l("Latitude"), places=6, validators=[Optional()])
    delivery_longitude = DecimalField(_l("Longitude"), places=6, validators=[Optional()])
    visibility = SelectField(
        _l("Who may see it"),
        choices=[("public", _l("Every supplier")), ("invited", _l("Only the companies I invite"))],
        validate_choice=False,
    )
    invited_company_ids = SelectMultipleField(
        _l("Invited companies"), choices=[], coerce=int, validate_choice=False
    )

    def set_choices(self, groups, countries, locale: str, companies: list[tuple[int, str]]) -> None:
        self.category.choices = category_choices(groups, locale)
        self.unit.choices = [("", "—"), *((k, f"{k} – {v}") for k, v in UNITS.items())]
        self.delivery_country.choices = _country_choices(countries)
        self.invited_company_ids.choices = companies

    def to_data(self) -> dict:
        data = {name: field.data for name, field in self._fields.items() if name != "csrf_token"}
        price = data.get("target_unit_price")
        if price is not None:
            try:
                data["target_unit_price"] = Money.parse(
                    Decimal(price), data.get("currency") or "EUR"
                ).amount
            except MoneyError as exc:
                raise ValidationError(
                    {"target_unit_price": [str(_l("Enter a price such as 12.50."))]}
                ) from exc
        for field in ("delivery_latitude", "delivery_longitude"):
            if data.get(field) is not None:
                data[field] = float(data[field])
        data["invited_company_ids"] = data.get("invited_company_ids") or []
        return data


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"))
    valid_rows_only = BooleanField(_l("Import the valid rows even if some rows have errors"))
