"""The rules a new tender must meet: times, items, weights adding up to 100, auction decrements,
invitations. Pure checks that collect every field's problem; the caller raises them together."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.companies.models import Company, CompanyStatus
from marketplace.core import clock
from marketplace.core.bounds import ID, PERCENT, PRICE, QUANTITY, Bound
from marketplace.core.extensions import db
from marketplace.core.money import CURRENCIES

MAX_CUSTOM = 2
MAX_ITEMS = 50
MAX_DURATION = dt.timedelta(days=365)
# The ranges of a tender's numbers; the API's schemas hold input to the same ones.
CUSTOM_WEIGHT = Bound(1, 100)
DECREMENT_BP = Bound(1, 5000)  # 0.01 % to 50 % of the best price
EXTENSION_MINUTES = Bound(0, 60)
LEAD_DAYS = Bound(0, 730)


def whole(values: dict, name: str, errors: dict, message: str, bound: Bound, *,
          required: bool = False) -> int | None:  # fmt: skip
    """values[name] when it is a whole number inside bound; otherwise message under errors[name]
    (a missing value is an error only when required)."""
    value = values.get(name)
    if value is None:
        if required:
            errors[name] = [message]
        return None
    if value not in bound:
        errors[name] = [message]
        return None
    return value


def check_common(data: dict, errors: dict) -> dict:
    values: dict[str, Any] = {}
    title = str(data.get("title") or "").strip()
    if not 3 <= len(title) <= 200:
        errors["title"] = [_("Give a title of 3 to 200 characters.")]
    values["title"] = title
    values["description"] = str(data.get("description") or "").strip()[:20000]
    currency = str(data.get("currency") or "").strip().upper()
    if currency not in CURRENCIES:
        errors["currency"] = [_("Unknown currency.")]
    values["currency"] = currency
    docs = data.get("required_documents") or []
    if not isinstance(docs, list) or not all(isinstance(d, str) for d in docs) or len(docs) > 10:
        errors["required_documents"] = [_("Give at most 10 document names.")]
        docs = []
    values["required_documents"] = [d.strip()[:120] for d in docs if d.strip()]
    opens_at, closes_at = data.get("opens_at"), data.get("closes_at")
    moment = clock.now()
    if not isinstance(opens_at, dt.datetime):
        opens_at = moment
    opens_at = clock.as_utc(opens_at)
    if not isinstance(closes_at, dt.datetime):
        errors["closes_at"] = [_("Give the closing time.")]
    else:
        closes_at = clock.as_utc(closes_at)
        if closes_at <= moment:
            errors["closes_at"] = [_("The closing time must be in the future.")]
        elif closes_at <= opens_at:
            errors["closes_at"] = [_("The closing time must come after the opening time.")]
        elif closes_at - opens_at > MAX_DURATION:
            errors["closes_at"] = [_("A tender runs for at most a year.")]
    values["opens_at"], values["closes_at"] = opens_at, closes_at
    values["invited_only"] = bool(data.get("invited_only", True))
    return values


def check_single_item(data: dict, title: str, errors: dict) -> list[dict]:
    """The one item of an auction, or of a sealed tender published the old way (quantity, unit)."""
    quantity = whole(data, "quantity", errors, _("Give a quantity above zero."), QUANTITY,
                     required=True)  # fmt: skip
    unit = str(data.get("unit") or "").strip()
    if not 1 <= len(unit) <= 20:
        errors["unit"] = [_("Give the unit (e.g. pcs, kg).")]
    return [{"position": 1, "description": title[:200], "quantity": quantity, "unit": unit}]


def check_items(data: dict, title: str, errors: dict) -> list[dict]:
    """A sealed tender's items: 1 to 50, each with a description, a quantity and a unit.

    Without "items" the old single-item fields (quantity, unit) describe one item named as the
    tender. Errors name the item by its index in the list: items.2.quantity."""
    raw = data.get("items")
    if raw is None:
        return check_single_item(data, title, errors)
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_ITEMS:
        errors["items"] = [_("Give 1 to %(n)s items.", n=MAX_ITEMS)]
        return []
    items: list[dict] = []
    for index, entry in enumerate(raw):
        entry = entry if isinstance(entry, dict) else {}
        number = index + 1
        description = str(entry.get("description") or "").strip()
        if not 1 <= len(description) <= 200:
            errors[f"items.{index}.description"] = [
                _("Item %(n)s: describe it in 1 to 200 characters.", n=number)
            ]
        quantity = entry.get("quantity")
        if quantity not in QUANTITY:
            errors[f"items.{index}.quantity"] = [
                _("Item %(n)s: give a quantity above zero.", n=number)
            ]
        unit = str(entry.get("unit") or "").strip()
        if not 1 <= len(unit) <= 20:
            errors[f"items.{index}.unit"] = [
                _("Item %(n)s: give the unit (e.g. pcs, kg).", n=number)
            ]
        items.append(
            {"position": number, "description": description, "quantity": quantity, "unit": unit}
        )
    return items


def check_weights(data: dict, errors: dict) -> dict:
    values = {}
    for name in ("weight_price", "weight_lead_time", "weight_rating"):
        values[name] = (
            whole(data, name, errors, _("A weight is a whole number 0-100."), PERCENT) or 0
        )
    custom_raw = data.get("custom_criteria") or []
    custom: list[dict] = []
    if not isinstance(custom_raw, list) or len(custom_raw) > MAX_CUSTOM:
        errors["custom_criteria"] = [_("At most two custom criteria.")]
        custom_raw = []
    for index, item in enumerate(custom_raw):
        name = str((item or {}).get("name") or "").strip() if isinstance(item, dict) else ""
        weight = item.get("weight") if isinstance(item, dict) else None
        if not 1 <= len(name) <= 80:
            errors[f"custom_criteria.{index}.name"] = [_("Name the criterion.")]
        if weight not in CUSTOM_WEIGHT:
            errors[f"custom_criteria.{index}.weight"] = [_("A weight is a whole number 1-100.")]
            weight = 0
        custom.append({"name": name, "weight": weight})
    if len({c["name"].lower() for c in custom}) != len(custom):
        errors["custom_criteria"] = [_("Give each criterion its own name.")]
    total = sum(values.values()) + sum(c["weight"] for c in custom)
    if not errors and total != 100:
        errors["weights"] = [_("The weights must add up to 100 (now %(n)s).", n=total)]
    values["custom_criteria"] = custom
    return values


def check_auction(data: dict, errors: dict) -> dict:
    values: dict[str, Any] = {}
    start = whole(
        data, "starting_price", errors, _("Give a starting unit price above zero."), PRICE,
        required=True,
    )  # fmt: skip
    values["starting_price"] = start
    amount = whole(data, "decrement_amount", errors, _("Give a decrement above zero."), PRICE)
    bp = whole(
        data, "decrement_bp", errors, _("Give a percentage between 0.01 and 50."), DECREMENT_BP
    )
    both_checked = "decrement_amount" not in errors and "decrement_bp" not in errors
    if both_checked and (amount is None) == (bp is None):
        errors["decrement"] = [_("Give the minimum decrement as an amount or a percentage.")]
    values["decrement_amount"], values["decrement_bp"] = amount, bp
    ext = whole(
        data, "extension_minutes", errors, _("Between 0 and 60 minutes."), EXTENSION_MINUTES
    )
    values["extension_minutes"] = 2 if ext is None else ext
    values["show_best_price"] = bool(data.get("show_best_price", False))
    values["weight_price"] = 100
    return values


def invitable(raw: Any, own_company_id: int, errors: dict) -> list[int]:
    if not isinstance(raw, list) or not all(i in ID for i in raw):
        errors["invited_company_ids"] = [_("Give a list of company ids.")]
        return []
    ids = sorted(set(raw) - {own_company_id})
    if len(ids) > 200:
        errors["invited_company_ids"] = [_("Invite at most 200 suppliers.")]
        return []
    found = set(
        db.session.execute(
            sa.select(Company.id).where(Company.id.in_(ids), Company.status == CompanyStatus.ACTIVE)
        ).scalars()
    ) if ids else set()  # fmt: skip
    if set(ids) - found:
        errors["invited_company_ids"] = [_("Some of these companies do not exist.")]
    return sorted(found)
