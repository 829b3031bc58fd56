"""Reference lists a company profile draws from: industries, sizes, languages, certificate kinds."""

from __future__ import annotations

from babel import Locale
from flask_babel import lazy_gettext as _l

# Top-level industries; listings' category tree uses the same slugs for its first level.
INDUSTRIES: dict[str, object] = {
    "metals": _l("Metals and metalworking"),
    "chemicals": _l("Chemicals"),
    "plastics": _l("Plastics and rubber"),
    "textiles": _l("Textiles and apparel"),
    "food-agriculture": _l("Food and agriculture"),
    "electronics": _l("Electronics and electrical"),
    "machinery": _l("Machinery and equipment"),
    "construction": _l("Construction materials"),
    "packaging": _l("Packaging"),
    "furniture": _l("Furniture and wood"),
    "automotive": _l("Automotive parts"),
    "medical": _l("Medical supplies"),
    "energy": _l("Energy"),
    "logistics": _l("Logistics services"),
    "it-services": _l("IT and business services"),
    "paper-printing": _l("Paper and printing"),
}

COMPANY_SIZES: dict[str, object] = {
    "1-9": _l("1–9 employees"),
    "10-49": _l("10–49 employees"),
    "50-249": _l("50–249 employees"),
    "250-999": _l("250–999 employees"),
    "1000+": _l("1000+ employees"),
}

LANGUAGE_CODES = (
    "en",
    "pl",
    "de",
    "fr",
    "es",
    "it",
    "cs",
    "sk",
    "uk",
    "lt",
    "nl",
    "zh",
    "tr",
    "sv",
)

CERTIFICATE_KINDS: dict[str, str] = {
    "iso-9001": "ISO 9001",
    "iso-14001": "ISO 14001",
    "iso-45001": "ISO 45001",
    "iso-27001": "ISO/IEC 27001",
    "iatf-16949": "IATF 16949",
    "iso-13485": "ISO 13485",
    "ce": "CE",
    "fsc": "FSC",
    "haccp": "HACCP",
    "brc": "BRCGS",
    "gmp": "GMP",
    "other": "Other",
}


def country_names(locale: str = "en") -> dict[str, str]:
    """ISO 3166 alpha-2 codes and their names in the given language."""
    territories = Locale.parse(locale).territories
    return {
        code: name
        for code, name in sorted(territories.items(), key=lambda item: item[1])
        if len(code) == 2 and code.isalpha() and code not in {"EU", "EZ", "UN", "ZZ", "QO"}
    }


COUNTRY_CODES = frozenset(country_names("en"))

EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
