"""A buyer's request collects quotes; both sides bargain in revisions; accepting places an order."""

from __future__ import annotations

import datetime as dt
import io

import sqlalchemy as sa

from marketplace.core import clock
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement import quotes
from marketplace.procurement.models import Quote, QuoteStatus
from messaging.models import Message, Thread
from tests import factories
from tests.listings import factories as listing_factories
from tests.procurement import factories as procurement_factories


def _system_texts(quote: Quote) -> list[str]:
    thread = db.session.get(Thread, quote.thread_id)
    return [
        m.body_text % (m.system_data or {})
        for m in db.session.execute(
            sa.select(Message).where(Message.thread_id == thread.id).order_by(Message.id)
        ).scalars()
    ]


def test_bargaining_keeps_every_round_and_acceptance_places_the_order(
    buyer, buyer_co, seller_one, seller_two, app
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=350000)
    other = procurement_factories.quote(seller_two, request, unit_price=360000)

    quotes.counter(buyer, quote, {"unit_price": 320000, "note": "Can you meet 3,200?"})
    quotes.counter(seller_one, quote, {"unit_price": 335000, "lead_time_days": 10})
    quotes.accept(buyer, quote)

    assert [(r.number, r.side, r.unit_price, r.lead_time_days) for r in quote.revisions] == [
        (1, "supplier", 350000, 14),
        (2, "buyer", 320000, 14),
        (3, "supplier", 335000, 10),
    ]
    assert quote.revisions[1].note == "Can you meet 3,200?"
    assert quote.status == QuoteStatus.ACCEPTED
    order = db.session.get(Order, quote.order_id)
    assert order.buyer_company_id == buyer_co.id
    assert order.seller_company_id == seller_one.company_id
    assert order.net_total == 335000 * 20
    assert order.lines[0].quantity == 20
    assert other.status == QuoteStatus.DECLINED
    assert any("chosen another offer" in text for text in _system_texts(other))
    texts = _system_texts(quote)
    assert texts[0].startswith(f"Quote {quote.number} sent")
    assert any("Counter-offer" in t for t in texts)
    assert texts[-1] == f"Quote {quote.number} accepted. Order {order.number} has been placed."


def test_a_side_waits_for_the_answer_and_cannot_accept_its_own_offer(buyer, buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    quote = procurement_factories.quote(seller_one, request)
    for action in (
        lambda: quotes.counter(seller_one, quote, {"unit_price": 1}),
        lambda: quotes.accept(seller_one, quote),
    ):
        try:
            action()
        except Exception as error:  # noqa: BLE001
            assert error.status == 409
        else:  # pragma: no cover
            raise AssertionError("should have been refused")
    assert len(quote.revisions) == 1


def test_the_supplier_can_accept_the_buyers_counter_offer(buyer, buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=5)
    quote = procurement_factories.quote(seller_one, request, unit_price=10000, shipping_cost=5000)
    quotes.counter(buyer, quote, {"unit_price": 9000})
    quotes.accept(seller_one, quote)
    order = db.session.get(Order, quote.order_id)
    assert order.placed_by_id == buyer.id
    assert order.net_total == 9000 * 5 + 5000  # the goods plus the quoted shipping


def test_accepting_an_expired_quote_is_refused_and_changes_nothing(
    client, app, buyer, buyer_co, seller_one
):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    quote = procurement_factories.quote(
        seller_one, request, valid_until=clock.today() + dt.timedelta(days=2)
    )
    clock.advance(dt.timedelta(days=3))
    response = client.post(f"/api/v1/quotes/{quote.id}/accept", headers=factories.bearer(buyer))
    assert response.status_code == 409
    assert "expired" in response.json["detail"]
    db.session.refresh(quote)
    assert quote.status == QuoteStatus.OPEN and quote.order_id is None


def test_api_quote_lifecycle_and_comparison(client, buyer, buyer_co, seller_one, seller_two):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=10)
    valid = (clock.today() + dt.timedelta(days=5)).isoformat()
    one = client.post(
        f"/api/v1/requests/{request.id}/quotes",
        json={"unit_price": 10000, "lead_time_days": 20, "valid_until": valid, "shipping_cost": 0},
        headers=factories.bearer(seller_one),
    )
    assert one.status_code == 201, one.json
    two = client.post(
        f"/api/v1/requests/{request.id}/quotes",
        json={
            "unit_price": 9500,
            "lead_time_days": 5,
            "valid_until": valid,
            "shipping_cost": 10000,
        },
        headers=factories.bearer(seller_two),
    )
    assert two.status_code == 201
    # landed: one 100.00, two 95.00 + 100.00/10 = 105.00
    landed = client.get(f"/api/v1/requests/{request.id}/quotes", headers=factories.bearer(buyer))
    assert [q["id"] for q in landed.json["items"]] == [one.json["id"], two.json["id"]]
    assert landed.json["items"][1]["latest"]["landed_unit_price"] == 10500
    fastest = client.get(
        f"/api/v1/requests/{request.id}/quotes?sort=lead_time", headers=factories.bearer(buyer)
    )
    assert [q["id"] for q in fastest.json["items"]] == [two.json["id"], one.json["id"]]
    # a supplier sees only its own quote
    own = client.get(f"/api/v1/requests/{request.id}/quotes", headers=factories.bearer(seller_one))
    assert [q["id"] for q in own.json["items"]] == [one.json["id"]]

    counter = client.post(
        f"/api/v1/quotes/{two.json['id']}/counter",
        json={"unit_price": 9000},
        headers=factories.bearer(buyer),
    )
    assert counter.status_code == 201
    assert [r["side"] for r in counter.json["revisions"]] == ["supplier", "buyer"]
    accepted = client.post(
        f"/api/v1/quotes/{two.json['id']}/accept", headers=factories.bearer(seller_two)
    )
    assert accepted.status_code == 200
    assert isinstance(accepted.json["order_id"], int)
    again = client.post(
        f"/api/v1/quotes/{two.json['id']}/accept", headers=factories.bearer(seller_two)
    )
    assert again.status_code == 409


def test_api_bad_input_names_the_field_and_writes_nothing(client, buyer, buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    headers = factories.bearer(seller_one)
    url = f"/api/v1/requests/{request.id}/quotes"
    missing = client.post(url, json={"unit_price": "cheap"}, headers=headers)
    assert missing.status_code == 422
    assert missing.mimetype == "application/problem+json"
    assert {"unit_price", "lead_time_days", "valid_until"} <= set(missing.json["errors"])
    rules = client.post(
        url,
        json={"unit_price": 0, "lead_time_days": 3, "valid_until": "2020-01-01", "currency": "PLN"},
        headers=headers,
    )
    assert rules.status_code == 422
    assert {"unit_price", "valid_until", "currency"} <= set(rules.json["errors"])
    assert client.post(url, data="x", headers=headers).status_code == 422
    assert db.session.execute(sa.select(sa.func.count(Quote.id))).scalar_one() == 0
    quote = procurement_factories.quote(seller_one, request)
    bad_counter = client.post(
        f"/api/v1/quotes/{quote.id}/counter", json={"quantity": -1}, headers=factories.bearer(buyer)
    )
    assert bad_counter.status_code == 422 and "quantity" in bad_counter.json["errors"]
    assert len(quote.revisions) == 1


def test_other_companies_cannot_see_or_touch_a_quote(client, buyer, buyer_co, seller_one, owner_b):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    quote = procurement_factories.quote(seller_one, request)
    headers = factories.bearer(owner_b)
    assert client.get(f"/api/v1/quotes/{quote.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/quotes/{quote.id}/accept", headers=headers).status_code == 404
    assert (
        client.post(f"/api/v1/quotes/{quote.id}/counter", json={}, headers=headers).status_code
        == 404
    )
    assert client.post(f"/api/v1/quotes/{quote.id}/accept").status_code == 401


def test_pages_send_a_quote_bargain_and_accept(app, buyer, buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    supplier = app.test_client(user=seller_one)
    page = supplier.get(f"/procurement/requests/{request.id}/quotes")
    assert page.status_code == 200 and b"Send a quote" in page.data
    bad = supplier.post(
        f"/procurement/requests/{request.id}/quotes",
        data={"unit_price": "-5", "lead_time_days": "3"},
    )
    assert bad.status_code == 422
    assert b"Give a unit price above zero." in bad.data
    assert b"Give the date until which the terms hold." in bad.data
    sent = supplier.post(
        f"/procurement/requests/{request.id}/quotes",
        data={"unit_price": "1250.50", "quantity": "20", "lead_time_days": "7",
              "valid_until": (clock.today() + dt.timedelta(days=9)).isoformat()},
    )  # fmt: skip
    assert sent.status_code == 302
    quote = db.session.execute(sa.select(Quote)).scalar_one()
    assert quote.latest.unit_price == 125050

    buyer_client = app.test_client(user=buyer)
    comparison = buyer_client.get(f"/procurement/requests/{request.id}/quotes")
    assert b"Odra Metal" in comparison.data and b"data-comparison" in comparison.data
    view = buyer_client.get(f"/procurement/quotes/{quote.id}")
    assert b"Counter-offer" in view.data and b"Accept" in view.data
    bad_counter = buyer_client.post(
        f"/procurement/quotes/{quote.id}/counter", data={"unit_price": "1.999"}
    )
    assert bad_counter.status_code == 422
    countered = buyer_client.post(
        f"/procurement/quotes/{quote.id}/counter",
        data={"unit_price": "1200", "quantity": "20", "lead_time_days": "7",
              "valid_until": (clock.today() + dt.timedelta(days=9)).isoformat()},
    )  # fmt: skip
    assert countered.status_code == 302
    accepted = supplier.post(f"/procurement/quotes/{quote.id}/accept", follow_redirects=True)
    assert b"You accepted the offer." in accepted.data
    db.session.refresh(quote)
    assert quote.status == QuoteStatus.ACCEPTED and quote.order_id
    overview = buyer_client.get("/procurement")
    assert overview.status_code == 200 and quote.number.encode() in overview.data


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_revisions_carry_attachments_only_the_two_parties_can_download(
    app, buyer, buyer_co, seller_one, owner_b
):
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    supplier = app.test_client(user=seller_one)
    valid = (clock.today() + dt.timedelta(days=9)).isoformat()
    refused = supplier.post(
        f"/procurement/requests/{request.id}/quotes",
        data={"unit_price": "100", "lead_time_days": "7", "valid_until": valid,
              "attachments": [(io.BytesIO(b"MZ\x90\x00binary"), "tool.exe")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert refused.status_code == 422 and b"not accepted" in refused.data
    assert db.session.execute(sa.select(sa.func.count(Quote.id))).scalar_one() == 0
    sent = supplier.post(
        f"/procurement/requests/{request.id}/quotes",
        data={"unit_price": "100", "lead_time_days": "7", "valid_until": valid,
              "attachments": [(io.BytesIO(PDF), "spec.pdf")]},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert sent.status_code == 302
    quote = db.session.execute(sa.select(Quote)).scalar_one()
    attachment = quote.attachments[0]
    assert (attachment.revision_number, attachment.filename) == (1, "spec.pdf")
    url = f"/procurement/quotes/{quote.id}/attachments/{attachment.id}"
    download = app.test_client(user=buyer).get(url)
    assert download.data == PDF and download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()
    assert app.test_client(user=owner_b).get(url).status_code == 404
    page = app.test_client(user=buyer).get(f"/procurement/quotes/{quote.id}")
    assert b"spec.pdf" in page.data


def test_an_accepted_quote_closes_the_request_to_new_quotes(
    client, buyer, buyer_co, seller_one, seller_two
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=5)
    quote = procurement_factories.quote(seller_one, request, unit_price=10000)
    quotes.accept(buyer, quote)
    db.session.refresh(request)
    assert request.status == "closed"
    late = client.post(
        f"/api/v1/requests/{request.id}/quotes",
        json={"unit_price": 9000, "lead_time_days": 3,
              "valid_until": (clock.today() + dt.timedelta(days=5)).isoformat()},
        headers=factories.bearer(seller_two),
    )  # fmt: skip
    assert late.status_code == 409 and "no longer takes quotes" in late.json["detail"]
    assert db.session.execute(sa.select(sa.func.count(Quote.id))).scalar_one() == 1


def test_the_quote_list_holds_the_quotes_a_company_sent_and_got(
    client, buyer, buyer_co, seller_one, seller_two
):
    """Found by schemathesis' object-level check: a buyer reads a quote it could list nowhere."""
    request = listing_factories.buy_request(buyer_co, currency="EUR")
    quote = procurement_factories.quote(seller_one, request)
    db.session.commit()

    def listed(person):
        answer = client.get("/api/v1/quotes", headers=factories.bearer(person))
        assert answer.status_code == 200
        return [q["id"] for q in answer.json["items"]]

    assert listed(buyer) == [quote.id] and listed(seller_one) == [quote.id]
    assert listed(seller_two) == []
