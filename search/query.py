"""The backend-neutral query model: SearchQuery in, SearchResult out, plus the opaque cursor."""

from __future__ import annotations

import base64
import dataclasses
import json
import math
from typing import Any

from flask_babel import lazy_gettext as _l

from marketplace.core.bounds import COUNT, DAYS, Bound
from marketplace.core.errors import ValidationError
from search.analysis import ParsedText, parse

OFFERS = "offers"
COMPANIES = "companies"
KINDS = (OFFERS, COMPANIES)

SORTS = {
    OFFERS: ("relevance", "newest", "price_asc", "price_desc", "distance"),
    COMPANIES: ("relevance", "newest", "distance"),
}
FACETS = {
    OFFERS: ("category", "industry", "country", "verified", "certificate"),
    COMPANIES: ("industry", "country", "verified", "certificate"),
}
ATTRIBUTES_FACET = "attrs"  # buckets are "key=value"; the service splits them per attribute


def term_facets(query: SearchQuery) -> tuple[str, ...]:
    """The keyword fields a query counts values of."""
    names = FACETS[query.kind]
    return (*names, ATTRIBUTES_FACET) if query.attribute_facets else names


# Range facets: index field and the bounds between buckets (lower bound inclusive).
RANGE_FACETS = {
    OFFERS: {
        "price": ("price_eur", (1000, 10000, 100000, 1000000)),  # EUR cents
        "moq": ("moq", (11, 101, 1001)),
        "lead_time": ("lead_time", (8, 15, 31)),
    },
    COMPANIES: {},
}


def range_aggregation(field: str, bounds: tuple[int, ...]) -> dict:
    """The same range aggregation body for tantivy and Elasticsearch (disjoint, ascending)."""
    edges = [None, *bounds, None]
    ranges = []
    for low, high in zip(edges, edges[1:], strict=False):
        item = {}
        if low is not None:
            item["from"] = low
        if high is not None:
            item["to"] = high
        ranges.append(item)
    return {"range": {"field": field, "ranges": ranges}}


def range_buckets(bounds: tuple[int, ...], counts: list[int]) -> list[FacetBucket]:
    """Buckets named 'low-high' ('*' for open ends), in the order they were asked for."""
    edges = ["*", *(str(b) for b in bounds), "*"]
    return [
        FacetBucket(value=f"{low}-{high}", count=count)
        for low, high, count in zip(edges, edges[1:], counts, strict=False)
    ]


# Relevance pages are read by offset (engines cannot seek past a score); this caps how deep.
MAX_RELEVANCE_OFFSET = 1000
MAX_RADIUS_KM = 20000.0
# Whole-number parameters: a page of hits, and the offer filters (the units of listings' fields).
LIMIT = Bound(1, 100)
MOQ_MAX = COUNT
LEAD_TIME_MAX = DAYS


class BadSearchParameter(ValidationError):
    """A query parameter that cannot be understood; answered 400 naming the parameter."""

    status = 400
    title = "Bad search parameter"


@dataclasses.dataclass
class Point:
    lat: float
    lon: float


@dataclasses.dataclass
class SearchQuery:
    """One question asked of the index, the same for both backends and both pages and the API."""

    kind: str = OFFERS
    text: str = ""
    category: list[str] = dataclasses.field(default_factory=list)
    industry: list[str] = dataclasses.field(default_factory=list)
    country: list[str] = dataclasses.field(default_factory=list)
    certificate: list[str] = dataclasses.field(default_factory=list)
    verified: bool | None = None
    company_id: int | None = None
    price_min: int | None = None  # EUR cents after conversion
    price_max: int | None = None
    moq_max: int | None = None
    lead_time_max: int | None = None
    attributes: dict[str, str] = dataclasses.field(default_factory=dict)
    near: Point | None = None
    radius_km: float | None = None
    sort: str = "relevance"
    limit: int = 20
    cursor: str | None = None
    facets: bool = True
    attribute_facets: bool = False  # also count category attribute values (one category chosen)
    exclude_ids: list[int] = dataclasses.field(default_factory=list)
    valid_on: int | None = None  # days since 1970: offers ending before this day are hidden
    cursor_state: dict[str, Any] | None = None  # the decoded cursor, set by the service

    @property
    def parsed(self) -> ParsedText:
        return parse(self.text)

    @property
    def effective_sort(self) -> str:
        """Relevance without any words to weigh means newest first."""
        if self.sort == "relevance" and self.parsed.empty:
            return "newest"
        return self.sort


@dataclasses.dataclass
class Hit:
    id: int
    score: float | None
    data: dict[str, Any]
    distance_km: float | None = None
    highlight: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class FacetBucket:
    value: str
    count: int
    label: str = ""
    params: dict[str, str] = dataclasses.field(default_factory=dict)  # the filter it stands for


@dataclasses.dataclass
class SearchResult:
    total: int
    hits: list[Hit]
    facets: dict[str, list[FacetBucket]]
    next_cursor: str | None


def encode_cursor(state: dict[str, Any]) -> str:
    raw = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


_INT64_MAX = 2**63 - 1
# Farther than any two points on Earth (half the circumference, about 20,038 km).
MAX_DISTANCE_KM = 20040.0
INTEGER_KEY_SORTS = ("newest", "price_asc", "price_desc")


def _reject_constant(name: str) -> None:
    raise ValueError(f"not a number: {name}")


def _whole(value: object) -> bool:
    """A JSON whole number an engine stores as a 64-bit integer; a page bound adds one to it."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < _INT64_MAX


def _valid_key(sort: str, key: object) -> bool:
    """Sort keys the engines accept as they are: whole 64-bit numbers, finite distances."""
    if not isinstance(key, list) or len(key) != 2:
        return False
    if sort in INTEGER_KEY_SORTS:
        return _whole(key[0]) and _whole(key[1])
    if sort == "distance":
        distance, object_id = key
        return (
            isinstance(distance, int | float)
            and not isinstance(distance, bool)
            and math.isfinite(distance)
            and 0 <= distance <= MAX_DISTANCE_KM
            and _whole(object_id)
        )
    return False


def decode_cursor(cursor: str, sort: str) -> dict[str, Any]:
    """The cursor's state, or a ValidationError naming `cursor` for anything forged or stale.

    A cursor comes back from the visitor, so every value is checked against what its sort
    writes: an engine handed NaN, 1e300 or a 100-bit integer fails with an error of its own."""
    invalid = BadSearchParameter({"cursor": [str(_l("The cursor is not valid; start again."))]})
    if len(cursor) > 512:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = base64.urlsafe_b64decode(padded.encode()).decode()
        state = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not isinstance(state, dict) or state.get("s") != sort:
        raise invalid
    if set(state) == {"s", "o"}:
        offset = state["o"]
        if sort == "relevance" and _whole(offset) and 0 < offset <= MAX_RELEVANCE_OFFSET:
            return state
    elif set(state) == {"s", "k"} and _valid_key(sort, state["k"]):
        return state
    raise invalid
