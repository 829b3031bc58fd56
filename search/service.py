"""What pages and the API ask of search: validated queries, labelled facets, highlights, suggestions."""

from __future__ import annotations

import decimal
import functools
import re
import time
from collections.abc import Callable, Mapping

import sqlalchemy as sa
from flask import url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import escape
from werkzeug.routing import BuildError

from listings.models import Category, Offer
from marketplace.companies.models import Company
from marketplace.companies.reference import CERTIFICATE_KINDS, INDUSTRIES, country_names
from marketplace.core.bounds import Bound
from marketplace.core.errors import DomainError, NotFound
from marketplace.core.extensions import db
from search import engine
from search.analysis import fold, parse
from search.backends import BackendUnavailable
from search.documents import company_document, offer_document, today_days
from search.models import CurrencyRate, to_eur_cents
from search.places import locate
from search.query import (
    ATTRIBUTES_FACET,
    COMPANIES,
    LEAD_TIME_MAX,
    LIMIT,
    MAX_RADIUS_KM,
    MOQ_MAX,
    OFFERS,
    RANGE_FACETS,
    SORTS,
    BadSearchParameter,
    FacetBucket,
    Hit,
    Point,
    SearchQuery,
    SearchResult,
    decode_cursor,
)
from search.snippets import Words, description_snippet, highlight

MAX_LIMIT = LIMIT.high
LIST_PARAMS = ("category", "industry", "country", "certificate")
_LATLON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$")


class SearchUnavailable(DomainError):
    status = 503
    title = "Search is unavailable"


def _bad(field: str, message: object) -> BadSearchParameter:
    return BadSearchParameter({field: [str(message)]})


def _values(args: Mapping, name: str) -> list[str]:
    raw = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    values = [v.strip() for item in raw if item for v in str(item).split(",") if v.strip()]
    if len(values) > 20 or any(len(v) > 80 for v in values):
        raise _bad(name, _l("Too many or too long values."))
    return values


def _int(args: Mapping, name: str, bound: Bound) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw) if len(raw) <= 30 else None  # no bound needs more digits
    except ValueError:
        raise _bad(name, _l("Must be a whole number.")) from None
    if value not in bound:
        raise _bad(name, bound.message())
    return value


def _money(args: Mapping, name: str, per_eur: int) -> int | None:
    raw = (args.get(name) or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        amount = decimal.Decimal(raw)
    except decimal.InvalidOperation:
        raise _bad(name, _l("Must be an amount like 12.50.")) from None
    if not amount.is_finite() or amount < 0 or amount > 10**9:
        raise _bad(name, _l("Must be an amount between 0 and 1,000,000,000."))
    minor = int((amount * 100).to_integral_value(rounding=decimal.ROUND_HALF_UP))
    return to_eur_cents(minor, per_eur)


class _Cached:
    """Reference data read on every search, refreshed at most once a minute (monotonic clock)."""

    def __init__(self, load: Callable[[], dict], seconds: float = 60.0) -> None:
        self.load, self.seconds = load, seconds
        self.value: dict | None = None
        self.loaded_at = 0.0

    def get(self) -> dict:
        now = time.monotonic()
        if self.value is None or now - self.loaded_at > self.seconds:
            self.value, self.loaded_at = self.load(), now
        return self.value

    def clear(self) -> None:
        self.value = None


_rates = _Cached(
    lambda: dict(db.session.execute(sa.select(CurrencyRate.currency, CurrencyRate.per_eur)).all())
)
_category_names = _Cached(
    lambda: {
        slug: (en, pl)
        for slug, en, pl in db.session.execute(
            sa.select(Category.slug, Category.name_en, Category.name_pl)
        )
    }
)


_category_attributes = _Cached(
    lambda: {
        slug: {spec["key"]: spec for spec in attributes or [] if spec.get("key")}
        for slug, attributes in db.session.execute(sa.select(Category.slug, Category.attributes))
    }
)


def category_attributes(slug: str) -> dict[str, dict]:
    """The typed attributes a category defines, by key (empty for unknown categories)."""
    return _category_attributes.get().get(slug, {})


def currency_rates() -> dict[str, int]:
    return _rates.get()


def forget_cached() -> None:
    """Drop cached rates and category names (after an operator changes them; tests)."""
    _rates.clear()
    _category_names.clear()
    _category_attributes.clear()
    _fixed_label.cache_clear()


def build_query(kind: str, args: Mapping) -> SearchQuery:
    """A SearchQuery from request parameters; anything unusable is a 400 naming the parameter."""
    query = SearchQuery(kind=kind)
    query.text = str(args.get("q") or "")[:500]
    for name in LIST_PARAMS:
        setattr(query, name, _values(args, name))
    if kind == COMPANIES:
        query.category = []
    verified = (args.get("verified") or "").strip().lower()
    if verified in ("1", "true", "yes", "on"):
        query.verified = True
    elif verified in ("0", "false", "no", "off"):
        query.verified = False
    elif verified:
        raise _bad("verified", _l("Use true or false."))
    if kind == OFFERS:
        rates = currency_rates()
        currency = (args.get("currency") or "EUR").strip().upper()
        if currency not in rates:
            raise _bad("currency", _l("Unknown currency."))
        query.price_min = _money(args, "price_min", rates[currency])
        query.price_max = _money(args, "price_max", rates[currency])
        low, high = query.price_min, query.price_max
        if low is not None and high is not None and low > high:
            raise _bad("price_max", _l("Must not be below the minimum price."))
        query.moq_max = _int(args, "moq_max", MOQ_MAX)
        query.lead_time_max = _int(args, "lead_time_max", LEAD_TIME_MAX)
        for key, value in args.items():
            if key.startswith("attr.") and value:
                name = key[5:]
                if not re.fullmatch(r"[a-z0-9_]{1,40}", name) or len(value) > 80:
                    raise _bad(key, _l("Unknown attribute."))
                query.attributes[name] = fold(value.strip())
        query.attribute_facets = len(query.category) == 1 and bool(
            category_attributes(query.category[0])
        )
    near = (args.get("near") or "").strip()
    if near:
        match = _LATLON.match(near)
        if match:
            lat, lon = float(match.group(1)), float(match.group(2))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise _bad("near", _l("Latitude or longitude out of range."))
            query.near = Point(lat, lon)
        else:
            query.near = locate(near)
            if query.near is None:
                raise _bad("near", _l("We do not know this place; try a larger city or lat,lon."))
    radius = (args.get("radius_km") or "").strip()
    if radius:
        try:
            query.radius_km = float(radius)
        except ValueError:
            raise _bad("radius_km", _l("Must be a number of kilometres.")) from None
        if not 0 < query.radius_km <= MAX_RADIUS_KM:
            raise _bad("radius_km", _l("Must be between 0 and 20000 km."))
        if query.near is None:
            raise _bad("radius_km", _l("Give a place in 'near' to search around."))
    query.sort = (args.get("sort") or "relevance").strip()
    if query.sort not in SORTS[kind]:
        raise _bad("sort", _l("Unknown sort order."))
    if query.sort == "distance" and query.near is None:
        raise _bad("sort", _l("Sorting by distance needs a place in 'near'."))
    query.limit = _int(args, "limit", LIMIT) or 20
    query.cursor = (args.get("cursor") or "").strip() or None
    return query


def run(query: SearchQuery) -> SearchResult:
    """Ask the backend; decorate hits with highlights and facets with labels."""
    if query.cursor:
        query.cursor_state = decode_cursor(query.cursor, query.effective_sort)
    query.valid_on = today_days()
    try:
        result = engine.backend().search(query)
    except BackendUnavailable as exc:
        raise SearchUnavailable(
            str(_l("Search is unavailable right now; try again soon."))
        ) from exc
    words = _highlight_terms(query)
    field = "title" if query.kind == OFFERS else "name"
    url = url_maker(query.kind)
    for hit in result.hits:
        hit.highlight[field] = highlight(hit.data.get(field, ""), words)
        if query.kind == OFFERS:
            # Plain text for the API; escaped with the query's words marked for the page.
            hit.data["snippet"] = description_snippet(hit.data.get("description"))
            hit.highlight["description"] = highlight(hit.data["snippet"], words)
        hit.data["url"] = url(hit.data)
    _label_facets(query.kind, result)
    _split_attributes(query, result)
    return result


def _attribute_label(spec: Mapping, locale: str) -> str:
    label = spec.get("label_pl" if locale == "pl" else "label_en") or spec["key"]
    return f"{label} ({spec['unit']})" if spec.get("unit") else label


def attribute_titles(query: SearchQuery | None) -> dict[str, str]:
    """Headings of the attribute facets a query asked for: 'attr.thickness_mm' -> 'Thickness (mm)'."""
    if query is None or not query.attribute_facets:
        return {}
    locale = _locale()
    specs = category_attributes(query.category[0])
    return {f"attr.{key}": _attribute_label(spec, locale) for key, spec in specs.items()}


def _split_attributes(query: SearchQuery, result: SearchResult) -> None:
    """The 'key=value' counts become one facet per attribute of the chosen category."""
    buckets = result.facets.pop(ATTRIBUTES_FACET, None)
    if not buckets:
        return
    specs = category_attributes(query.category[0]) if query.category else {}
    yes_no = {"true": str(_l("Yes")), "false": str(_l("No"))}
    labels = {
        key: yes_no if spec.get("type") == "bool"
        else {fold(str(c)): str(c) for c in spec.get("choices") or ()}
        for key, spec in specs.items()
    }  # fmt: skip
    grouped: dict[str, list[FacetBucket]] = {}
    for bucket in buckets:
        key, _sep, value = bucket.value.partition("=")
        if key not in specs or not value:
            continue
        label = labels[key].get(value, value)
        grouped.setdefault(key, []).append(
            FacetBucket(value=value, count=bucket.count, label=label)
        )
    for key in specs:  # in the order the category lists them
        if key not in grouped:
            continue
        values = grouped[key]
        if specs[key].get("type") == "number":
            values.sort(key=lambda b: _as_number(b.value))
        result.facets[f"attr.{key}"] = values


def _as_number(value: str) -> tuple[int, float | str]:
    try:
        return 0, float(value)
    except ValueError:
        return 1, value


def _highlight_terms(query: SearchQuery) -> Words:
    parsed = query.parsed
    return set(parsed.words) | {t for p in parsed.phrases for t in p}, parsed.prefixes


_URL_MARK = 987654321


def url_maker(kind: str) -> Callable[[Mapping], str]:
    """A fast URL builder for many hits: url_for once, then string substitution."""
    if kind == OFFERS:
        template = object_url(OFFERS, {"id": _URL_MARK})
        return lambda data: template.replace(str(_URL_MARK), str(data["id"]))
    template = object_url(COMPANIES, {"slug": "SLUGMARK"})
    return lambda data: template.replace("SLUGMARK", str(data.get("slug", "")))


def object_url(kind: str, data: Mapping) -> str:
    try:
        if kind == OFFERS:
            return url_for("listings.offer_detail", offer_id=data["id"])
        return url_for("companies.profile", slug=data["slug"])
    except BuildError:
        return f"/offers/{data['id']}" if kind == OFFERS else f"/companies/{data.get('slug', '')}"


def _locale() -> str:
    locale = get_locale()
    return locale.language if locale else "en"


@functools.lru_cache(maxsize=8)
def _country_names(locale: str) -> dict[str, str]:
    return country_names(locale)


def _label_facets(kind: str, result: SearchResult) -> None:
    locale = _locale()
    translated = str(get_locale())  # fixed words are remembered per locale (see _fixed_label)
    category_label: Callable[[str], str] | None = None
    if result.facets.get("category"):
        names = _category_names.get()
        position = 1 if locale == "pl" else 0
        category_label = lambda v: names[v][position] if v in names else v  # noqa: E731
    countries = _country_names(locale)
    for name, buckets in result.facets.items():
        if name in RANGE_FACETS[kind]:
            result.facets[name] = _range_facet(name, buckets, translated)
            continue
        if name == "category" and category_label is not None:
            for bucket in buckets:
                bucket.label = category_label(bucket.value)
        elif name == "country":
            for bucket in buckets:
                bucket.label = countries.get(bucket.value, bucket.value)
        else:
            for bucket in buckets:
                bucket.label = _fixed_label(translated, name, bucket.value)


@functools.lru_cache(maxsize=4096)
def _fixed_label(locale: str, name: str, value: str) -> str:
    """A facet label made of fixed, translated words: computed once per locale, not per search.

    locale is part of the key only: the translation itself comes from the active request."""
    if name == "industry":
        return str(INDUSTRIES.get(value, value))
    if name == "certificate":
        return CERTIFICATE_KINDS.get(value, value)
    if name == "verified":
        return {"true": str(_l("Verified supplier")), "false": str(_l("Not verified"))}.get(
            value, value
        )
    if name == "price":
        low, high = value.split("-")
        if low == "*":
            return str(_l("under €%(high)s", high=_euros(high)))
        if high == "*":
            return str(_l("€%(low)s and more", low=_euros(low)))
        return str(_l("€%(low)s – €%(high)s", low=_euros(low), high=_euros(high)))
    if name == "moq":
        return str(_l("up to %(num)s units", num=int(value)))
    if name == "lead_time":
        return str(_l("up to %(num)s days", num=int(value)))
    return str(value)


def _euros(cents: str) -> str:
    return f"{int(cents) // 100}"


def _range_facet(name: str, buckets: list[FacetBucket], locale: str) -> list[FacetBucket]:
    """Price ranges as they are; minimum order and lead time as 'at most N' (they are maxima)."""
    out: list[FacetBucket] = []
    if name == "price":
        for bucket in buckets:
            if not bucket.count:
                continue
            low, high = bucket.value.split("-")
            params = {"currency": "EUR", "price_min": None, "price_max": None}
            if low != "*":
                params["price_min"] = _euros(low)
            if high != "*":
                params["price_max"] = _euros(high)
            bucket.label = _fixed_label(locale, name, bucket.value)
            bucket.params = params
            out.append(bucket)
        return out
    param = "moq_max" if name == "moq" else "lead_time_max"
    running = 0
    for bucket in buckets:
        running += bucket.count
        high = bucket.value.split("-")[1]
        if high == "*" or not running:
            continue
        limit = str(int(high) - 1)
        out.append(
            FacetBucket(
                value=limit,
                count=running,
                label=_fixed_label(locale, name, limit),
                params={param: limit},
            )
        )
    return out


# -- suggestions and similar items -----------------------------------------------------------


def suggest(text: str, limit: int = 8) -> list[dict]:
    """Offer titles, categories and company names starting like what the buyer is typing."""
    text = (text or "")[:100]
    parsed = parse(text)
    if parsed.empty:
        return []
    prefix_text = text.rstrip() + ("" if text.rstrip().endswith("*") else "*")
    out: list[dict] = []
    words = _highlight_terms(SearchQuery(text=prefix_text))
    for kind, field in ((OFFERS, "title"), (COMPANIES, "name")):
        try:
            result = run(SearchQuery(kind=kind, text=prefix_text, limit=4, facets=False))
        except SearchUnavailable:
            continue
        for hit in result.hits:
            out.append({"type": kind[:-1] if kind == OFFERS else "company",
                        "label": hit.data.get(field, ""),
                        "html": str(highlight(hit.data.get(field, ""), words)),
                        "url": hit.data["url"]})  # fmt: skip
    key = fold(text.strip().rstrip("*"))
    locale = _locale()
    for category in db.session.execute(sa.select(Category)).scalars():
        if len(out) >= limit + 3:
            break
        name = category.name(locale)
        if fold(name).startswith(key) or any(w.startswith(key) for w in fold(name).split()):
            out.append({"type": "category", "label": name, "html": str(escape(name)),
                        "url": url_for("search.offers", category=category.slug)})  # fmt: skip
    return out[: limit + 3]


def similar_offers(offer_id: int, limit: int = 6) -> list[Hit]:
    offer = db.session.get(Offer, offer_id)
    if offer is None or not offer.is_public:
        raise NotFound(str(_l("No such offer.")))
    document = offer_document(offer, currency_rates())
    return _similar(OFFERS, offer_id, document, limit)


def similar_companies(company_id: int, limit: int = 6) -> list[Hit]:
    company = db.session.get(Company, company_id)
    if company is None or not company.is_active:
        raise NotFound(str(_l("No such company.")))
    return _similar(COMPANIES, company_id, company_document(company), limit)


def _similar(kind: str, object_id: int, document: dict, limit: int) -> list[Hit]:
    try:
        hits = engine.backend().similar(kind, object_id, document, limit, today_days())
    except BackendUnavailable:
        return []
    for hit in hits:
        hit.data["url"] = object_url(kind, hit.data)
    return hits


def offers_by_supplier(result: SearchResult) -> list[tuple[dict, list[Hit]]]:
    """The page's hits grouped under their supplier, in the order suppliers first appear."""
    groups: dict[int, tuple[dict, list[Hit]]] = {}
    for hit in result.hits:
        company = hit.data.get("company") or {}
        groups.setdefault(company.get("id", 0), (company, []))[1].append(hit)
    return list(groups.values())
