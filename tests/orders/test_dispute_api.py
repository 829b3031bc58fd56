"""Disputes through the API: the order shows its dispute, the operator lists and resolves them."""

from __future__ import annotations

import contextlib

import pytest
import sqlalchemy as sa

from marketplace.core.extensions import db
from marketplace.orders import disputes
from tests import factories
from tests.orders import factories as f
from tests.orders.test_order_api import body

QUEUE = "/api/v1/admin/disputes"


def disputed(owner_a, owner_b, operator, offer, reason: str = "Half arrived rusty"):
    order = f.shipped_order(owner_a, owner_b, operator, offer)
    return order, disputes.open_dispute(owner_a, order, reason)


@contextlib.contextmanager
def counted_selects():
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def test_an_outside_client_resolves_a_dispute_from_the_queue(client, api_a, api_b, api_operator,
                                                             offer_b):  # fmt: skip
    order_id = client.post("/api/v1/orders", json=body(offer_b.id), headers=api_a).json["id"]
    url = f"/api/v1/orders/{order_id}"
    assert client.get(url, headers=api_a).json["dispute"] is None
    client.post(f"{url}/confirm", headers=api_b)
    client.post(f"{url}/payment", json={"provider": "bank_transfer"}, headers=api_a)
    client.post(
        f"/api/v1/admin/orders/{order_id}/payment-received", json={"amount": 20_000},
        headers=api_operator,
    )  # fmt: skip
    client.post(f"{url}/ship", json={"carrier": "UPS", "tracking_number": "1Z"}, headers=api_b)
    opened = client.post(f"{url}/dispute", json={"reason": "Half arrived rusty"}, headers=api_a)
    assert opened.json["dispute"]["status"] == "open"
    assert opened.json["dispute"]["resolution"] is None

    queue = client.get(QUEUE, headers=api_operator)
    assert queue.status_code == 200, queue.json
    [item] = queue.json["items"]
    assert queue.json["next_cursor"] is None
    assert item["order"] == {"id": order_id, "number": f"ORD-{order_id:06d}",
                             "status": "disputed", "total": {"amount": 20_000, "currency": "EUR"}}  # fmt: skip
    assert item["buyer"]["name"] == "Alpha Steel" and item["seller"]["name"] == "Beta Chemicals"
    assert item["held"] == {"amount": 20_000, "currency": "EUR"}
    assert item["reason"] == "Half arrived rusty" and item["opened_at"]
    assert item["id"] == opened.json["dispute"]["id"]

    resolved = client.post(
        f"/api/v1/admin/disputes/{item['id']}/resolve",
        json={"refund_amount": 8_000, "note": "Photos show rust on half"},
        headers=api_operator,
    )
    assert resolved.status_code == 200, resolved.json
    for seen_by in (api_a, api_b):
        dispute = client.get(url, headers=seen_by).json["dispute"]
        assert dispute["id"] == item["id"] and dispute["status"] == "resolved"
        resolution = dispute["resolution"]
        assert resolution["outcome"] == "split"
        assert resolution["refund"] == {"amount": 8_000, "currency": "EUR"}
        assert resolution["release"] == {"amount": 12_000, "currency": "EUR"}
        assert resolution["note"] == "Photos show rust on half" and resolution["resolved_at"]
    assert client.get(QUEUE, headers=api_operator).json["items"] == []
    [done] = client.get(QUEUE, query_string={"status": "resolved"}, headers=api_operator).json[
        "items"
    ]
    assert done["id"] == item["id"] and done["held"]["amount"] == 0
    assert done["resolution"]["outcome"] == "split"


@pytest.mark.parametrize(("refund", "outcome", "release"), [(0, "release", 20_000),
                                                            (20_000, "refund", 0)])  # fmt: skip
def test_the_order_says_whether_the_operator_refunded_or_released(
    client, api_a, owner_a, owner_b, operator, offer_b, refund, outcome, release
):
    order, dispute = disputed(owner_a, owner_b, operator, offer_b)
    disputes.resolve_dispute(operator, dispute.id, f.eur(refund), "Decided")
    [listed] = client.get("/api/v1/orders", headers=api_a).json["items"]
    shown = client.get(f"/api/v1/orders/{order.id}", headers=api_a).json
    assert listed["dispute"] == shown["dispute"]
    assert shown["dispute"]["resolution"]["outcome"] == outcome
    assert shown["dispute"]["resolution"]["refund"]["amount"] == refund
    assert shown["dispute"]["resolution"]["release"]["amount"] == release


def test_only_operators_see_the_queue(client, api_a, owner_a, owner_b, operator, offer_b):
    disputed(owner_a, owner_b, operator, offer_b)
    anonymous = client.get(QUEUE)
    assert anonymous.status_code == 401 and anonymous.mimetype == "application/problem+json"
    # A party to the dispute is still no operator: it is a role, not another company's object.
    member = client.get(QUEUE, headers=api_a)
    assert member.status_code == 403 and member.mimetype == "application/problem+json"
    assert "items" not in member.json


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "closed"}, "status"), ({"cursor": "not-a-cursor"}, "cursor"),
     ({"limit": "0"}, "limit"), ({"limit": "100000"}, "limit"), ({"limit": "ten"}, "limit")],
)  # fmt: skip
def test_bad_queue_parameters_name_the_field(client, api_operator, query, field):
    answer = client.get(QUEUE, query_string=query, headers=api_operator)
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert list(answer.json["errors"]) == [field]


def test_the_queue_pages_oldest_first(client, api_operator, owner_a, owner_b, operator, offer_b):
    opened = [disputed(owner_a, owner_b, operator, offer_b, f"Problem {n}")[1] for n in range(3)]
    first = client.get(QUEUE, query_string={"limit": 2}, headers=api_operator).json
    assert [d["reason"] for d in first["items"]] == ["Problem 0", "Problem 1"]
    rest = client.get(
        QUEUE, query_string={"limit": 2, "cursor": first["next_cursor"]}, headers=api_operator
    ).json
    assert [d["id"] for d in rest["items"]] == [opened[2].id] and rest["next_cursor"] is None


def test_a_longer_queue_costs_no_more_queries(client, api_operator, owner_a, owner_b, operator,
                                              offer_b):  # fmt: skip
    disputed(owner_a, owner_b, operator, offer_b)
    db.session.commit()
    with counted_selects() as one:
        assert len(client.get(QUEUE, headers=api_operator).json["items"]) == 1
    other_buyer = factories.user(factories.company(name="Delta Foods"), role="owner")
    for _n in range(3):
        disputed(other_buyer, owner_b, operator, offer_b)
    db.session.commit()
    with counted_selects() as four:
        assert len(client.get(QUEUE, headers=api_operator).json["items"]) == 4
    assert len(four) == len(one)


def test_a_longer_order_list_costs_no_more_queries(client, api_a, owner_a, owner_b, operator,
                                                   offer_b):  # fmt: skip
    disputed(owner_a, owner_b, operator, offer_b)
    db.session.commit()
    with counted_selects() as one:
        assert len(client.get("/api/v1/orders", headers=api_a).json["items"]) == 1
    _order, dispute = disputed(owner_a, owner_b, operator, offer_b)
    disputes.resolve_dispute(operator, dispute.id, f.eur(5_000))
    f.order(owner_a, offer_b)
    db.session.commit()
    with counted_selects() as three:
        items = client.get("/api/v1/orders", headers=api_a).json["items"]
    assert [o["dispute"] and o["dispute"]["status"] for o in items] == [None, "resolved", "open"]
    assert len(three) == len(one)


def test_the_queue_and_the_order_dispute_are_documented(client):
    spec = client.get("/api/v1/openapi.json").json
    queue = spec["paths"]["/api/v1/admin/disputes"]["get"]
    assert "status" in {p.get("name") for p in queue["parameters"]}
    assert {"cursor", "limit"} <= {p.get("name") for p in queue["parameters"]}
    item = spec["components"]["schemas"]["DisputeQueueItem"]["properties"]
    assert {"id", "order", "buyer", "seller", "held", "reason", "opened_at"} <= set(item)
    assert "dispute" in spec["components"]["schemas"]["Order"]["properties"]
    resolution = spec["components"]["schemas"]["DisputeResolution"]["properties"]
    assert {"outcome", "refund", "release", "resolved_at"} <= set(resolution)
