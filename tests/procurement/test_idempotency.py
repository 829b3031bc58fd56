"""A client retries procurement calls with an Idempotency-Key: the same key and body get the first
answer again and nothing happens twice; the same key with another body is refused."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders.models import Order
from marketplace.procurement import approvals, tenders
from marketplace.procurement.models import BidLogEntry, Quote, QuoteStatus, Requisition
from tests import factories
from tests.listings import factories as listing_factories
from tests.procurement import factories as procurement_factories


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _with_key(person, key: str) -> dict[str, str]:
    return factories.bearer(person) | {"Idempotency-Key": key}


@pytest.fixture
def quote(buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=10)
    return procurement_factories.quote(seller_one, request, unit_price=10000)


def test_accepting_twice_with_one_key_places_one_order(client, buyer, quote):
    url = f"/api/v1/quotes/{quote.id}/accept"
    headers = _with_key(buyer, "accept-Q1")
    first = client.post(url, headers=headers)
    again = client.post(url, headers=headers)
    assert first.status_code == 200, first.json
    assert isinstance(first.json["order_id"], int)
    assert "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json
    assert _count(Order) == 1


def test_without_a_key_a_repeated_accept_is_refused_as_before(client, buyer, quote):
    url = f"/api/v1/quotes/{quote.id}/accept"
    first = client.post(url, headers=factories.bearer(buyer))
    assert first.status_code == 200 and isinstance(first.json["order_id"], int)
    again = client.post(url, headers=factories.bearer(buyer))
    assert again.status_code == 409
    assert _count(Order) == 1


def test_the_same_key_with_other_terms_is_refused_naming_the_header(client, buyer, quote):
    url = f"/api/v1/quotes/{quote.id}/counter"
    headers = _with_key(buyer, "counter-Q1")
    first = client.post(url, json={"unit_price": 9000}, headers=headers)
    again = client.post(url, json={"unit_price": 9000}, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    other = client.post(url, json={"unit_price": 8000}, headers=headers)
    assert other.status_code == 409
    assert other.mimetype == "application/problem+json"
    assert "Idempotency-Key" in other.json["errors"]
    assert "Idempotency-Key" in other.json["detail"]
    polish = client.post(f"{url}?lang=pl", json={"unit_price": 8000}, headers=headers)
    assert polish.json["errors"]["Idempotency-Key"] == [
        "Ten Idempotency-Key użyto już z innym żądaniem."
    ]
    db.session.expire_all()
    assert [r.unit_price for r in db.session.get(Quote, quote.id).revisions] == [10000, 9000]


def test_a_refused_request_does_not_use_up_its_key(client, buyer, quote):
    url = f"/api/v1/quotes/{quote.id}/counter"
    headers = _with_key(buyer, "counter-Q1")
    refused = client.post(url, json={"unit_price": 0}, headers=headers)
    assert refused.status_code == 422 and "unit_price" in refused.json["errors"]
    fixed = client.post(url, json={"unit_price": 9000}, headers=headers)
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers
    assert [r["unit_price"] for r in fixed.json["revisions"]] == [10000, 9000]


def test_a_key_longer_than_100_characters_is_refused_and_nothing_is_written(client, buyer, quote):
    answer = client.post(f"/api/v1/quotes/{quote.id}/accept", headers=_with_key(buyer, "k" * 101))
    assert answer.status_code == 422
    assert "Idempotency-Key" in answer.json["errors"]
    db.session.expire_all()
    assert db.session.get(Quote, quote.id).status == QuoteStatus.OPEN
    assert _count(Order) == 0


def test_a_resent_quote_is_one_quote_and_each_company_has_its_own_keys(
    client, buyer_co, seller_one, seller_two
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=10)
    url = f"/api/v1/requests/{request.id}/quotes"
    terms = {
        "unit_price": 10000,
        "lead_time_days": 20,
        "valid_until": (clock.today() + dt.timedelta(days=5)).isoformat(),
    }
    first = client.post(url, json=terms, headers=_with_key(seller_one, "quote-1"))
    again = client.post(url, json=terms, headers=_with_key(seller_one, "quote-1"))
    assert first.status_code == 201 and again.status_code == 201
    assert again.json["id"] == first.json["id"]
    theirs = client.post(url, json=terms, headers=_with_key(seller_two, "quote-1"))
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json["id"] != first.json["id"]
    assert _count(Quote) == 2


def test_a_retried_auction_bid_is_logged_once(client, buyer, seller_one, supplier_one):
    auction = procurement_factories.auction(buyer, [supplier_one])
    url = f"/api/v1/tenders/{auction.id}/bids"
    headers = _with_key(seller_one, "bid-1")
    first = client.post(url, json={"unit_price": 90000}, headers=headers)
    again = client.post(url, json={"unit_price": 90000}, headers=headers)
    assert first.status_code == 201 and again.status_code == 201
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    lower = client.post(url, json={"unit_price": 80000}, headers=headers)
    assert lower.status_code == 409 and "Idempotency-Key" in lower.json["errors"]
    assert _count(BidLogEntry) == 1


def test_awarding_twice_with_one_key_places_one_order_and_another_bid_is_refused(
    client, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    tender = procurement_factories.sealed_tender(buyer, [supplier_one, supplier_two])
    cheap = tenders.submit_sealed_bid(seller_two, tender, {"unit_price": 900, "lead_time_days": 30})
    quick = tenders.submit_sealed_bid(seller_one, tender, {"unit_price": 1000, "lead_time_days": 5})
    clock.advance(dt.timedelta(days=4))
    tenders.close_due_tenders()
    url = f"/api/v1/tenders/{tender.id}/award"
    headers = _with_key(buyer, "award-T1")
    first = client.post(url, json={"bid_id": cheap.id}, headers=headers)
    again = client.post(url, json={"bid_id": cheap.id}, headers=headers)
    assert first.status_code == 200, first.json
    assert again.json["order_id"] == first.json["order_id"]
    other = client.post(url, json={"bid_id": quick.id}, headers=headers)
    assert other.status_code == 409 and "Idempotency-Key" in other.json["errors"]
    assert _count(Order) == 1
    assert db.session.get(Order, first.json["order_id"]).seller_company_id == supplier_two.id


def test_a_retried_requisition_and_approval_each_happen_once(
    client, buyer, buyer_co, approver, quote
):
    owner = factories.user(buyer_co, role="owner", email="owner@warta.example")
    approvals.set_limit(owner, buyer.id, Money(50_000, "EUR"))  # the quote is 1,000.00 EUR
    accept = f"/api/v1/quotes/{quote.id}/accept"
    waiting = client.post(accept, headers=_with_key(buyer, "accept-Q1"))
    again = client.post(accept, headers=_with_key(buyer, "accept-Q1"))
    assert waiting.status_code == 202 and again.status_code == 202
    assert again.json["requisition_id"] == waiting.json["requisition_id"]
    assert _count(Requisition) == 1
    approve = f"/api/v1/approvals/{waiting.json['requisition_id']}/approve"
    approved = client.post(approve, json={"comment": "ok"}, headers=_with_key(approver, "appr-1"))
    twice = client.post(approve, json={"comment": "ok"}, headers=_with_key(approver, "appr-1"))
    assert approved.status_code == 200 and twice.status_code == 200
    assert isinstance(approved.json["order_id"], int)
    assert twice.json["order_id"] == approved.json["order_id"]
    assert _count(Order) == 1


def test_the_api_description_declares_the_header_on_procurement_posts(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    posts = {path: ops["post"] for path, ops in paths.items() if "procurement" in
             ops.get("post", {}).get("tags", [])}  # fmt: skip
    assert "/api/v1/quotes/{quote_id}/accept" in posts
    assert "/api/v1/tenders/{tender_id}/award" in posts
    for path, operation in posts.items():
        headers = [p["name"] for p in operation["parameters"] if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], path
    reading = paths["/api/v1/quotes/{quote_id}"]["get"]
    assert all(p["in"] != "header" for p in reading["parameters"])
