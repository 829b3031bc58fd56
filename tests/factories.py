"""Factories that build valid objects for tests; they flush and never commit."""

from __future__ import annotations

import itertools

from marketplace.accounts import services as accounts
from marketplace.accounts.models import User
from marketplace.companies import services as companies
from marketplace.companies.models import Company
from marketplace.core import security
from marketplace.core.access import Role
from marketplace.core.extensions import db

PASSWORD = "Correct-Horse-9"
_seq = itertools.count(1)
_password_hash: str | None = None


def _hash() -> str:
    global _password_hash
    if _password_hash is None:
        _password_hash = security.hash_password(PASSWORD)
    return _password_hash


def company(**fields) -> Company:
    n = next(_seq)
    data = {"name": f"Company {n}", "country": "PL", "industries": ["metals"]} | fields
    return companies.create_company(data)


def user(company: Company, role: str = "owner", email: str | None = None, **fields) -> User:
    n = next(_seq)
    person = accounts.add_member(
        company,
        email=email or f"person{n}@example.com",
        full_name=fields.pop("full_name", f"Person {n}"),
        password_hash=_hash(),
        role=Role(role),
    )
    for key, value in fields.items():
        setattr(person, key, value)
    db.session.flush()
    return person


def operator(email: str = "operator@market.example") -> User:
    return accounts.create_operator(email, PASSWORD, "Olga Operator")


def bearer(person: User) -> dict[str, str]:
    _token, clear = accounts.issue_token(person, "test")
    return {"Authorization": f"Bearer {clear}"}
