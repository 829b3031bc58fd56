"""The backend-neutral query model: SearchQuery in, SearchResult out, plus the opaque cursor."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import Any

from flask_babel import lazy_gettext as _l

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


def decode_cursor(cursor: str, sort: str) -> dict[str, Any]:
    """The cursor's state, or a ValidationError naming `cursor` for anything forged or stale."""
    invalid = BadSearchParameter({"cursor": [str(_l("The cursor is not valid; start again."))]})
    if len(cursor) > 512:
        raise invalid
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError) as exc:
        raise invalid from exc
    if not isinstance(state, dict) or state.get("s") != sort:
        raise invalid
    if "o" in state and not (
        isinstance(state["o"], int) and 0 < state["o"] <= MAX_RELEVANCE_OFFSET
    ):
        raise invalid
    if "k" in state and not (
        isinstance(state["k"], list)
        and len(state["k"]) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in state["k"])
    ):
        raise invalid
    if "o" not in state and "k" not in state:
        raise invalid
    return state
