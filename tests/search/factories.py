"""Offers and companies for search scenarios; they flush and never commit."""

from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from listings.models import Category, Offer, OfferStatus, PriceTier
from marketplace.companies.models import Certificate, Company
from marketplace.core import clock
from marketplace.core.extensions import db
from tests import factories

_seq = itertools.count(1)


def category(slug: str) -> Category:
    return db.session.execute(sa.select(Category).where(Category.slug == slug)).scalar_one()


def supplier(
    name: str,
    *,
    country: str = "PL",
    city: str | None = None,
    lat: float | None = None,
    lon: float | None = None,
    verified: bool = False,
    industries: list[str] | None = None,
    certificates: list[str] = (),
    description: str = "",
    capabilities: list[str] | None = None,
) -> Company:
    company = factories.company(name=name, country=country, industries=industries or ["metals"])
    company.city, company.latitude, company.longitude = city, lat, lon
    company.description = description
    company.capabilities = capabilities or []
    if verified:
        company.verification_status = "verified"
        company.verified_at = clock.now()
    for kind in certificates:
        company.certificates.append(
            Certificate(kind=kind, name=kind.upper(), issuer="TÜV", number=f"C-{next(_seq)}")
        )
    db.session.flush()
    return company


def offer(
    company: Company,
    title: str,
    *,
    description: str = "",
    category_slug: str = "steel-pipes-tubes",
    price: int | None = 10_000,
    currency: str = "EUR",
    moq: int = 1,
    lead_time_days: int | None = 14,
    status: str = OfferStatus.PUBLISHED,
    attributes: dict | None = None,
    valid_until: dt.date | None = None,
    published_at: dt.datetime | None = None,
) -> Offer:
    item = Offer(
        company_id=company.id,
        category_id=category(category_slug).id,
        title=title,
        description=description,
        unit="pcs",
        moq=moq,
        currency=currency,
        price_on_request=price is None,
        lead_time_days=lead_time_days,
        status=status,
        attributes=attributes or {},
        valid_until=valid_until,
        published_at=published_at or (clock.now() if status == OfferStatus.PUBLISHED else None),
    )
    if price is not None:
        item.price_tiers.append(PriceTier(min_quantity=1, unit_price=price))
    db.session.add(item)
    db.session.flush()
    return item
