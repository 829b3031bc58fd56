"""Text analysis shared by both backends: diacritic folding, stemming, CJK bigrams and query parsing."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata

import tantivy

# Letters NFKD does not decompose into a base letter plus a mark.
_EXTRA_FOLDS = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE",
     "œ": "oe", "Œ": "OE", "ı": "i", "þ": "th"}
)  # fmt: skip
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{_CJK}]+")
_WORD = re.compile(rf"[^\W{_CJK}]+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')
MAX_QUERY_CHARS = 500  # longer input is cut: nobody types more, and it bounds engine work
MAX_TERMS = 16


def fold_by_decomposition(text: str) -> str:
    """The definition of fold(): NFKD, combining marks dropped, case folded. Slow, one char at a time."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA_FOLDS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


@functools.cache
def _fold_table() -> dict[int, str | None]:
    """Each BMP character that fold changes, mapped to what it becomes (None: a dropped mark).

    NFKD decomposes each character on its own and only reorders combining marks, which are all
    dropped, so folding a string character by character gives the same result as folding it whole.
    """
    table: dict[int, str | None] = {}
    for code in range(0x80, 0x10000):
        if 0xD800 <= code <= 0xDFFF:
            continue
        char = chr(code)
        folded = "".join(
            ch
            for ch in unicodedata.normalize("NFKD", char.translate(_EXTRA_FOLDS))
            if not unicodedata.combining(ch)
        )
        if folded != char:
            table[code] = folded or None
    return table


@functools.cache
def _fold_list() -> list[str | None]:
    """_fold_table as a list with every BMP character present (unchanged ones map to themselves).

    str.translate raises and swallows a LookupError for every character a dict lacks; a full
    list never misses, which makes folding a Polish description about three times faster."""
    table = _fold_table()
    return [table.get(code, chr(code)) for code in range(0x10000)]


_BEYOND_BMP = re.compile("[\U00010000-\U0010ffff]")


def fold(text: str) -> str:
    """Lower-case text with diacritics removed: 'Łódź' -> 'lodz', 'żółć' -> 'zolc'."""
    if text.isascii():
        return text.casefold()
    if _BEYOND_BMP.search(text):  # outside the table: rare enough to take the slow path
        return fold_by_decomposition(text)
    return text.translate(_fold_list()).casefold()  # built on the first non-ASCII text


def _analyzer(stem: bool) -> tantivy.TextAnalyzer:
    builder = (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(40))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.ascii_fold())
    )
    if stem:
        builder = builder.filter(tantivy.Filter.stemmer("english"))
    return builder.build()


TEXT_ANALYZER = _analyzer(stem=True)
RAW_ANALYZER = _analyzer(stem=False)


def terms(text: str) -> list[str]:
    """Index terms of text (folded and stemmed) without its CJK runs, which go to cjk_grams."""
    return TEXT_ANALYZER.analyze(fold(_CJK_RUN.sub(" ", text)))


def raw_terms(text: str) -> list[str]:
    """The same tokens as terms() before stemming: a typo is compared to the word as typed."""
    return RAW_ANALYZER.analyze(fold(_CJK_RUN.sub(" ", text)))


def cjk_grams(text: str) -> list[str]:
    """Overlapping character bigrams of each CJK run (a lone character stays a unigram)."""
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        if len(run) == 1:
            grams.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def cjk_field(text: str) -> str:
    """The text stored in the cjk field: bigrams separated by spaces, analysed by whitespace."""
    return " ".join(cjk_grams(text))


def fuzziness(term: str) -> int:
    """Edit distance allowed for a term, like Elasticsearch's AUTO: 0-2 chars 0, 3-5 one, more two."""
    if len(term) <= 2:
        return 0
    return 1 if len(term) <= 5 else 2


@dataclasses.dataclass
class ParsedText:
    """What the user typed, split into words, quoted phrases, trailing-* prefixes and CJK bigrams."""

    words: list[str] = dataclasses.field(default_factory=list)
    typed: dict[str, str] = dataclasses.field(default_factory=dict)  # stem -> word as typed
    phrases: list[list[str]] = dataclasses.field(default_factory=list)
    prefixes: list[str] = dataclasses.field(default_factory=list)
    cjk: list[str] = dataclasses.field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.words or self.phrases or self.prefixes or self.cjk)

    @property
    def all_terms(self) -> list[str]:
        return self.words + [t for p in self.phrases for t in p] + self.prefixes


def parse(text: str | None) -> ParsedText:
    """Read a user query without any engine syntax: operators and punctuation are just separators."""
    parsed = ParsedText()
    if not text:
        return parsed
    text = text[:MAX_QUERY_CHARS]
    for phrase in _PHRASE.findall(text):
        words = terms(phrase)
        if len(words) > 1:
            parsed.phrases.append(words[:MAX_TERMS])
        else:
            parsed.words.extend(words)
        parsed.cjk.extend(cjk_grams(phrase))
    rest = _PHRASE.sub(" ", text)
    parsed.cjk.extend(cjk_grams(rest))
    for raw in re.split(r"\s+", rest):
        if not raw:
            continue
        words = terms(raw)
        if raw.endswith("*") and words and len(words[-1]) >= 2:
            # A prefix is matched before stemming: 'stain*' must find 'stainless'.
            last = _WORD.findall(fold(raw))[-1]
            parsed.words.extend(words[:-1])
            parsed.prefixes.append(last)
        else:
            parsed.words.extend(words)
            parsed.typed.update(zip(words, raw_terms(raw), strict=False))
    parsed.words = list(dict.fromkeys(parsed.words))[:MAX_TERMS]
    parsed.prefixes = parsed.prefixes[:4]
    parsed.cjk = list(dict.fromkeys(parsed.cjk))[:MAX_TERMS]
    return parsed
