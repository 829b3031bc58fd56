"""Reverse auctions: decrements, anti-sniping, ranks without identities, the bid log, closing, award."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement import auctions
from marketplace.procurement.models import Bid, BidLogEntry, Tender, TenderStatus
from tests import factories
from tests.procurement import factories as procurement_factories


def test_a_bid_must_beat_the_best_price_by_the_decrement(
    buyer, seller_one, seller_two, supplier_one, supplier_two
):
    auction = procurement_factories.auction(buyer, [supplier_one, supplier_two])
    with pytest.raises(ValidationError):
        auctions.place_bid(seller_one, auction, 100001)  # above the starting price
    auctions.place_bid(seller_one, auction, 100000)
    with pytest.raises(ValidationError) as too_small:
        auctions.place_bid(seller_two, auction, 99500)  # decrement is 10.00
    assert "unit_price" in too_small.value.errors
    assert "99,000" not in str(too_small.value.errors)  # the best price is not revealed
    auctions.place_bid(seller_two, auction, 99000)
    with pytest.raises(ValidationError):
        auctions.place_bid(
            seller_one, auction, 98500
        )  # must beat the current best, not only its own
    auctions.place_bid(seller_one, auction, 98000)
    assert (auction.best_price, auction.version) == (98000, 3)
    log = db.session.execute(sa.select(BidLogEntry).order_by(BidLogEntry.id)).scalars().all()
    assert [(e.unit_price, e.tender_version) for e in log] == [(100000, 1), (99000, 2), (98000, 3)]


def test_percentage_decrement_in_whole_numbers(
    buyer, seller_one, seller_two, supplier_one, supplier_two
):
    auction = procurement_factories.auction(
        buyer, [supplier_one, supplier_two], decrement_amount=None, decrement_bp=250
    )
    auctions.place_bid(seller_one, auction, 100000)
    assert auctions.required_price(auction) == 97500
    with pytest.raises(ValidationError):
        auctions.place_bid(seller_two, auction, 97501)
    auctions.place_bid(seller_two, auction, 97500)


def test_a_late_bid_extends_the_end_and_the_job_closes_only_at_the_new_end(
    buyer, seller_one, seller_two, supplier_one, supplier_two
):
    auction = procurement_factories.auction(buyer, [supplier_one, supplier_two])
    end = auction.closes_at
    clock.advance(dt.timedelta(minutes=50))
    auctions.place_bid(seller_one, auction, 100000)  # 10 minutes before the end: no extension
    assert auction.closes_at == end
    clock.advance(dt.timedelta(minutes=9))  # 1 minute left
    auctions.place_bid(seller_two, auction, 99000)
    assert auction.closes_at == clock.now() + dt.timedelta(minutes=2)
    extended = auction.closes_at
    log = db.session.execute(sa.select(BidLogEntry).order_by(BidLogEntry.id)).scalars().all()
    assert log[-1].closes_at_after == extended
    db.session.commit()

    clock.advance(dt.timedelta(minutes=1, seconds=30))  # past the original end, before the new one
    jobs.run_pending()
    db.session.expire_all()
    auction = db.session.get(Tender, auction.id)
    assert auction.status == TenderStatus.PUBLISHED and auction.phase == "open"
    auctions.place_bid(seller_one, auction, 98000)  # extends again
    db.session.commit()
    clock.advance(dt.timedelta(minutes=2, seconds=1))
    with pytest.raises(Conflict):
        auctions.place_bid(seller_two, auction, 50000)
    jobs.run_pending()
    db.session.expire_all()
    auction = db.session.get(Tender, auction.id)
    assert auction.status == TenderStatus.CLOSED


def test_bidders_see_their_rank_never_the_others_and_the_buyer_awards_the_winner(
    client, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    auction = procurement_factories.auction(buyer, [supplier_one, supplier_two])
    auctions.place_bid(seller_one, auction, 100000)
    auctions.place_bid(seller_two, auction, 95000)
    db.session.commit()
    one = client.get(f"/api/v1/tenders/{auction.id}", headers=factories.bearer(seller_one))
    body = one.get_data(as_text=True)
    assert one.json["standing"]["my_rank"] == 2 and one.json["standing"]["bidders"] == 2
    assert one.json["standing"]["best_price"] is None  # the buyer did not allow showing it
    assert "Elbe" not in body and "95000" not in body
    two = client.get(f"/api/v1/tenders/{auction.id}", headers=factories.bearer(seller_two)).json
    assert two["standing"]["my_rank"] == 1 and two["standing"]["best_price"] == 95000
    owner_view = client.get(f"/api/v1/tenders/{auction.id}", headers=factories.bearer(buyer)).json
    assert [r["supplier"] for r in owner_view["standing"]["ranking"]] == [
        "Elbe Kabel",
        "Odra Metal",
    ]

    early = client.post(
        f"/api/v1/tenders/{auction.id}/award", json={"bid_id": 1}, headers=factories.bearer(buyer)
    )
    assert early.status_code == 409
    clock.advance(dt.timedelta(hours=2))
    bids = client.get(f"/api/v1/tenders/{auction.id}/bids", headers=factories.bearer(buyer)).json
    winner = bids["items"][0]
    assert winner["rank"] == 1 and winner["supplier"]["name"] == "Elbe Kabel"
    awarded = client.post(
        f"/api/v1/tenders/{auction.id}/award", json={"bid_id": winner["id"]},
        headers=factories.bearer(buyer),
    )  # fmt: skip
    assert awarded.status_code == 200
    order = db.session.get(Order, awarded.json["order_id"])
    assert order.seller_company_id == supplier_two.id and order.net_total == 95000 * 10
    twice = client.post(
        f"/api/v1/tenders/{auction.id}/award", json={"bid_id": winner["id"]},
        headers=factories.bearer(buyer),
    )  # fmt: skip
    assert twice.status_code == 409
    assert db.session.execute(sa.select(sa.func.count(Order.id))).scalar_one() == 1


def test_uninvited_and_late_bids_are_refused(client, buyer, seller_one, supplier_one, owner_b):
    auction = procurement_factories.auction(buyer, [supplier_one], show_best_price=True)
    response = client.post(
        f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": 90000},
        headers=factories.bearer(owner_b),
    )  # fmt: skip
    assert response.status_code == 404
    with pytest.raises(NotFound):
        auctions.place_bid(owner_b, auction, 90000)
    bad = client.post(
        f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": -1},
        headers=factories.bearer(seller_one),
    )  # fmt: skip
    assert bad.status_code == 422
    ok = client.post(
        f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": 90000},
        headers=factories.bearer(seller_one),
    )  # fmt: skip
    assert ok.status_code == 201 and ok.json["my_rank"] == 1 and ok.json["best_price"] == 90000
    clock.advance(dt.timedelta(hours=1))
    late = client.post(
        f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": 1000},
        headers=factories.bearer(seller_one),
    )  # fmt: skip
    assert late.status_code == 409
    logged = db.session.execute(
        sa.select(BidLogEntry.accepted, BidLogEntry.unit_price, BidLogEntry.reason).order_by(
            BidLogEntry.id
        )
    ).all()  # the uninvited company's attempt and the price that was no price are not bids
    assert [tuple(row) for row in logged] == [
        (True, 90000, ""),
        (False, 1000, "Bidding is closed."),
    ]


def test_the_bid_log_is_append_only(buyer, seller_one, supplier_one):
    auction = procurement_factories.auction(buyer, [supplier_one])
    auctions.place_bid(seller_one, auction, 100000)
    db.session.commit()
    entry = db.session.execute(sa.select(BidLogEntry)).scalar_one()
    entry.unit_price = 1
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    entry = db.session.execute(sa.select(BidLogEntry)).scalar_one()
    db.session.delete(entry)
    with pytest.raises(RuntimeError):
        db.session.flush()
    db.session.rollback()
    assert db.session.execute(sa.select(BidLogEntry.unit_price)).scalar_one() == 100000


def test_the_room_gets_a_live_event_when_someone_bids(
    app, buyer, seller_one, seller_two, supplier_one, supplier_two
):
    clock.reset()  # the stream itself runs on real time
    auction = procurement_factories.auction(buyer, [supplier_one, supplier_two])
    db.session.commit()
    watcher = app.test_client(user=seller_one)
    response = watcher.get(f"/procurement/tenders/{auction.id}/live", buffered=False)
    assert response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert "connected" in next(chunks).decode()
    started = time.monotonic()
    bidder = app.test_client(user=seller_two)
    assert (
        bidder.post(
            f"/procurement/tenders/{auction.id}/bid", data={"unit_price": "990"}
        ).status_code
        == 302
    )
    for chunk in chunks:
        text = chunk.decode()
        if "event: bid" in text:
            break
    assert time.monotonic() - started < 2
    assert "Elbe" not in text and '"bidders":1' in text
    response.close()
    standing = watcher.get(f"/procurement/tenders/{auction.id}/standing").json
    assert standing["my_rank"] is None and standing["bidders"] == 1


def test_auction_room_pages(app, buyer, seller_one, supplier_one):
    auction = procurement_factories.auction(buyer, [supplier_one])
    supplier = app.test_client(user=seller_one)
    room = supplier.get(f"/procurement/tenders/{auction.id}")
    assert (
        room.status_code == 200 and b"data-my-rank" in room.data and b"data-countdown" in room.data
    )
    refused = supplier.post(f"/procurement/tenders/{auction.id}/bid", data={"unit_price": "2000"})
    assert refused.status_code == 422 and b"Bid at most" in refused.data
    placed = supplier.post(f"/procurement/tenders/{auction.id}/bid", data={"unit_price": "1000"})
    assert placed.status_code == 302
    buyer_room = app.test_client(user=buyer).get(f"/procurement/tenders/{auction.id}")
    assert b"Odra Metal" in buyer_room.data and b"Bid log" in buyer_room.data


def test_room_forms_need_the_csrf_token_and_the_api_is_documented(
    app, client, buyer, seller_one, supplier_one
):
    auction = procurement_factories.auction(buyer, [supplier_one])
    db.session.commit()
    refused = app.test_client(user=seller_one).post(
        f"/procurement/tenders/{auction.id}/bid", data={"unit_price": "900"}, csrf=False
    )
    assert refused.status_code == 400
    assert db.session.execute(sa.select(sa.func.count(BidLogEntry.id))).scalar_one() == 0
    paths = client.get("/api/v1/openapi.json").json["paths"]
    for path in ("/api/v1/requests/{request_id}/quotes", "/api/v1/quotes/{quote_id}/accept",
                 "/api/v1/tenders", "/api/v1/tenders/{tender_id}/bids", "/api/v1/approvals"):  # fmt: skip
        assert path in paths, path


def test_a_refused_bid_is_logged_for_the_buyer_though_nothing_else_is_kept(
    app, client, buyer, seller_one, supplier_one
):
    auction = procurement_factories.auction(buyer, [supplier_one])
    too_high = app.test_client(user=seller_one).post(
        f"/procurement/tenders/{auction.id}/bid", data={"unit_price": "2000"}
    )
    assert too_high.status_code == 422 and b"Bid at most" in too_high.data
    by_api = client.post(f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": 150000},
                         headers={**factories.bearer(seller_one), "Idempotency-Key": "b-1"})  # fmt: skip
    assert by_api.status_code == 422 and "unit_price" in by_api.json["errors"]
    db.session.rollback()  # what the request kept, and only that, is in the database
    log = db.session.execute(sa.select(BidLogEntry).order_by(BidLogEntry.id)).scalars().all()
    assert [(e.accepted, e.unit_price, e.user_id) for e in log] == [
        (False, 200000, seller_one.id), (False, 150000, seller_one.id)
    ]  # fmt: skip
    assert all(e.reason.startswith("Bid at most") and e.tender_version is None for e in log)
    assert db.session.execute(sa.select(sa.func.count(Bid.id))).scalar_one() == 0
    assert db.session.get(Tender, auction.id).version == 0
    room = app.test_client(user=buyer).get(f"/procurement/tenders/{auction.id}")
    assert room.text.count("data-refused") == 2
    # the key was not spent on the refusal: the same key may carry the corrected bid
    retried = client.post(f"/api/v1/tenders/{auction.id}/bids", json={"unit_price": 90000},
                          headers={**factories.bearer(seller_one), "Idempotency-Key": "b-1"})  # fmt: skip
    assert retried.status_code == 201 and retried.json["my_rank"] == 1
