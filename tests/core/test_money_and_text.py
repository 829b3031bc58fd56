"""Money arithmetic in minor units, identifiers' checksums, sanitizing and slugs."""

from __future__ import annotations

import pytest

from marketplace.companies import identifiers
from marketplace.core.errors import ValidationError
from marketplace.core.money import Money, MoneyError
from marketplace.core.sanitize import check_length, clean_html, plain_text, too_long
from marketplace.core.text import fold, slugify


def test_money_parses_major_units_exactly():
    assert Money.parse("12,50", "PLN") == Money(1250, "PLN")
    assert Money.parse("1 000.01", "EUR").amount == 100001
    assert Money.parse("15", "JPY") == Money(15, "JPY")
    with pytest.raises(MoneyError):
        Money.parse("0.001", "EUR")
    with pytest.raises(MoneyError):
        Money.parse("NaN", "EUR")
    with pytest.raises(MoneyError):
        Money.parse("1", "XYZ")


def test_money_refuses_floats_and_mixed_currencies():
    with pytest.raises(MoneyError):
        Money(12.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(MoneyError):
        Money(1, "EUR") + Money(1, "PLN")
    assert Money(250, "EUR").times(4) == Money(1000, "EUR")


def test_percent_rounds_half_up_to_the_minor_unit():
    # 2.5 % of 0.99 EUR = 2.475 cents -> 2 cents; of 1.01 EUR = 2.525 -> 3 cents
    assert Money(99, "EUR").percent(250) == Money(2, "EUR")
    assert Money(101, "EUR").percent(250) == Money(3, "EUR")


def test_money_formats_per_language():
    assert Money(123456, "PLN").format("pl") == "1\xa0234,56\xa0zł"
    assert Money(123456, "EUR").format("en") == "€1,234.56"


@pytest.mark.parametrize(
    ("check", "value", "ok"),
    [
        (identifiers.nip_error, "526-025-02-74", True),
        (identifiers.nip_error, "5260250275", False),
        (identifiers.regon_error, "012100784", True),
        (identifiers.regon_error, "012100785", False),
        (identifiers.krs_error, "0000012345", True),
        (identifiers.krs_error, "12345", False),
        (identifiers.vat_error, "DE123456789", True),
        (identifiers.vat_error, "PL5260250274", True),
        (identifiers.vat_error, "PL5260250275", False),
        (identifiers.vat_error, "123", False),
    ],
)
def test_identifier_checks(app, check, value, ok):
    assert (check(value) is None) is ok


def test_rich_text_keeps_formatting_and_drops_scripts():
    html = '<p onclick="x()">Hi <strong>there</strong><script>alert(1)</script><a href="javascript:x">l</a></p>'
    cleaned = clean_html(html)
    assert "<strong>there</strong>" in cleaned
    assert "onclick" not in cleaned and "<script" not in cleaned and "javascript:" not in cleaned
    assert plain_text("<p>a <b>b</b></p>") == "a b"


def test_folding_and_slugs_handle_polish_letters():
    assert fold("Łódź żółć") == "Lodz zolc"
    assert slugify("Zakład Mechaniki — Łódź!") == "zaklad-mechaniki-lodz"
    assert slugify("***") == "item"


def test_text_over_its_limit_is_a_field_error_and_text_at_the_limit_is_not():
    assert too_long("x" * 80, 80) is None and too_long(None, 80) is None
    assert too_long("x" * 81, 80) == "At most 80 characters."
    check_length("title", "x" * 80, 80)
    with pytest.raises(ValidationError) as error:
        check_length("title", "x" * 81, 80)
    assert error.value.errors == {"title": ["At most 80 characters."]}
