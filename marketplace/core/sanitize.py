"""Rich text from users is cleaned on input to a small, safe subset of HTML."""

from __future__ import annotations

import nh3

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
