"""Builds the demo companies, their people and verification state through the services."""

from __future__ import annotations

import random
from dataclasses import dataclass

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.companies import services as companies
from marketplace.companies import verification
from marketplace.companies.models import Company
from marketplace.companies.reference import COMPANY_SIZES, INDUSTRIES
from marketplace.core import security
from marketplace.core.access import Role
from marketplace.core.text import slugify
from marketplace.demo import vocabulary as v

DEMO_PASSWORD = "Demo-Market-2026"  # noqa: S105 - printed for demo sign-in


@dataclass
class DemoMarket:
    companies: list[Company]
    operator: User
    buyer: User
    seller: User


def _nip(rng: random.Random) -> str:
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
        check = sum(d * w for d, w in zip(digits, (6, 5, 7, 2, 3, 4, 5, 6, 7), strict=True)) % 11
        if check != 10:
            return "".join(map(str, digits)) + str(check)


def _regon(rng: random.Random) -> str:
    digits = [rng.randint(0, 9) for _ in range(8)]
    check = sum(d * w for d, w in zip(digits, (8, 9, 2, 3, 4, 5, 6, 7), strict=True)) % 11 % 10
    return "".join(map(str, digits)) + str(check)


_used_names: set[str] = set()


def _unique_name(rng: random.Random, stems: list[str], city: str, country: str) -> str:
    """A believable trading name; the family-name fallback keeps names unique without numbers."""
    descriptors = ["", " Pro", " Group", " Plus", " Trade", " Partners", " Industries", " Technik"]
    if country == "PL":
        descriptors += [" Serwis", " Polska", " Zakłady"]
    surnames = v.SURNAMES_PL if country == "PL" else v.SURNAMES_EN
    town = city.split("-")[0]
    for _ in range(12):
        name = f"{rng.choice(stems)}{rng.choice(descriptors)} {town}"
        if name not in _used_names:
            break
    else:
        name = f"{rng.choice(surnames)} {rng.choice(stems)} {town}"
        while name in _used_names:
            name = f"{rng.choice(surnames)}-{rng.choice(surnames)} {rng.choice(stems)}"
    _used_names.add(name)
    return name


def _company_data(rng: random.Random, industry: str, country: str) -> dict:
    stems, caps_en, caps_pl, pitch_en, pitch_pl = v.INDUSTRY_PROFILES[industry]
    city, lat, lon, postal = rng.choice(v.CITIES[country])
    name = _unique_name(rng, stems, city, country)
    polish = country == "PL"
    capabilities = rng.sample(caps_pl if polish else caps_en, k=min(3, len(caps_en)))
    year = rng.randint(1965, 2022)
    if polish:
        description = (
            f"<p>{pitch_pl}</p><p>Działamy od {year} roku w mieście {city}. "
            f"Specjalizacja: {', '.join(capabilities).lower()}.</p>"
        )
    else:
        description = (
            f"<p>{pitch_en}</p><p>Operating since {year} from {city}. "
            f"Specialities: {', '.join(capabilities).lower()}.</p>"
        )
    second = rng.choice([i for i in INDUSTRIES if i != industry]) if rng.random() < 0.3 else None
    data = {
        "name": name,
        "legal_name": f"{name} {v.LEGAL_FORMS[country]}",
        "country": country,
        "city": city,
        "postal_code": postal,
        "street": f"{rng.choice(['ul. Przemysłowa', 'ul. Fabryczna', 'ul. Składowa'] if polish else ['Industriestraße', 'Harbour Road', 'Via Roma', 'Main Street'])} {rng.randint(1, 180)}",
        "latitude": round(lat + rng.uniform(-0.08, 0.08), 5),
        "longitude": round(lon + rng.uniform(-0.08, 0.08), 5),
        "description": description,
        "capabilities": capabilities,
        "languages": v.COUNTRY_LANGUAGES[country],
        "industries": [industry] + ([second] if second else []),
        "size": rng.choice(list(COMPANY_SIZES)),
        "year_founded": year,
        "website": f"https://www.{slugify(name)}.example",
        "email": f"sales@{slugify(name)}.example",
        "phone": f"+48 {rng.randint(500, 899)} {rng.randint(100, 999)} {rng.randint(100, 999)}"
        if polish
        else None,
    }
    if polish:
        nip = _nip(rng)
        data.update(
            nip=nip, vat_id=f"PL{nip}", regon=_regon(rng), krs=f"{rng.randint(1, 999999):010d}"
        )
    elif country in {"DE", "CZ", "SK", "FR", "IT", "NL", "LT", "SE", "ES"}:
        data["vat_id"] = f"{country}{rng.randint(10**8, 10**9 - 1)}"
    return data


def build(count: int = 160, seed: int = 2026) -> DemoMarket:
    rng = random.Random(seed)
    _used_names.clear()
    password_hash = security.hash_password(DEMO_PASSWORD)
    operator = accounts.create_operator("operator@demo.example", DEMO_PASSWORD, "Olga Operator")
    industries = list(INDUSTRIES)
    countries = list(v.CITIES)
    weights = [8 if c == "PL" else 2 if c in {"DE", "CZ"} else 1 for c in countries]
    created: list[Company] = []
    for index in range(count):
        industry = industries[index % len(industries)]
        country = "PL" if index < 2 else rng.choices(countries, weights)[0]
        company = companies.create_company(_company_data(rng, industry, country))
        polish = country == "PL"
        first = rng.choice(v.FIRST_NAMES_PL if polish else v.FIRST_NAMES_EN)
        last = rng.choice(v.SURNAMES_PL if polish else v.SURNAMES_EN)
        owner = accounts.add_member(
            company,
            email=f"owner{index + 1}@{company.slug}.example",
            full_name=f"{first} {last}",
            password_hash=password_hash,
            role=Role.OWNER,
            locale="pl" if polish else "en",
        )
        # Verified the way a real company is: a request first, then the operator's approval.
        verifiable = bool(company.vat_id or company.nip)
        if rng.random() < 0.55 or index < 2:
            if verifiable:
                verification.request_verification(owner, company, "Please verify us.")
                verification.decide_verification(operator, company, approved=True)
        elif rng.random() < 0.3 and verifiable:
            verification.request_verification(owner, company, "Please verify us.")
        created.append(company)
    buyer_company, seller_company = created[0], created[1]
    buyer = accounts.add_member(
        buyer_company, email="buyer@demo.example", full_name="Bartek Buyer",
        password_hash=password_hash, role=Role.BUYER, locale="pl",
    )  # fmt: skip
    seller = accounts.add_member(
        seller_company, email="seller@demo.example", full_name="Sylwia Seller",
        password_hash=password_hash, role=Role.SELLER, locale="pl",
    )  # fmt: skip
    accounts.add_member(
        buyer_company, email="admin@demo.example", full_name="Adam Admin",
        password_hash=password_hash, role=Role.ADMIN, locale="en",
    )  # fmt: skip
    return DemoMarket(companies=created, operator=operator, buyer=buyer, seller=seller)
