"""Fixed vocabularies of listings: units of measure, Incoterms rules and the currencies offers use."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

UNITS: dict[str, object] = {
    "pcs": _l("pieces"),
    "kg": _l("kilograms"),
    "t": _l("tonnes"),
    "m": _l("metres"),
    "m2": _l("square metres"),
    "m3": _l("cubic metres"),
    "l": _l("litres"),
    "pallet": _l("pallets"),
    "set": _l("sets"),
    "pack": _l("packs"),
    "roll": _l("rolls"),
    "hour": _l("hours"),
    "day": _l("days"),
    "month": _l("months"),
    "shipment": _l("shipments"),
    "MWh": _l("megawatt hours"),
}

INCOTERMS: dict[str, str] = {
    "EXW": "EXW – Ex Works",
    "FCA": "FCA – Free Carrier",
    "CPT": "CPT – Carriage Paid To",
    "CIP": "CIP – Carriage and Insurance Paid To",
    "DAP": "DAP – Delivered at Place",
    "DPU": "DPU – Delivered at Place Unloaded",
    "DDP": "DDP – Delivered Duty Paid",
    "FAS": "FAS – Free Alongside Ship",
    "FOB": "FOB – Free on Board",
    "CFR": "CFR – Cost and Freight",
    "CIF": "CIF – Cost, Insurance and Freight",
}

OFFER_CURRENCIES = ("EUR", "PLN", "USD", "GBP", "CZK", "CHF", "SEK")
LANGUAGES = ("en", "pl")
MAX_IMAGES = 8
MAX_TIERS = 10
MAX_INVITED = 200  # companies one buy request may invite
MAX_RICH_TEXT = 20_000  # characters of a description as typed, before cleaning
