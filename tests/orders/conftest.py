"""Parties of a trade: a Polish buyer (company_a) and a German seller (company_b) with an offer.

Both are VAT-registered, so their cross-border trade is reverse charged (no VAT on the order).
"""

from __future__ import annotations

import pytest

from tests import factories
from tests.orders import factories as order_factories


@pytest.fixture
def company_a():
    return factories.company(name="Alpha Steel", country="PL", city="Poznań", vat_id="PL5261040828")


@pytest.fixture
def company_b():
    return factories.company(
        name="Beta Chemicals", country="DE", city="Leipzig", vat_id="DE136695976"
    )


@pytest.fixture
def offer_b(company_b):
    return order_factories.offer(company_b)


@pytest.fixture
def third_party():
    company = factories.company(name="Gamma Plastics", country="CZ")
    return factories.user(company, role="owner", email="owner@gamma.example")


@pytest.fixture
def api_c(third_party):
    return factories.bearer(third_party)
