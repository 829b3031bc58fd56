"""People for procurement scenarios: a buyer company with a buyer and an approver, two suppliers."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core import clock
from tests import factories


@pytest.fixture(autouse=True)
def _frozen_clock():
    clock.freeze(dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC))
    yield
    clock.reset()


@pytest.fixture
def buyer_co():
    return factories.company(name="Warta Logistics", country="PL", city="Poznań")


@pytest.fixture
def buyer(buyer_co):
    return factories.user(buyer_co, role="buyer", email="buyer@warta.example")


@pytest.fixture
def approver(buyer_co):
    return factories.user(buyer_co, role="approver", email="approver@warta.example")


@pytest.fixture
def supplier_one():
    return factories.company(name="Odra Metal", country="PL", city="Wrocław")


@pytest.fixture
def supplier_two():
    return factories.company(name="Elbe Kabel", country="DE", city="Dresden")


@pytest.fixture
def seller_one(supplier_one):
    return factories.user(supplier_one, role="seller", email="sales@odra.example")


@pytest.fixture
def seller_two(supplier_two):
    return factories.user(supplier_two, role="seller", email="sales@elbe.example")
