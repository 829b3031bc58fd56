"""Sealed tenders: bids stay closed to everyone until the deadline, then are scored, ranked, awarded."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement import awards, tenders
from marketplace.procurement.models import Bid, Tender, TenderStatus
from messaging import notifications
from messaging.models import Message, Thread
from tests import factories
from tests.procurement import factories as procurement_factories


def _bid(person, tender, price, days=10, **extra):
    return tenders.submit_sealed_bid(
        person, tender, {"unit_price": price, "lead_time_days": days, **extra}
    )


# Each supplier's secrets: what must never reach the buyer or the other supplier before opening.
SECRETS = {"Odra": ("secret note of Odra", "123457", "1234.57", "1,234.57"),
           "Elbe": ("secret note of Elbe", "98765", "987.65")}  # fmt: skip


def _sealed_pair(buyer, seller_one, seller_two, supplier_one, supplier_two):
    tender = procurement_factories.sealed_tender(buyer, [supplier_one, supplier_two])
    _bid(seller_one, tender, 123457, note="secret note of Odra")
    _bid(seller_two, tender, 98765, note="secret note of Elbe")
    db.session.commit()
    return tender


def _everything_shown(app, client, tender, people) -> dict[str, str]:
    """Every route a person could read the tender through, by who reads it."""
    seen: dict[str, str] = {}
    for name, person in people.items():
        browser = app.test_client(user=person)
        api = factories.bearer(person)
        parts = [
            browser.get(f"/procurement/tenders/{tender.id}").get_data(as_text=True),
            browser.get(f"/procurement/tenders/{tender.id}/standing").get_data(as_text=True),
            client.get(f"/api/v1/tenders/{tender.id}", headers=api).get_data(as_text=True),
            client.get(f"/api/v1/tenders/{tender.id}/bids", headers=api).get_data(as_text=True),
            browser.get("/notifications").get_data(as_text=True),
        ]
        parts += [notifications.describe(n) for n in notifications.list_for(person)]
        seen[name] = "\n".join(parts)
    threads = db.session.execute(
        sa.select(Thread).where(Thread.context_type == "tender", Thread.context_id == tender.id)
    ).scalars()
    seen["messages"] = "\n".join(
        m.body_text % (m.system_data or {})
        for thread in threads
        for m in db.session.execute(sa.select(Message).where(Message.thread_id == thread.id))
        .scalars()
    )  # fmt: skip
    return seen


def _assert_sealed(app, client, tender, buyer, seller_one, seller_two) -> None:
    seen = _everything_shown(app, client, tender, {"buyer": buyer, "Odra": seller_one,
                                                    "Elbe": seller_two})  # fmt: skip
    for reader, text in seen.items():
        for owner, secrets in SECRETS.items():
            if reader != owner:
                leaked = [secret for secret in secrets if secret in text]
                assert not leaked, f"{reader} reads {owner}'s {leaked}"
    with pytest.raises(Conflict):
        tenders.opened_bids(buyer, tender)
    buyer_api = factories.bearer(buyer)
    assert client.get(f"/api/v1/tenders/{tender.id}/bids", headers=buyer_api).status_code == 409
    seller_api = factories.bearer(seller_one)
    assert client.get(f"/api/v1/tenders/{tender.id}/bids", headers=seller_api).status_code == 404
    own = client.get(f"/api/v1/tenders/{tender.id}", headers=seller_api).json
    assert own["my_bid"]["unit_price"] == 123457 and own["bid_count"] == 2
    page = app.test_client(user=buyer).get(f"/procurement/tenders/{tender.id}")
    assert page.status_code == 200 and "Odra Metal" not in page.get_data(as_text=True)


def test_bids_are_sealed_through_every_route_until_closing(
    app, client, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    tender = _sealed_pair(buyer, seller_one, seller_two, supplier_one, supplier_two)
    _assert_sealed(app, client, tender, buyer, seller_one, seller_two)
    standing = app.test_client(user=buyer).get(f"/procurement/tenders/{tender.id}/standing").json
    assert standing == {"phase": "open", "closes_at": tender.closes_at.isoformat(), "bidders": 2}

    clock.advance(dt.timedelta(days=3, seconds=1))
    opened = client.get(f"/api/v1/tenders/{tender.id}/bids", headers=factories.bearer(buyer))
    assert opened.status_code == 200
    assert [b["unit_price"] for b in opened.json["items"]] == [98765, 123457]
    assert opened.json["items"][0]["breakdown"]["price"] == 6000
    db.session.expire_all()
    assert db.session.get(Tender, tender.id).status == TenderStatus.CLOSED


def test_a_tender_cancelled_before_closing_never_opens_its_bids(
    app, client, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    tender = _sealed_pair(buyer, seller_one, seller_two, supplier_one, supplier_two)
    cancelled = app.test_client(user=buyer).post(
        f"/procurement/tenders/{tender.id}/cancel", data={"reason": "The budget is withdrawn"}
    )
    assert cancelled.status_code == 302
    db.session.expire_all()
    assert db.session.get(Tender, tender.id).status == TenderStatus.CANCELLED
    _assert_sealed(app, client, tender, buyer, seller_one, seller_two)
    refused = client.get(f"/api/v1/tenders/{tender.id}/bids", headers=factories.bearer(buyer))
    assert "cancelled before closing" in refused.json["detail"]
    page = app.test_client(user=buyer).get(f"/procurement/tenders/{tender.id}")
    assert "the bids were never opened" in page.get_data(as_text=True)
    # neither the closing time nor the closing job opens them afterwards
    clock.advance(dt.timedelta(days=4))
    assert tenders.close_due_tenders() == 0
    db.session.commit()
    _assert_sealed(app, client, tender, buyer, seller_one, seller_two)


def test_scoring_with_buyer_marks_then_award_places_the_order_and_tells_every_bidder(
    buyer, buyer_co, seller_one, seller_two, supplier_one, supplier_two
):
    tender = procurement_factories.sealed_tender(buyer, [supplier_one, supplier_two])
    cheap = _bid(seller_two, tender, 900, days=30)
    quick = _bid(seller_one, tender, 1000, days=5)
    clock.advance(dt.timedelta(days=4))
    tenders.close_due_tenders()
    # price 60: 54.00 / 60.00; lead time 20 (days +1): 20.00 / 20×6/31 = 3.87
    assert (quick.score, cheap.score) == (5400 + 2000, 6000 + 387)
    assert (quick.rank, cheap.rank) == (1, 2)
    tenders.set_marks(buyer, tender, cheap.id, {"Quality": 10})
    assert cheap.score == 6387 + 2000 and cheap.rank == 1
    with pytest.raises(ValidationError):
        tenders.set_marks(buyer, tender, cheap.id, {"Quality": 11})

    awards.award(buyer, tender, cheap.id)
    assert tender.status == TenderStatus.AWARDED
    order = db.session.get(Order, tender.order_id)
    assert order.seller_company_id == supplier_two.id and order.net_total == 900 * 100
    with pytest.raises(Conflict):
        awards.award(buyer, tender, quick.id)
    texts = {
        thread.company_ids[1] if thread.company_ids[0] == buyer_co.id else thread.company_ids[0]:
        [m.body_text % m.system_data for m in db.session.execute(
            sa.select(Message).where(Message.thread_id == thread.id).order_by(Message.id)).scalars()]
        for thread in db.session.execute(
            sa.select(Thread).where(Thread.context_type == "tender", Thread.context_id == tender.id)
        ).scalars()
    }  # fmt: skip
    assert "awarded to you" in texts[supplier_two.id][-1]
    assert "ranked 2 of 2" in texts[supplier_one.id][-1]


def test_bad_bids_and_wrong_moments_change_nothing(buyer, seller_one, seller_two, supplier_one):
    tender = procurement_factories.sealed_tender(
        buyer, [supplier_one], opens_at=clock.now() + dt.timedelta(hours=1),
        required_documents=["ISO 9001 certificate"],
    )  # fmt: skip
    with pytest.raises(Conflict):
        _bid(seller_one, tender, 1000, documents=["ISO 9001 certificate"])  # not open yet
    clock.advance(dt.timedelta(hours=2))
    with pytest.raises(ValidationError) as missing:
        _bid(seller_one, tender, 1000)
    assert "documents" in missing.value.errors
    with pytest.raises(NotFound):  # not invited
        _bid(seller_two, tender, 900, documents=["ISO 9001 certificate"])
    with pytest.raises(Conflict):
        _bid(factories.user(buyer.company, role="owner"), tender, 1)  # own company's tender
    first = _bid(seller_one, tender, 1000, documents=["ISO 9001 certificate"])
    replaced = _bid(seller_one, tender, 950, documents=["ISO 9001 certificate"])
    assert first.id == replaced.id and replaced.single_price == 950
    clock.advance(dt.timedelta(days=5))
    with pytest.raises(Conflict):
        _bid(seller_one, tender, 800, documents=["ISO 9001 certificate"])
    assert db.session.get(Bid, first.id).single_price == 950


def test_the_close_job_closes_on_time_and_cancel_needs_a_reason(buyer, seller_one, supplier_one):
    tender = procurement_factories.sealed_tender(buyer, [supplier_one])
    _bid(seller_one, tender, 1000)
    db.session.commit()
    jobs.run_pending()  # notification mails; the closing job is not due yet
    db.session.expire_all()
    assert db.session.get(Tender, tender.id).status == TenderStatus.PUBLISHED
    clock.advance(dt.timedelta(days=3))
    assert jobs.run_pending() >= 1
    db.session.expire_all()
    tender = db.session.get(Tender, tender.id)
    assert tender.status == TenderStatus.CLOSED
    with pytest.raises(ValidationError):
        awards.cancel(buyer, tender, "")
    awards.cancel(buyer, tender, "Budget withdrawn by the board")
    assert tender.status == TenderStatus.CANCELLED
    with pytest.raises(Conflict):
        awards.cancel(buyer, tender, "again")


def test_publishing_checks_weights_times_and_invitations(client, buyer, supplier_one):
    headers = factories.bearer(buyer)
    base = {
        "kind": "sealed", "title": "Forklift tyres", "quantity": 40, "unit": "pcs",
        "currency": "EUR", "invited_company_ids": [supplier_one.id],
        "closes_at": (clock.now() + dt.timedelta(days=2)).isoformat(),
    }  # fmt: skip
    weights = client.post(
        "/api/v1/tenders",
        json=base | {"weight_price": 50, "weight_lead_time": 20, "custom_criteria": [
            {"name": "Service", "weight": 10}, {"name": "Warranty", "weight": 10},
            {"name": "Colour", "weight": 10}]},
        headers=headers,
    )  # fmt: skip
    assert weights.status_code == 422 and "custom_criteria" in weights.json["errors"]
    not_100 = client.post("/api/v1/tenders", json=base | {"weight_price": 90}, headers=headers)
    assert not_100.status_code == 422 and "weights" in not_100.json["errors"]
    past = client.post(
        "/api/v1/tenders",
        json=base | {"weight_price": 100, "closes_at": "2020-01-01T00:00:00Z",
                     "invited_company_ids": [999999]},
        headers=headers,
    )  # fmt: skip
    assert past.status_code == 422
    assert {"closes_at", "invited_company_ids"} <= set(past.json["errors"])
    assert (
        client.post("/api/v1/tenders", json={"kind": "other"}, headers=headers).status_code == 422
    )
    assert db.session.execute(sa.select(sa.func.count(Tender.id))).scalar_one() == 0
    created = client.post(
        "/api/v1/tenders",
        json=base | {"weight_price": 70, "weight_rating": 30},
        headers=headers,
    )
    assert created.status_code == 201, created.json
    assert created.json["phase"] == "open" and created.json["number"].startswith("T-")
    bad_bid = client.post(
        f"/api/v1/tenders/{created.json['id']}/bids", json={"lead_time_days": 3},
        headers=headers,
    )  # fmt: skip
    assert bad_bid.status_code == 422 and "unit_price" in bad_bid.json["errors"]
    bad_award = client.post(
        f"/api/v1/tenders/{created.json['id']}/award", json={"bid_id": "x"}, headers=headers
    )
    assert bad_award.status_code == 422
    bad_cancel = client.post(
        f"/api/v1/tenders/{created.json['id']}/cancel", json={}, headers=headers
    )
    assert bad_cancel.status_code == 422 and "reason" in bad_cancel.json["errors"]


def test_uninvited_companies_do_not_see_an_invited_tender(client, buyer, supplier_one, owner_b):
    tender = procurement_factories.sealed_tender(buyer, [supplier_one])
    headers = factories.bearer(owner_b)
    assert client.get(f"/api/v1/tenders/{tender.id}", headers=headers).status_code == 404
    assert (
        client.post(
            f"/api/v1/tenders/{tender.id}/bids", json={"unit_price": 5, "lead_time_days": 1},
            headers=headers,
        ).status_code
        == 404
    )  # fmt: skip


def test_tender_pages_publish_bid_and_award(app, buyer, seller_one, supplier_one):
    buyer_client = app.test_client(user=buyer)
    form = buyer_client.get("/procurement/tenders/new")
    assert form.status_code == 200
    bad = buyer_client.post("/procurement/tenders/new", data={"kind": "sealed", "title": "Racks"})
    assert bad.status_code == 422
    closes = (clock.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    weights = buyer_client.post(
        "/procurement/tenders/new",
        data={"kind": "sealed", "title": "Racks", "quantity": "10", "unit": "pcs", "currency": "EUR",
              "closes_at": closes, "invited_only": "y", "invited_company_ids": [str(supplier_one.id)],
              "weight_price": "50", "weight_lead_time": "0", "weight_rating": "0"},
    )  # fmt: skip
    assert weights.status_code == 422 and b"add up to 100" in weights.data
    created = buyer_client.post(
        "/procurement/tenders/new",
        data={"kind": "sealed", "title": "Racks", "quantity": "10", "unit": "pcs", "currency": "EUR",
              "closes_at": closes, "invited_only": "y", "invited_company_ids": [str(supplier_one.id)],
              "weight_price": "100", "weight_lead_time": "0", "weight_rating": "0"},
    )  # fmt: skip
    assert created.status_code == 302
    tender = db.session.execute(sa.select(Tender)).scalar_one()
    supplier = app.test_client(user=seller_one)
    room = supplier.get(f"/procurement/tenders/{tender.id}")
    assert b"Send sealed bid" in room.data and b"data-countdown" in room.data
    price_field = f"price_{tender.items[0].id}"  # one item, named as the tender
    assert (
        supplier.post(f"/procurement/tenders/{tender.id}/bid", data={price_field: "x"}).status_code
        == 422
    )
    sent = supplier.post(
        f"/procurement/tenders/{tender.id}/bid", data={price_field: "99.90", "lead_time_days": "4"}
    )
    assert sent.status_code == 302
    clock.advance(dt.timedelta(days=2))
    buyer_room = buyer_client.get(f"/procurement/tenders/{tender.id}")
    assert b"Opened bids, ranked" in buyer_room.data and b"Odra Metal" in buyer_room.data
    bid = db.session.execute(sa.select(Bid)).scalar_one()
    awarded = buyer_client.post(
        f"/procurement/tenders/{tender.id}/award",
        data={"bid_id": str(bid.id)},
        follow_redirects=True,
    )
    assert b"awarded" in awarded.data
    db.session.refresh(tender)
    assert tender.order_id is not None
    refused = buyer_client.post(f"/procurement/tenders/{tender.id}/cancel", data={"reason": ""})
    assert refused.status_code == 422
