"""The ranges whole numbers from outside may take (ids, quantities, money, days, weights) and the
fields that hold each input to its range: a marshmallow field for the API, a WTForms field for
pages, and a reader for query strings and raw form values.

Every integer a client sends passes through one of them, so none reaches the database as an
overflow (SQLite refuses Python ints beyond 64 bits, PostgreSQL's INTEGER ends at 2**31 - 1).
Domain rules beyond the range (weights adding up to 100, a MOQ below the first tier) stay in
the services.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask_babel import gettext as _
from wtforms import IntegerField
from wtforms.validators import NumberRange
from wtforms.validators import ValidationError as FormValidationError

from marketplace.core.errors import ValidationError

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
_WHOLE = re.compile(r"-?[0-9]{1,30}")


@dataclasses.dataclass(frozen=True, slots=True)
class Bound:
    """An inclusive range of whole numbers."""

    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return (
            isinstance(value, int)
            and not isinstance(value, bool)
            and self.low <= value <= self.high
        )

    def message(self) -> str:
        return _("Must be between %(low)s and %(high)s.", low=self.low, high=self.high)

    @property
    def storage(self) -> Bound:
        """The column type's range that holds this domain (INTEGER or BIGINT)."""
        limit = INT32_MAX if self.low >= -INT32_MAX - 1 and self.high <= INT32_MAX else INT64_MAX
        return Bound(-limit - 1, limit)


# Ids are SQL INTEGER columns (32-bit on PostgreSQL): a larger id names no row on any database.
ID = Bound(1, INT32_MAX)
# Goods counted in units of measure; INTEGER columns, and a line's quantity x unit price stays
# far inside BIGINT.
QUANTITY = Bound(1, 1_000_000_000)
COUNT = Bound(0, 1_000_000_000)  # a quantity that may be zero (stock on hand)
# Money in minor units (BIGINT columns): ten billion in major units for any one amount.
PRICE = Bound(1, 10**12)
MINOR_UNITS = Bound(0, 10**12)
DAYS = Bound(0, 3650)
PERCENT = Bound(0, 100)  # weights of tender criteria
BASIS_POINTS = Bound(0, 10_000)
YEAR = Bound(1800, 9999)
RATING = Bound(1, 5)
AFTER_ID = Bound(0, INT32_MAX)  # "after this id"; 0 is before the first
INT32 = Bound(-INT32_MAX - 1, INT32_MAX)  # any other whole number


class Integer(ma.fields.Integer):
    """A JSON whole number held to a Bound; the OpenAPI document declares the bound as its
    minimum and maximum. Query-string schemas pass strict=False (the value is text).

    domain_rule=True: the service's rule for this field checks the domain's range with a message
    of its own ("Item 3: give a quantity above zero"), next to the other fields' rules, so every
    problem shows at once; here the value is then held only to the column's range, never letting
    an overflow through."""

    def __init__(self, bound: Bound = INT32, *, strict: bool = True, domain_rule: bool = False,
                 **kwargs: Any) -> None:  # fmt: skip
        metadata = {"minimum": bound.low, "maximum": bound.high, **kwargs.pop("metadata", {})}
        super().__init__(strict=strict, metadata=metadata, **kwargs)
        self.bound = bound
        self.edge = bound.storage if domain_rule else bound

    def _validated(self, value: Any) -> int:
        number = super()._validated(value)
        if number not in self.edge:
            raise ma.ValidationError(self.bound.message())
        return number


def Id(**kwargs: Any) -> Integer:  # noqa: N802 - reads as a field type in schemas
    """The id of an object (a company, an offer, a slot)."""
    return Integer(ID, **kwargs)


class _FormBound(NumberRange):
    """WTForms' NumberRange (the input's min and max attributes) with our message."""

    def __init__(self, bound: Bound, edge: Bound) -> None:
        super().__init__(bound.low, bound.high)
        self.bound, self.edge = bound, edge

    def __call__(self, form: Any, field: Any) -> None:
        if field.data is not None and field.data not in self.edge:
            raise FormValidationError(self.bound.message())


class BoundedIntegerField(IntegerField):
    """A page's whole-number input held to a Bound: out of range is a message beside the field.
    domain_rule=True as for Integer: the service's rule words the domain's range, this field
    then only keeps the value inside its column's range."""

    def __init__(self, label: Any = None, validators: Any = None, *, bound: Bound = INT32,
                 domain_rule: bool = False, **kwargs: Any) -> None:  # fmt: skip
        edge = bound.storage if domain_rule else bound
        super().__init__(label, [*(validators or []), _FormBound(bound, edge)], **kwargs)
        self.bound = bound


def whole(raw: Any, bound: Bound) -> int | None:
    """raw (text or a number) as a whole number inside bound, else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw in bound else None
    text = str(raw or "").strip()
    if not _WHOLE.fullmatch(text):
        return None
    number = int(text)
    return number if number in bound else None


def read(values: Mapping[str, Any], name: str, bound: Bound = ID) -> int | None:
    """values[name] (request.args, request.form) as a whole number in bound; None when absent
    or blank; otherwise a ValidationError naming the parameter (422)."""
    raw = values.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    number = whole(raw, bound)
    if number is None:
        raise ValidationError({name: [bound.message()]})
    return number


def read_list(values: Any, name: str, bound: Bound = ID) -> list[int]:
    """Every value of a repeated parameter (checkboxes of ids), each held to bound."""
    numbers = []
    for raw in values.getlist(name):
        number = whole(raw, bound)
        if number is None:
            raise ValidationError({name: [bound.message()]})
        numbers.append(number)
    return numbers
