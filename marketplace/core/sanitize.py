"""Text from users is checked for length and, when rich, cleaned to a small, safe subset of HTML."""

from __future__ import annotations

import nh3
from flask_babel import gettext as _

from marketplace.core.errors import ValidationError

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h3", "h4",
    "blockquote", "a", "table", "thead", "tbody", "tr", "th", "td", "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def clean_html(text: str | None) -> str:
    """Strip scripts, event handlers and unknown tags; links get rel=noopener."""
    if not text:
        return ""
    return nh3.clean(
        text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    ).strip()


def plain_text(text: str | None) -> str:
    """All markup removed (for snippets, search documents and mail)."""
    if not text:
        return ""
    return nh3.clean(text, tags=set()).strip()


def too_long(text: str | None, limit: int) -> str | None:
    """The field message for text over limit characters, or None when it fits.

    Check what the person typed, before cleaning: cutting cleaned HTML can leave a tag open, and
    silently dropping the end loses their words."""
    if text is not None and len(text) > limit:
        return _("At most %(count)d characters.", count=limit)
    return None


def check_length(field: str, text: str | None, limit: int) -> None:
    """Raise a ValidationError naming field when text is over limit characters."""
    message = too_long(text, limit)
    if message:
        raise ValidationError({field: [message]})
