"""Demo offers and buy requests over the whole category tree, in Polish and English.

Built in bulk (plain ORM objects flushed in batches, no per-row validation queries) so seeding
160 companies stays quick; every value is what the services would accept.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from listings import buy_requests, categories
from listings.models import (
    BuyRequest,
    BuyRequestInvitation,
    Category,
    Offer,
    OfferStatus,
    PriceTier,
    RequestStatus,
    Visibility,
)
from marketplace.companies.models import Company
from marketplace.core import clock
from marketplace.core.extensions import db

OFFERS_PER_COMPANY = 20
MIN_REQUESTS = 200

# unit and a typical unit price range (major units, EUR) per industry
PRICING: dict[str, tuple[str, int, int]] = {
    "metals": ("t", 600, 4200), "chemicals": ("kg", 2, 60), "plastics": ("kg", 1, 9),
    "textiles": ("m", 2, 25), "food-agriculture": ("kg", 1, 30), "electronics": ("pcs", 1, 400),
    "machinery": ("pcs", 800, 90000), "construction": ("pallet", 80, 900), "packaging": ("pcs", 1, 40),
    "furniture": ("pcs", 40, 1500), "automotive": ("pcs", 5, 600), "medical": ("pack", 3, 300),
    "energy": ("pcs", 100, 12000), "logistics": ("shipment", 150, 4000),
    "it-services": ("hour", 25, 140), "paper-printing": ("pack", 2, 80),
}  # fmt: skip
RATE = {"EUR": 1, "PLN": 4, "USD": 1}

QUALIFIERS_EN = ["from stock", "made to order", "export quality", "wholesale lot", "premium grade",
                 "fast delivery", "certified supplier", "direct from manufacturer"]  # fmt: skip
QUALIFIERS_PL = ["z magazynu", "na zamówienie", "jakość eksportowa", "partia hurtowa",
                 "klasa premium", "szybka dostawa", "certyfikowany dostawca", "prosto od producenta"]  # fmt: skip
DESCRIPTION_EN = (
    "<p>{name} supplied by {company}. {qualifier}.</p>"
    "<ul><li>Minimum order {moq} {unit}</li><li>Lead time {lead} days</li>"
    "<li>Quality documents and inspection certificates on request</li></ul>"
)
DESCRIPTION_PL = (
    "<p>{name} – dostawca: {company}. {qualifier}.</p>"
    "<ul><li>Minimalne zamówienie {moq} {unit}</li><li>Czas realizacji {lead} dni</li>"
    "<li>Dokumenty jakościowe i świadectwa odbioru na życzenie</li></ul>"
)
REQUEST_EN = [
    "We need {qty} {unit} of {name} by {date}, delivered to {city}.",
    "Looking for a reliable supplier of {name}: {qty} {unit}, delivery {city}.",
    "Quarterly contract: {name}, {qty} {unit}, {incoterm} {city}.",
]
REQUEST_PL = [
    "Potrzebujemy {qty} {unit} – {name} do {date}, dostawa {city}.",
    "Szukamy sprawdzonego dostawcy: {name}, {qty} {unit}, dostawa {city}.",
    "Kontrakt kwartalny: {name}, {qty} {unit}, {incoterm} {city}.",
]


def _attributes(rng: random.Random, category: Category) -> dict:
    values: dict = {}
    for spec in category.attributes:
        if rng.random() < 0.3:
            continue
        kind = spec["type"]
        if kind == "choice":
            values[spec["key"]] = rng.choice(spec["choices"])
        elif kind == "number":
            values[spec["key"]] = rng.choice([1, 2, 3, 5, 8, 10, 12, 20, 25, 50, 100, 250, 1000])
        elif kind == "bool":
            values[spec["key"]] = rng.random() < 0.5
        else:
            values[spec["key"]] = rng.choice(["A", "B", "Pro", "Standard", "XL", "2025"])
    return values


def _leaves_by_industry() -> dict[str, list[Category]]:
    out: dict[str, list[Category]] = {}
    for parent, children in categories.grouped():
        out[parent.slug] = children
    return out


def _tiers(rng: random.Random, moq: int, base: int) -> list[PriceTier]:
    count = rng.choice([1, 2, 2, 3, 3, 4])
    tiers, quantity, price = [], moq, base
    for _ in range(count):
        tiers.append(PriceTier(min_quantity=quantity, unit_price=max(price, 1)))
        quantity = quantity * rng.choice([2, 5, 10])
        price = price * rng.randint(85, 97) // 100
    return tiers


def build(companies: list[Company], seed: int = 2026) -> tuple[int, int]:
    """Create OFFERS_PER_COMPANY published offers per company and >= MIN_REQUESTS buy requests."""
    categories.ensure_loaded()
    rng = random.Random(seed)
    leaves = _leaves_by_industry()
    all_leaves = [c for group in leaves.values() for c in group]
    now = clock.now()
    today = clock.today()
    offers: list[Offer] = []
    for company in companies:
        industries = company.industries or [rng.choice(list(leaves))]
        polish = company.country == "PL"
        for n in range(OFFERS_PER_COMPANY):
            industry = industries[0] if n % 4 else industries[-1]
            category = rng.choice(leaves.get(industry) or all_leaves)
            unit, low, high = PRICING.get(category.industry, ("pcs", 1, 100))
            currency = "PLN" if polish and rng.random() < 0.7 else rng.choice(["EUR", "EUR", "USD"])
            base = rng.randint(low, high) * RATE[currency] * 100 + rng.choice([0, 50, 90, 99])
            moq = rng.choice([1, 1, 5, 10, 20, 50, 100])
            lead = rng.choice([1, 2, 3, 5, 7, 10, 14, 21, 30, 45])
            qualifier = rng.choice(QUALIFIERS_PL if polish else QUALIFIERS_EN)
            name = category.name("pl" if polish else "en")
            attrs = _attributes(rng, category)
            detail = next((str(v) for v in attrs.values() if isinstance(v, str)), "")
            title = f"{name} {detail} – {qualifier}".replace("  ", " ")
            template = DESCRIPTION_PL if polish else DESCRIPTION_EN
            on_request = rng.random() < 0.05
            published = now - dt.timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1440))
            offer = Offer(
                company_id=company.id,
                category_id=category.id,
                sku=f"DEMO-{company.id}-{n + 1:03d}",
                title=title[:200],
                description=template.format(
                    name=name,
                    company=company.name,
                    qualifier=qualifier.capitalize(),
                    moq=moq,
                    unit=unit,
                    lead=lead,
                ),  # fmt: skip
                language="pl" if polish else "en",
                attributes=attrs,
                unit=unit,
                moq=moq,
                currency=currency,
                price_on_request=on_request,
                available_quantity=rng.choice([None, moq * 10, moq * 100, moq * 1000]),
                lead_time_days=lead,
                incoterm=rng.choice(["EXW", "FCA", "DAP", "DDP", "CPT", "FOB"]),
                incoterm_place=company.city,
                origin_country=company.country,
                valid_until=rng.choice(
                    [None, None, today + dt.timedelta(days=rng.randint(30, 365))]
                ),
                status=OfferStatus.PUBLISHED,
                published_at=published,
                created_at=published,
                updated_at=published,
            )
            offer.price_tiers = [] if on_request else _tiers(rng, moq, base)
            offers.append(offer)
    db.session.add_all(offers)
    db.session.flush()

    request_count = max(MIN_REQUESTS, len(companies) * 3 // 2)
    step = _coprime_step(len(all_leaves))
    requests: list[BuyRequest] = []
    for n in range(request_count):
        company = companies[n % len(companies)]
        polish = company.country == "PL"
        category = all_leaves[(n * step) % len(all_leaves)]
        unit, low, high = PRICING.get(category.industry, ("pcs", 1, 100))
        quantity = rng.choice([5, 10, 20, 50, 100, 250, 500, 1000, 5000])
        needed_by = today + dt.timedelta(days=rng.randint(7, 150))
        name = category.name("pl" if polish else "en")
        incoterm = rng.choice(["DAP", "DDP", "FCA", "EXW"])
        title = (
            f"{name}: {quantity} {unit}" if rng.random() < 0.5
            else (f"Zapytanie: {name}" if polish else f"Wanted: {name}")
        )  # fmt: skip
        text = rng.choice(REQUEST_PL if polish else REQUEST_EN).format(
            qty=quantity, unit=unit, name=name.lower(), date=needed_by.isoformat(),
            city=company.city or company.country, incoterm=incoterm,
        )  # fmt: skip
        currency = "PLN" if polish else "EUR"
        invited = rng.random() < 0.1
        created = now - dt.timedelta(days=rng.randint(0, 30), minutes=rng.randint(0, 1440))
        request = BuyRequest(
            company_id=company.id,
            category_id=category.id,
            title=title[:200],
            description=f"<p>{text}</p>",
            language="pl" if polish else "en",
            quantity=quantity,
            unit=unit,
            target_unit_price=rng.randint(low, high) * RATE[currency] * 100
            if rng.random() < 0.6
            else None,
            currency=currency,
            needed_by=needed_by,
            delivery_country=company.country,
            delivery_city=company.city,
            delivery_latitude=company.latitude,
            delivery_longitude=company.longitude,
            visibility=Visibility.INVITED if invited else Visibility.PUBLIC,
            status=RequestStatus.OPEN,
            created_at=created,
            updated_at=created,
        )
        if invited:
            others = [c for c in companies if c.id != company.id]
            request.invitations = [
                BuyRequestInvitation(company_id=c.id)
                for c in rng.sample(others, k=min(3, len(others)))
            ]
        requests.append(request)
    db.session.add_all(requests)
    db.session.flush()
    for request in requests:
        buy_requests.schedule_close(request)
    return len(offers), len(requests)


def _coprime_step(count: int, start: int = 7) -> int:
    """A stride that visits every one of count categories before repeating (a stride sharing a
    factor with count, as 7 with 161 leaves, visits only count / factor of them)."""
    step = start
    while math.gcd(step, count) != 1:
        step += 1
    return step
