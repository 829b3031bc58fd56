"""Result cards: descriptions read as plain text with the query's words marked, on the page and in the API."""

from __future__ import annotations

import re

import pytest

from search.analysis import parse
from search.documents import DESCRIPTION_CHARS
from search.snippets import SNIPPET_CHARS, cut, description_snippet, highlight, plain_text
from tests.search import factories as f

RICH = (
    "<p>Stainless <b>steel</b> pipes &amp; tubes</p><ul><li>Minimum order 5 t</li><li>EN 10217</li>"
    '</ul><script>alert("x")</script><a href="javascript:evil()" onclick="evil()" class="x" '
    'style="color:red" data-x="1">Datasheet</a>'
)


def _words(text: str):
    parsed = parse(text)
    return set(parsed.words) | {t for p in parsed.phrases for t in p}, parsed.prefixes


def _tags(html: str) -> set[str]:
    return set(re.findall(r"</?([a-zA-Z]+)", html))


def test_rich_text_becomes_plain_words_with_only_marks():
    assert plain_text(RICH) == (
        "Stainless steel pipes & tubes Minimum order 5 t EN 10217 Datasheet"
    )
    marked = str(highlight(description_snippet(RICH), _words("steel")))
    assert marked == (
        "Stainless <mark>steel</mark> pipes &amp; tubes Minimum order 5 t EN 10217 Datasheet"
    )
    assert _tags(marked) == {"mark"}
    assert "alert" not in marked and "evil" not in marked and "onclick" not in marked


def test_long_text_is_cut_after_a_whole_word_with_an_ellipsis():
    text = " ".join(["galvanized"] * 40)  # 439 characters
    snippet = cut(text)
    assert snippet.endswith("galvanized…")
    assert len(snippet) <= SNIPPET_CHARS + 1
    assert set(snippet[:-1].split()) == {"galvanized"}
    assert cut("short text") == "short text"
    assert description_snippet("<script>" + "x" * DESCRIPTION_CHARS + "</script>") == ""


def test_a_stored_excerpt_cut_mid_word_loses_the_partial_word():
    # Markup-heavy: the index's first DESCRIPTION_CHARS characters are under 200 of text.
    stored = ("<p><b><i>" + "x" * 10 + "</i></b></p> ") * 20
    cut_off = stored[:DESCRIPTION_CHARS]
    assert plain_text(cut_off).endswith(" xxx")  # the index cut inside a word
    snippet = description_snippet(cut_off)
    assert snippet == " ".join(["x" * 10] * 9) + "…"
    # A tag the cut left open is dropped, not shown as text.
    assert plain_text('Pipes <a href="http://exa') == "Pipes"


@pytest.mark.parametrize(
    ("query", "text", "marked"),
    [
        ("rury", "Rury stalowe", "<mark>Rury</mark> stalowe"),
        ("PIPES", "Seamless pipes", "Seamless <mark>pipes</mark>"),
        ("lodz", "Łódź warehouse", "<mark>Łódź</mark> warehouse"),
        ("stain*", "Stainless pipes", "<mark>Stainless</mark> pipes"),
    ],
)
def test_query_words_are_marked_whatever_their_case_and_diacritics(query, text, marked):
    assert str(highlight(text, _words(query))) == marked


def test_markup_written_as_text_in_a_description_stays_text():
    snippet = description_snippet("<p>Use &lt;mark&gt;here&lt;/mark&gt; and <mark>there</mark></p>")
    assert snippet == "Use <mark>here</mark> and there"  # the text, not a tag
    marked = str(highlight(snippet, _words("there")))
    assert marked == "Use &lt;mark&gt;here&lt;/mark&gt; and <mark>there</mark>"


@pytest.fixture
def rich_offer(index):
    seller = f.supplier("Poznań Pipes", city="Poznań", country="PL", verified=True)
    offer = f.offer(seller, "Seamless tubes", description=RICH, price=12_000, moq=5,
                    lead_time_days=21)  # fmt: skip
    index()
    return offer


@pytest.mark.parametrize("view", [None, "suppliers"])
def test_the_card_shows_terms_supplier_and_a_plain_snippet(client, rich_offer, view):
    html = client.get("/search", query_string={"q": "steel", "view": view}).get_data(as_text=True)
    card = html[html.index('<li class="card offer-card search-card">') :]
    card = card[: card.index("</li>", card.index("search-card-terms"))]
    assert "Stainless <mark>steel</mark> pipes &amp; tubes Minimum order 5 t" in card
    assert _tags(card.split('class="snippet small">')[1].split("</p>")[0]) == {"mark"}
    assert "alert" not in html and "evil()" not in html
    assert "€120.00 / pcs" in card
    assert "5 pcs" in card and "21 days" in card
    assert "Poznań Pipes" in html and "Verified" in html and "Poland" in html


def test_the_card_in_polish(client, rich_offer):
    html = client.get("/search", query_string={"q": "steel", "lang": "pl"}).get_data(as_text=True)
    assert "21 dni" in html and "Czas realizacji" in html


def test_the_api_gives_a_plain_snippet_and_a_marked_one(client, rich_offer):
    hit = client.get("/api/v1/search/offers", query_string={"q": "steel"}).json["hits"][0]
    assert hit["snippet"] == plain_text(RICH)
    assert "<" not in hit["snippet"]
    assert hit["highlight"]["description"] == (
        "Stainless <mark>steel</mark> pipes &amp; tubes Minimum order 5 t EN 10217 Datasheet"
    )
