"""Index documents built from offers and companies: analysed text, filter values, sort keys, display data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any, NamedTuple

from listings.models import Category
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.money import Money
from search.analysis import cjk_field, fold, terms
from search.models import to_eur_cents

ID_SPACE = 10_000_000  # sort keys are value * ID_SPACE + id: unique, so a cursor is one number
MAX_PRICE_EUR_CENTS = 10**11 - 1
NO_PRICE = MAX_PRICE_EUR_CENTS + 1
EPOCH = dt.date(1970, 1, 1)
UNRATED_BOOST = 0.5
NO_EXPIRY = 10**6  # days: an offer without an end date never drops out by date
DESCRIPTION_CHARS = 300  # of an offer's rich text kept for its result card (search.snippets)


def _text(*parts: object) -> str:
    text = " ".join(str(p) for p in parts if p)
    return " ".join(terms(text)) if text else ""


@functools.lru_cache(maxsize=8192)
def _shared_text(text: str) -> str:
    """_text of a part many offers repeat (their seller's name; their category path's names).

    The analyser never makes a term across a space, so the terms of parts joined by spaces are
    the parts' terms joined: each shared part is analysed once per reindex, not once per offer."""
    return _text(text)


def _key(value: int, object_id: int) -> int:
    return value * ID_SPACE + object_id % ID_SPACE


def _seconds(moment: dt.datetime | None) -> int:
    return int(moment.timestamp()) if moment is not None else 0


def category_path(category: Category) -> list[Category]:
    """The category and its ancestors, root first."""
    path: list[Category] = []
    node: Category | None = category
    while node is not None and len(path) < 10:
        path.insert(0, node)
        node = node.parent
    return path


def valid_certificate_kinds(company: Company) -> list[str]:
    return sorted({c.kind for c in company.certificates if c.is_valid})


def _geo(company: Company) -> dict:
    if company.latitude is None or company.longitude is None:
        return {}
    return {"lat": company.latitude, "lon": company.longitude}


def ratings(company: Company) -> tuple[float | None, int]:
    """The buyers' overall rating of a supplier (1-5) and how many ratings it rests on."""
    card = company.scorecard or {}
    overall, count = card.get("rating_overall"), int(card.get("ratings_count") or 0)
    return (float(overall) if overall is not None and count else None), count


def ranking_boost(company: Company) -> float:
    """How much trust lifts a supplier's results; both backends multiply scores by log2(2 + boost).

    An unverified, unrated supplier has 0.5 (tantivy ignores values below zero, so the scale starts
    above it); verification adds 1 (x1.37). Buyers' ratings add up to 0.5 for 5 stars or take up
    to 0.5 for 1 star, in full from 10 ratings on and in proportion below, so one early rating
    moves little.
    """
    overall, count = ratings(company)
    lift = 0.0
    if overall is not None:
        lift = max(-1.0, min(1.0, (overall - 3.0) / 2.0)) * 0.5 * min(count, 10) / 10
    return UNRATED_BOOST + (1.0 if company.is_verified else 0.0) + lift


def company_summary(company: Company) -> dict:
    overall, count = ratings(company)
    return {
        "id": company.id,
        "name": company.name,
        "slug": company.slug,
        "country": company.country,
        "city": company.city or "",
        "verified": company.is_verified,
        "rating": overall,
        "ratings_count": count,
    }


class CategoryName(NamedTuple):
    """What an offer's document repeats of each category on its path (a reindex reads these)."""

    slug: str
    name_en: str
    name_pl: str


@dataclasses.dataclass(frozen=True)
class Supplier:
    """What an offer's document repeats of its company; computed once per company in a reindex."""

    id: int
    name: str
    country: str
    verified: bool
    certificates: list[str]
    boost: float
    geo: dict
    summary: dict


def supplier(company: Company) -> Supplier:
    return Supplier(
        id=company.id,
        name=company.name,
        country=company.country,
        verified=company.is_verified,
        certificates=valid_certificate_kinds(company),
        boost=ranking_boost(company),
        geo=_geo(company),
        summary=company_summary(company),
    )


_UNSET: Any = object()


def offer_document(
    offer: Any,
    rates: dict[str, int],
    *,
    seller: Supplier | None = None,
    path: list[Any] | tuple[CategoryName, ...] | None = None,
    lowest: Money | None = _UNSET,
) -> dict:
    """Everything the index keeps about one public offer.

    offer is an Offer, or any row with its columns (a reindex reads plain rows and passes the
    seller, the category path and the lowest price it looked up in bulk)."""
    company = seller or supplier(offer.company)
    path = path if path is not None else category_path(offer.category)
    lowest = offer.lowest_price if lowest is _UNSET else lowest
    price_eur = None
    if lowest is not None and offer.currency in rates:
        price_eur = min(to_eur_cents(lowest.amount, rates[offer.currency]), MAX_PRICE_EUR_CENTS)
    attributes = {
        key: value
        for key, value in (offer.attributes or {}).items()
        if isinstance(value, str | int | bool) and not isinstance(value, float)
    }
    category_names = " ".join(n for c in path for n in (c.name_en, c.name_pl))
    leaf = path[-1]
    return {
        "id": offer.id,
        "title_t": _text(offer.title),
        "text_t": " ".join(
            part
            for part in (
                _text(offer.description),
                _shared_text(category_names),
                _shared_text(company.name),
                _text(
                    " ".join(str(v) for v in attributes.values()), offer.sku, offer.incoterm_place
                ),
            )
            if part
        ),
        "cjk": cjk_field(f"{offer.title} {offer.description}"),
        "category": [c.slug for c in path],
        "industry": [path[0].slug],
        "country": [company.country],
        "certificate": company.certificates,
        "verified": company.verified,
        "boost": company.boost,
        "company_id": company.id,
        "price_eur": price_eur,
        "moq": offer.moq,
        "lead_time": offer.lead_time_days,
        "valid_until": (offer.valid_until - EPOCH).days if offer.valid_until else NO_EXPIRY,
        "attrs": [f"{k}={fold(str(v))}" for k, v in sorted(attributes.items())],
        "newest_key": _key(_seconds(offer.published_at or offer.created_at), offer.id),
        "price_up": _key(price_eur if price_eur is not None else NO_PRICE, offer.id),
        "price_down": _key(price_eur, offer.id) if price_eur is not None else offer.id,
        **company.geo,
        "data": {
            "id": offer.id,
            "title": offer.title,
            "description": offer.description[:DESCRIPTION_CHARS],
            "unit": offer.unit,
            "moq": offer.moq,
            "lead_time_days": offer.lead_time_days,
            "price": {"amount": lowest.amount, "currency": lowest.currency} if lowest else None,
            "price_eur": price_eur,
            "category": {"slug": leaf.slug, "name_en": leaf.name_en, "name_pl": leaf.name_pl},
            "company": company.summary,
            "published_at": (offer.published_at or offer.created_at).isoformat(),
        },
    }


def company_document(company: Company) -> dict:
    """Everything the index keeps about one active company profile."""
    certificates = [c for c in company.certificates if c.is_valid]
    return {
        "id": company.id,
        "title_t": _text(company.name, company.legal_name),
        "text_t": _text(
            company.description,
            " ".join(company.capabilities or []),
            " ".join(i.replace("-", " ") for i in company.industries),
            " ".join(f"{c.name} {c.kind}" for c in certificates),
            company.city,
        ),
        "cjk": cjk_field(f"{company.name} {company.description}"),
        "industry": sorted(company.industries),
        "country": [company.country],
        "certificate": valid_certificate_kinds(company),
        "verified": company.is_verified,
        "boost": ranking_boost(company),
        "company_id": company.id,
        "newest_key": _key(_seconds(company.created_at), company.id),
        **_geo(company),
        "data": {
            **company_summary(company),
            "description": company.description[:300],
            "industries": sorted(company.industries),
            "capabilities": (company.capabilities or [])[:6],
            "certificates": valid_certificate_kinds(company),
            "has_logo": bool(company.logo_key),
        },
    }


def today_days() -> int:
    """Today as days since 1970, the unit of the valid_until filter."""
    return (clock.today() - EPOCH).days


def chunked(items: Iterable, size: int) -> Iterable[list]:
    batch: list = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
