"""Cursors of paged lists are the app's own: a forged or foreign one is refused naming the cursor."""

from __future__ import annotations

import base64
import json

import pytest

from marketplace.core import clock
from marketplace.core.pagination import encode_cursor
from marketplace.orders.models import Order
from tests import factories


def _unsigned(values) -> str:
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "values",
    [["x", 1], [1, "1 OR 1=1"], [{"dt": "2026-01-01T00:00:00+00:00"}, 1], [1.5, 2], [None, None]],
)
def test_a_hand_made_cursor_is_refused_naming_the_cursor(client, values):
    factories.company(name="Firm One")
    response = client.get(f"/api/v1/companies?cursor={_unsigned(values)}")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "cursor" in response.json["errors"]


def test_a_cursor_of_another_list_is_refused(client):
    factories.company(name="Firm One")
    foreign = encode_cursor([clock.now(), 1], (Order.created_at, Order.id))
    response = client.get(f"/api/v1/companies?cursor={foreign}")
    assert response.status_code == 422
    assert "cursor" in response.json["errors"]
    assert client.get(f"/companies?cursor={foreign}").status_code == 302


def test_an_edited_cursor_is_refused_and_the_real_one_still_pages(client):
    for n in range(3):
        factories.company(name=f"Firm {n}")
    first = client.get("/api/v1/companies?limit=2").json
    cursor = first["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    assert client.get(f"/api/v1/companies?limit=2&cursor={tampered}").status_code == 422
    second = client.get(f"/api/v1/companies?limit=2&cursor={cursor}").json
    assert {c["id"] for c in second["items"]}.isdisjoint({c["id"] for c in first["items"]})
