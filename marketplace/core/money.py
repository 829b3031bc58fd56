"""Money as an integer count of minor units plus an ISO 4217 currency; never a float."""

from __future__ import annotations

import dataclasses
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from babel.numbers import format_currency

# Currencies the marketplace trades in, with the number of minor-unit digits.
CURRENCIES: dict[str, int] = {
    "EUR": 2,
    "PLN": 2,
    "USD": 2,
    "GBP": 2,
    "CZK": 2,
    "CHF": 2,
    "SEK": 2,
    "JPY": 0,
}


class MoneyError(ValueError):
    """A malformed amount or an unsupported currency."""


def check_currency(code: str) -> str:
    code = (code or "").strip().upper()
    if code not in CURRENCIES:
        raise MoneyError(f"Unsupported currency {code!r}.")
    return code


@dataclasses.dataclass(frozen=True, slots=True)
class Money:
    amount: int  # minor units
    currency: str

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise MoneyError("Money amounts are whole minor units.")
        check_currency(self.currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str | int | Decimal, currency: str) -> Money:
        """Parse a major-unit amount such as "12.50" or "12,50" into minor units."""
        currency = check_currency(currency)
        try:
            value = Decimal(str(text).strip().replace(" ", "").replace(",", "."))
        except InvalidOperation as exc:
            raise MoneyError(f"{text!r} is not an amount.") from exc
        if not value.is_finite():
            raise MoneyError(f"{text!r} is not an amount.")
        exponent = CURRENCIES[currency]
        scaled = value.scaleb(exponent)
        if scaled != scaled.to_integral_value():
            raise MoneyError(f"{currency} amounts have at most {exponent} decimal places.")
        return cls(int(scaled), currency)

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money) or other.currency != self.currency:
            raise MoneyError("Cannot combine amounts in different currencies.")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.amount < other.amount

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.amount <= other.amount

    def times(self, quantity: int) -> Money:
        """Multiply by a whole quantity (line totals)."""
        return Money(self.amount * int(quantity), self.currency)

    def percent(self, basis_points: int) -> Money:
        """A share in basis points (1/100 of a percent), rounded half up to the minor unit."""
        value = (Decimal(self.amount) * basis_points / Decimal(10000)).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
        return Money(int(value), self.currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount).scaleb(-CURRENCIES[self.currency])

    def format(self, locale: str = "en") -> str:
        return format_currency(self.decimal, self.currency, locale=locale)

    def to_json(self) -> dict:
        return {"amount": self.amount, "currency": self.currency}

    def __str__(self) -> str:
        return f"{self.decimal} {self.currency}"
