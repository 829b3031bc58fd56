"""Rules for offer and buy request input, shared by pages, the API and CSV import.

Each function checks a whole dict at once and raises one ValidationError naming every bad field,
so a form, an API answer and a CSV row report show the same messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from listings.models import Category, Visibility
from listings.reference import INCOTERMS, LANGUAGES, MAX_INVITED, MAX_TIERS, UNITS
from listings.values import (
    Errors,
    future_date,
    known_category,
    offer_currency,
    rich_text,
    text,
    whole,
    yes_no,
)
from marketplace.companies.reference import COUNTRY_CODES
from marketplace.core.bounds import COUNT, DAYS, ID, PRICE, QUANTITY
from marketplace.core.errors import ValidationError

OFFER_FIELDS = (
    "sku", "title", "description", "language", "category", "attributes", "unit", "moq",
    "currency", "price_tiers", "price_on_request", "available_quantity", "lead_time_days",
    "incoterm", "incoterm_place", "origin_country", "valid_until",
)  # fmt: skip
REQUEST_FIELDS = (
    "title", "description", "language", "category", "quantity", "unit", "target_unit_price",
    "currency", "needed_by", "delivery_country", "delivery_city", "delivery_latitude",
    "delivery_longitude", "visibility", "invited_company_ids",
)  # fmt: skip


def check_attributes(errors: Errors, category: Category | None, raw: Any) -> dict:
    """Keep the category's attributes, typed; unknown keys and bad values are field errors."""
    if raw in (None, ""):
        return {}
    if not isinstance(raw, Mapping):
        errors.add("attributes", _("Attributes must be a set of name and value pairs."))
        return {}
    specs = {spec["key"]: spec for spec in (category.attributes if category else [])}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        spec = specs.get(key)
        if spec is None:
            if category is not None:
                errors.add(
                    "attributes", _("%(key)s is not an attribute of this category.", key=key)
                )
            continue
        kind = spec["type"]
        if kind == "number":
            try:
                number = float(str(value).replace(",", "."))
            except ValueError:
                errors.add("attributes", _("%(key)s must be a number.", key=key))
                continue
            if number != number or number in (float("inf"), float("-inf")):
                errors.add("attributes", _("%(key)s must be a number.", key=key))
                continue
            out[key] = int(number) if number.is_integer() else number
        elif kind == "bool":
            sub = Errors()
            out[key] = yes_no(sub, key, value)
            if sub:
                errors.add("attributes", _("%(key)s must be yes or no.", key=key))
        elif kind == "choice":
            if str(value) not in spec.get("choices", []):
                errors.add(
                    "attributes",
                    _("%(key)s must be one of: %(choices)s.", key=key,
                      choices=", ".join(spec.get("choices", []))),
                )  # fmt: skip
                continue
            out[key] = str(value)
        else:
            out[key] = str(value).strip()[:200]
    return out


def check_tiers(errors: Errors, raw: Any, moq: int | None) -> list[dict]:
    """Quantity breaks sorted ascending, the first at or below the MOQ, prices positive."""
    if raw in (None, ""):
        return []
    if not isinstance(raw, list | tuple):
        errors.add("price_tiers", _("Give price tiers as a list."))
        return []
    tiers: list[dict] = []
    for index, tier in enumerate(raw):
        if not isinstance(tier, Mapping):
            errors.add("price_tiers", _("Tier %(n)d is malformed.", n=index + 1))
            return []
        sub = Errors()
        quantity = whole(sub, "q", tier.get("min_quantity"), QUANTITY)
        price = whole(sub, "p", tier.get("unit_price"), PRICE)
        if quantity is None or price is None:
            errors.add(
                "price_tiers",
                _("Tier %(n)d needs a quantity of at least 1 and a positive unit price.",
                  n=index + 1),
            )  # fmt: skip
            return []
        tiers.append({"min_quantity": quantity, "unit_price": price})
    if len(tiers) > MAX_TIERS:
        errors.add("price_tiers", _("At most %(n)d price tiers.", n=MAX_TIERS))
    quantities = [t["min_quantity"] for t in tiers]
    if any(b <= a for a, b in zip(quantities, quantities[1:], strict=False)):
        errors.add("price_tiers", _("Sort the tiers by quantity, each larger than the one before."))
    elif tiers and moq is not None and tiers[0]["min_quantity"] > moq:
        errors.add(
            "price_tiers", _("The first tier must start at or below the minimum order quantity.")
        )
    return tiers


def validate_offer(
    data: Mapping[str, Any],
    categories: Mapping[str, Category],
    *,
    current: Any = None,
) -> dict[str, Any]:
    """Normalised offer fields from data; with current (an Offer), missing fields keep its values."""
    errors = Errors()
    given = {k: data[k] for k in OFFER_FIELDS if k in data}
    out: dict[str, Any] = {}

    def value_of(field: str) -> Any:
        if field in given:
            return given[field]
        if current is None:
            return None
        if field == "category":
            return current.category
        if field == "price_tiers":
            return [
                {"min_quantity": t.min_quantity, "unit_price": t.unit_price}
                for t in current.price_tiers
            ]
        return getattr(current, field)

    title = text(value_of("title"))
    if not title:
        errors.add("title", _("This field is required."))
    elif len(title) > 200:
        errors.add("title", _("At most 200 characters."))
    out["title"] = title
    if "sku" in given or current is None:
        sku = text(given.get("sku"))
        if sku and len(sku) > 64:
            errors.add("sku", _("At most 64 characters."))
        out["sku"] = sku
    if "description" in given or current is None:
        out["description"] = rich_text(errors, "description", given.get("description"))
    language = text(value_of("language")) or "en"
    if language not in LANGUAGES:
        errors.add("language", _("Choose English or Polish."))
    out["language"] = language
    category = known_category(errors, value_of("category"), categories)
    out["category"] = category
    if "attributes" in given or "category" in given or current is None:
        raw_attributes = value_of("attributes")
        if "attributes" not in given and current is not None and category is not None:
            # a new category keeps only the old values it also defines
            keys = {spec["key"] for spec in category.attributes}
            raw_attributes = {k: v for k, v in (raw_attributes or {}).items() if k in keys}
        out["attributes"] = check_attributes(errors, category, raw_attributes)
    unit = text(value_of("unit"))
    if unit not in UNITS:
        errors.add("unit", _("Choose a unit of measure from the list."))
    out["unit"] = unit
    moq_raw = value_of("moq")
    moq = whole(
        errors, "moq", 1 if moq_raw in (None, "") and current is None else moq_raw, QUANTITY
    )
    if moq is None and "moq" not in errors:
        errors.add("moq", _("This field is required."))
    out["moq"] = moq
    out["currency"] = offer_currency(errors, value_of("currency"))
    out["price_on_request"] = yes_no(errors, "price_on_request", value_of("price_on_request"))
    tiers = check_tiers(errors, value_of("price_tiers"), moq)
    if not tiers and not out["price_on_request"] and "price_tiers" not in errors:
        errors.add("price_tiers", _("Give at least one price tier, or choose price on request."))
    out["price_tiers"] = tiers
    out["available_quantity"] = whole(
        errors, "available_quantity", value_of("available_quantity"), COUNT
    )
    out["lead_time_days"] = whole(errors, "lead_time_days", value_of("lead_time_days"), DAYS)
    incoterm = (text(value_of("incoterm")) or "").upper() or None
    if incoterm and incoterm not in INCOTERMS:
        errors.add("incoterm", _("Choose an Incoterms 2020 rule such as EXW, FCA or DAP."))
    out["incoterm"] = incoterm
    place = text(value_of("incoterm_place"))
    if place and len(place) > 120:
        errors.add("incoterm_place", _("At most 120 characters."))
    out["incoterm_place"] = place
    origin = (text(value_of("origin_country")) or "").upper() or None
    if origin and origin not in COUNTRY_CODES:
        errors.add("origin_country", _("Choose a country (ISO code such as PL or DE)."))
    out["origin_country"] = origin
    if "valid_until" in given or current is None:
        out["valid_until"] = future_date(errors, "valid_until", given.get("valid_until"))
    if errors:
        raise ValidationError(dict(errors))
    return out


def validate_request(
    data: Mapping[str, Any],
    categories: Mapping[str, Category],
    *,
    current: Any = None,
    own_company_id: int | None = None,
    active_company_ids: set[int] | None = None,
) -> dict[str, Any]:
    """Normalised buy request fields; active_company_ids are the companies that may be invited."""
    errors = Errors()
    given = {k: data[k] for k in REQUEST_FIELDS if k in data}
    out: dict[str, Any] = {}

    def value_of(field: str) -> Any:
        if field in given:
            return given[field]
        if current is None:
            return None
        if field == "category":
            return current.category
        return getattr(current, field)

    title = text(value_of("title"))
    if not title:
        errors.add("title", _("This field is required."))
    elif len(title) > 200:
        errors.add("title", _("At most 200 characters."))
    out["title"] = title
    if "description" in given or current is None:
        out["description"] = rich_text(errors, "description", given.get("description"))
    language = text(value_of("language")) or "en"
    if language not in LANGUAGES:
        errors.add("language", _("Choose English or Polish."))
    out["language"] = language
    out["category"] = known_category(errors, value_of("category"), categories)
    quantity = whole(errors, "quantity", value_of("quantity"), QUANTITY)
    if quantity is None and "quantity" not in errors:
        errors.add("quantity", _("This field is required."))
    out["quantity"] = quantity
    unit = text(value_of("unit"))
    if unit not in UNITS:
        errors.add("unit", _("Choose a unit of measure from the list."))
    out["unit"] = unit
    out["target_unit_price"] = whole(
        errors, "target_unit_price", value_of("target_unit_price"), PRICE
    )
    out["currency"] = offer_currency(errors, value_of("currency"))
    if "needed_by" in given or current is None:
        needed_by = future_date(errors, "needed_by", given.get("needed_by"))
        if needed_by is None and "needed_by" not in errors:
            errors.add("needed_by", _("This field is required."))
        out["needed_by"] = needed_by
    country = (text(value_of("delivery_country")) or "").upper()
    if country not in COUNTRY_CODES:
        errors.add("delivery_country", _("Choose a country (ISO code such as PL or DE)."))
    out["delivery_country"] = country or None
    city = text(value_of("delivery_city"))
    if city and len(city) > 120:
        errors.add("delivery_city", _("At most 120 characters."))
    out["delivery_city"] = city
    coordinates = {}
    for field, low, high in (("delivery_latitude", -90, 90), ("delivery_longitude", -180, 180)):
        raw = value_of(field)
        if raw in (None, ""):
            coordinates[field] = None
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            errors.add(field, _("Enter a number."))
            continue
        if not low <= number <= high:
            errors.add(field, _("Must be between %(low)s and %(high)s.", low=low, high=high))
            continue
        coordinates[field] = number
    if len(coordinates) == 2 and (coordinates["delivery_latitude"] is None) != (
        coordinates["delivery_longitude"] is None
    ):
        errors.add("delivery_longitude", _("Give both coordinates or neither."))
    out.update(coordinates)
    visibility = text(value_of("visibility")) or Visibility.PUBLIC
    if visibility not in (Visibility.PUBLIC, Visibility.INVITED):
        errors.add("visibility", _("Choose public or invited companies only."))
    out["visibility"] = visibility
    raw_ids = given.get("invited_company_ids")
    if raw_ids is None and current is not None:
        raw_ids = current.invited_company_ids
    ids: list[int] = []
    if len(raw_ids or []) > MAX_INVITED:
        errors.add("invited_company_ids", _("Invite at most %(n)d companies.", n=MAX_INVITED))
        raw_ids = []
    for raw in raw_ids or []:
        company_id = whole(Errors(), "id", raw, ID)
        if company_id is None:
            errors.add("invited_company_ids", _("Company ids are whole numbers."))
            break
        if company_id == own_company_id:
            continue
        if active_company_ids is not None and company_id not in active_company_ids:
            errors.add("invited_company_ids", _("Company %(id)s does not exist.", id=company_id))
            continue
        if company_id not in ids:
            ids.append(company_id)
    if visibility == Visibility.INVITED and not ids and "invited_company_ids" not in errors:
        errors.add("invited_company_ids", _("Invite at least one company."))
    out["invited_company_ids"] = ids
    if errors:
        raise ValidationError(dict(errors))
    return out
