"""Text on result cards: rich-text descriptions as plain, cut snippets, and query words in <mark>."""

from __future__ import annotations

import functools
import html.parser
import re

import nh3
from markupsafe import Markup, escape

from search.analysis import fold, terms
from search.documents import DESCRIPTION_CHARS

SNIPPET_CHARS = 200
# Tags whose edges separate words: "<li>5 t</li><li>ISO</li>" reads "5 t ISO", not "5 tISO".
# Every other tag (b, a, span, ...) is dropped with its text kept, so "<b>Stain</b>less" stays one word.
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav",
    "ol", "p", "pre", "section", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
_TRAILING = " .,;:-–—"  # dropped before the ellipsis: "5 t,…" reads worse than "5 t…"
_WORD = re.compile(r"\w+", re.UNICODE)


class _Text(html.parser.HTMLParser):
    """Collects the text of well-formed markup, a space at every block tag; entities decoded."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(rich: str | None) -> str:
    """The words of rich text with every tag, script, comment and entity gone, spaces collapsed.

    nh3 (an HTML5 parser) first reduces the input to block tags without attributes and drops
    scripts, styles, comments and a tag left open by a cut; the standard parser then reads that
    well-formed rest. The result is text, not HTML: escape it before it goes into a page."""
    if not rich:
        return ""
    cleaned = nh3.clean(rich, tags=_BLOCK_TAGS, attributes={}, strip_comments=True)
    reader = _Text()
    reader.feed(cleaned)
    reader.close()
    return " ".join("".join(reader.parts).split())


def cut(text: str, limit: int = SNIPPET_CHARS, *, more: bool = False) -> str:
    """text up to limit characters, cut after a whole word with an ellipsis when anything is left out.

    more says the text itself was already cut somewhere (its last word may be partial)."""
    if not text or (len(text) <= limit and not more):
        return text
    head = text[: limit + 1]  # one character past the limit: a space there means a whole word
    boundary = head.rfind(" ")
    if boundary > 0 and (boundary >= limit // 2 or len(head) <= limit):
        head = head[:boundary]
    else:  # no space in the second half (a long URL or code): cut inside it
        head = head[:limit]
    return head.rstrip(_TRAILING) + "…"


def description_snippet(stored: str | None) -> str:
    """The plain snippet of an index document's description (its first DESCRIPTION_CHARS of rich
    text, so one that long was cut and its last word may be partial)."""
    stored = stored or ""
    return cut(plain_text(stored), more=len(stored) >= DESCRIPTION_CHARS)


Words = tuple[set[str], list[str]]  # the query's stems, and its prefix* words folded


def highlight(text: str, words: Words) -> Markup:
    """The text escaped, with words that match the query wrapped in <mark>.

    A word matches when it has the same stem after folding (so 'Rury' and 'Łódź' match 'rury'
    and 'lodz'), as the index compares them, or starts with a prefix the query ended with *."""
    exact, prefixes = words
    if not exact and not prefixes:
        return escape(text)
    out: list[str] = []
    last = 0
    for match in _WORD.finditer(text):
        token = match.group(0)
        stems, folded = _token_forms(token)
        if any(s in exact for s in stems) or any(folded.startswith(p) for p in prefixes):
            out.append(str(escape(text[last : match.start()])))
            out.append(f"<mark>{escape(token)}</mark>")
            last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


@functools.lru_cache(maxsize=20_000)
def _token_forms(token: str) -> tuple[list[str], str]:
    return terms(token), fold(token)
