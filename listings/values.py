"""Readers of single input values (text, whole numbers, yes/no, dates, category, currency).

Each adds a message to the field's list in Errors instead of raising, so a whole record is
checked at once and every bad field is named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from listings.models import Category
from listings.reference import MAX_RICH_TEXT, OFFER_CURRENCIES
from marketplace.core import clock
from marketplace.core.bounds import Bound
from marketplace.core.sanitize import clean_html, too_long

_TRUE = {"1", "true", "yes", "y", "on", "tak"}
_FALSE = {"0", "false", "no", "n", "off", "nie", ""}


class Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def text(value: Any) -> str | None:
    if value is None:
        return None
    stripped = str(value).strip()
    return stripped or None


def whole(errors: Errors, field: str, value: Any, bound: Bound) -> int | None:
    """value as a whole number inside bound (marketplace.core.bounds), else a message."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        errors.add(field, _("Enter a whole number."))
        return None
    try:
        text_value = str(value).strip()
        # at most 30 digits: int() of a long text is slow, and no bound comes near it
        if not isinstance(value, int) and len(text_value.lstrip("+-")) > 30:
            raise ValueError
        number = int(text_value) if not isinstance(value, int) else value
    except ValueError:
        errors.add(field, _("Enter a whole number."))
        return None
    if number < bound.low:
        if bound.low == 1:
            errors.add(field, _("Must be at least 1."))
        else:
            errors.add(field, _("Must not be negative."))
        return None
    if number > bound.high:
        errors.add(field, _("The number is too large."))
        return None
    return number


def yes_no(errors: Errors, field: str, value: Any) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    answer = str(value).strip().lower()
    if answer in _TRUE:
        return True
    if answer in _FALSE:
        return False
    errors.add(field, _("Answer yes or no."))
    return False


def future_date(errors: Errors, field: str, value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        try:
            value = dt.date.fromisoformat(str(value).strip())
        except ValueError:
            errors.add(field, _("Enter a date as YYYY-MM-DD."))
            return None
    if value < clock.today():
        errors.add(field, _("The date must not be in the past."))
        return None
    return value


def known_category(
    errors: Errors, value: Any, categories: Mapping[str, Category]
) -> Category | None:
    if isinstance(value, Category):
        return value
    slug = text(value)
    category = categories.get(slug or "")
    if category is None:
        errors.add("category", _("Choose a category from the list."))
    return category


def offer_currency(errors: Errors, value: Any) -> str | None:
    code = (text(value) or "").upper()
    if code not in OFFER_CURRENCIES:
        errors.add("currency", _("Choose one of: %(codes)s.", codes=", ".join(OFFER_CURRENCIES)))
        return None
    return code


def rich_text(errors: Errors, field: str, value: Any) -> str:
    """Cleaned HTML; text over MAX_RICH_TEXT characters as typed is a field error, never cut
    (cutting after cleaning could leave half a tag on a page that renders it as HTML)."""
    raw = text(value)
    if raw is not None:
        raw = raw.replace("\r\n", "\n")  # a browser sends each typed line break as two characters
    message = too_long(raw, MAX_RICH_TEXT)
    if message:
        errors.add(field, message)
        return ""
    return clean_html(raw)
