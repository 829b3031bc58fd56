"""Text normalisation: diacritics folding and URL slugs."""

from __future__ import annotations

import re
import unicodedata

_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """'Łódź żółć' -> 'Lodz zolc': strip accents, including letters NFKD cannot split."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_SPECIAL))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def slugify(text: str, max_length: int = 80) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text).lower()).strip("-")
    return slug[:max_length].rstrip("-") or "item"
