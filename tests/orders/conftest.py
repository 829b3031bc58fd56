"""Parties of a trade: a Polish buyer (company_a) and a German seller (company_b) with an offer."""

from __future__ import annotations

import pytest

from tests import factories
from tests.orders import factories as order_factories


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
