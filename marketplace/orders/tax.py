"""VAT for an order line: domestic rate, reverse charge for cross-border EU B2B, zero for export."""

from __future__ import annotations

from marketplace.companies.reference import EU_COUNTRIES

# Standard VAT rates in basis points (2300 = 23 %), by the seller's country.
STANDARD_RATES: dict[str, int] = {
    "AT": 2000, "BE": 2100, "BG": 2000, "HR": 2500, "CY": 1900, "CZ": 2100, "DK": 2500,
    "EE": 2200, "FI": 2550, "FR": 2000, "DE": 1900, "GR": 2400, "HU": 2700, "IE": 2300,
    "IT": 2200, "LV": 2100, "LT": 2100, "LU": 1700, "MT": 1800, "NL": 2100, "PL": 2300,
    "PT": 2300, "RO": 1900, "SK": 2300, "SI": 2200, "ES": 2100, "SE": 2500,
}  # fmt: skip


def is_reverse_charge(seller_country: str, buyer_country: str) -> bool:
    """Both companies in the EU but in different countries: the buyer accounts for the VAT."""
    return (
        seller_country in EU_COUNTRIES
        and buyer_country in EU_COUNTRIES
        and seller_country != buyer_country
    )


def vat_rate(seller_country: str, buyer_country: str) -> int:
    """Basis points of VAT the seller charges on a line."""
    if seller_country == buyer_country:
        return STANDARD_RATES.get(seller_country, 0)
    return 0  # reverse charge inside the EU, or an export outside it
