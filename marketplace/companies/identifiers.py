"""Format and checksum rules for company identifiers: EU VAT, Polish NIP, KRS and REGON."""

from __future__ import annotations

import re

from flask_babel import gettext as _

_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z+*]{2,12}$")


def normalize(value: str | None) -> str:
    return re.sub(r"[\s\-.]", "", value or "").upper()


def nip_error(value: str) -> str | None:
    """NIP: 10 digits, the last a weighted checksum."""
    digits = normalize(value).removeprefix("PL")
    if not re.fullmatch(r"\d{10}", digits):
        return _("A NIP has 10 digits.")
    weights = (6, 5, 7, 2, 3, 4, 5, 6, 7)
    checksum = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    if checksum == 10 or checksum != int(digits[9]):
        return _("This NIP's check digit is wrong.")
    return None


def regon_error(value: str) -> str | None:
    """REGON: 9 or 14 digits, each length with its own weighted checksum."""
    digits = normalize(value)
    if re.fullmatch(r"\d{9}", digits):
        weights: tuple[int, ...] = (8, 9, 2, 3, 4, 5, 6, 7)
    elif re.fullmatch(r"\d{14}", digits):
        weights = (2, 4, 8, 5, 0, 9, 7, 3, 6, 1, 2, 4, 8)
    else:
        return _("A REGON has 9 or 14 digits.")
    checksum = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10
    if checksum != int(digits[-1]):
        return _("This REGON's check digit is wrong.")
    return None


def krs_error(value: str) -> str | None:
    if not re.fullmatch(r"\d{10}", normalize(value)):
        return _("A KRS number has 10 digits.")
    return None


def vat_error(value: str) -> str | None:
    """EU VAT: country prefix and 2–12 characters; Polish numbers also pass the NIP checksum."""
    vat = normalize(value)
    if not _VAT.match(vat):
        return _("A VAT number starts with a two-letter country code, e.g. PL5260250274.")
    if vat.startswith("PL"):
        return nip_error(vat[2:])
    return None


CHECKS = {"vat_id": vat_error, "nip": nip_error, "krs": krs_error, "regon": regon_error}
