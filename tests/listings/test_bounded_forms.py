"""A page's form with a whole number beyond its range shows the problem beside the field and
writes nothing (the API's cases: tests/core/test_integer_bounds.py)."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import Offer
from marketplace.core.extensions import db

BEYOND_64_BITS = 156301199956012608955258765312
BEYOND_INTEGER = 2**31  # fits SQLite, not a PostgreSQL INTEGER column


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_an_offer_form_with_a_number_beyond_range_shows_it_beside_the_field(signed_in, owner_a):
    browser = signed_in(owner_a)
    page = browser.post(
        "/offers/new",
        data={"title": "Sheet", "category": "steel-sheet-plate", "unit": "t", "currency": "EUR",
              "moq": str(BEYOND_64_BITS), "tier1_quantity": "1", "tier1_price": "10.00",
              "lead_time_days": str(BEYOND_INTEGER)},
    )  # fmt: skip
    assert page.status_code == 422
    assert 'id="moq-error"' in page.text and 'id="lead_time_days-error"' in page.text
    assert _count(Offer) == 0


def test_bulk_actions_refuse_ids_beyond_range(signed_in, owner_a):
    browser = signed_in(owner_a)
    answer = browser.post(
        "/my/offers/bulk", data={"status": "paused", "offer_ids": [str(BEYOND_64_BITS)]}
    )
    assert answer.status_code == 422 and "offer_ids" in answer.text
