"""VAT for an order line: domestic rate, reverse charge for cross-border EU B2B, zero for export.

Reverse charge (Article 196 of Council Directive 2006/112/EC) applies to a supply between two
EU countries only when both companies are VAT-registered: the invoice must carry both VAT
identification numbers (Article 226(3)-(4)), and the buyer's number is what makes the supply
exempt in the seller's country. Without them the seller charges its domestic VAT.
"""

from __future__ import annotations

from typing import Protocol

from marketplace.companies.reference import EU_COUNTRIES

# Standard VAT rates in basis points (2300 = 23 %), by the seller's country.
STANDARD_RATES: dict[str, int] = {
    "AT": 2000, "BE": 2100, "BG": 2000, "HR": 2500, "CY": 1900, "CZ": 2100, "DK": 2500,
    "EE": 2200, "FI": 2550, "FR": 2000, "DE": 1900, "GR": 2400, "HU": 2700, "IE": 2300,
    "IT": 2200, "LV": 2100, "LT": 2100, "LU": 1700, "MT": 1800, "NL": 2100, "PL": 2300,
    "PT": 2300, "RO": 1900, "SK": 2300, "SI": 2200, "ES": 2100, "SE": 2500,
}  # fmt: skip


class TaxParty(Protocol):
    """What VAT needs to know of a company (a `Company` is one)."""

    country: str
    vat_id: str | None


def _registered(party: TaxParty) -> bool:
    return bool((party.vat_id or "").strip())


def is_reverse_charge(seller: TaxParty, buyer: TaxParty) -> bool:
    """Both companies in the EU, in different countries, both with a VAT ID: the buyer
    accounts for the VAT."""
    return (
        seller.country in EU_COUNTRIES
        and buyer.country in EU_COUNTRIES
        and seller.country != buyer.country
        and _registered(seller)
        and _registered(buyer)
    )


def vat_rate(seller: TaxParty, buyer: TaxParty) -> int:
    """Basis points of VAT the seller charges on a line."""
    if seller.country in EU_COUNTRIES and buyer.country not in EU_COUNTRIES:
        return 0  # an export outside the EU
    if is_reverse_charge(seller, buyer):
        return 0
    return STANDARD_RATES.get(seller.country, 0)
