"""Purchases above a buyer's spending limit wait for a colleague with the approver role."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.core import clock
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders.models import Order
from marketplace.procurement import approvals, awards, decisions, quotes, tenders
from marketplace.procurement.models import QuoteStatus, Requisition, TenderStatus
from messaging import notifications
from messaging.models import Message
from tests import factories
from tests.listings import factories as listing_factories
from tests.procurement import factories as procurement_factories


@pytest.fixture
def limited_buyer(buyer, buyer_co):
    owner = factories.user(buyer_co, role="owner", email="owner@warta.example")
    approvals.set_limit(owner, buyer.id, Money(1_000_000, "EUR"))  # 10,000.00 EUR
    return buyer


def test_an_accepted_quote_above_the_limit_waits_then_the_approver_places_the_order(
    app, limited_buyer, buyer_co, approver, seller_one, sent_mail
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)  # 20,000.00
    quotes.accept(limited_buyer, quote)
    assert quote.status == QuoteStatus.AWAITING_APPROVAL and quote.order_id is None
    requisition = approvals.pending_for("quote", quote.id)
    assert requisition.money == Money(2_000_000, "EUR")
    rival = procurement_factories.quote(factories.user(factories.company(), role="seller"), request)
    with pytest.raises(Conflict):  # one request, one accepted quote
        quotes.accept(limited_buyer, rival)
    notified = [m["To"] for m in sent_mail if "asks you to approve" in m["Subject"]]
    assert approver.email in notified and limited_buyer.email not in notified
    notice = next(n for n in notifications.list_for(approver) if n.kind == notifications.NOTICE)
    assert notifications.describe(notice).endswith("for 20000.00 EUR.")
    with app.test_request_context():
        assert notifications.link(notice) == "/procurement/approvals"
    with pytest.raises(PermissionDenied):  # a buyer is no approver
        decisions.approve(limited_buyer, requisition)
    decisions.approve(approver, requisition, "Within the quarter's budget")
    assert any(
        m["To"] == limited_buyer.email
        for m in sent_mail
        if "approved your requisition" in m["Subject"]
    )
    with force_locale("pl"):
        decided = [
            notifications.describe(n)
            for n in notifications.list_for(limited_buyer)
            if n.kind == notifications.NOTICE
        ]
        assert "akceptuje Twoje zapotrzebowanie" in decided[0]
    assert quote.status == QuoteStatus.ACCEPTED
    order = db.session.get(Order, quote.order_id)
    assert order.placed_by_id == limited_buyer.id and requisition.order_id == order.id
    with pytest.raises(Conflict):
        decisions.approve(approver, requisition)


def test_the_requester_cannot_approve_their_own_requisition(buyer_co, seller_one):
    admin = factories.user(buyer_co, role="admin", email="admin@warta.example")
    owner = factories.user(buyer_co, role="owner", email="boss@warta.example")
    approvals.set_limit(owner, admin.id, Money(100, "EUR"))
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=2)
    quote = procurement_factories.quote(seller_one, request, unit_price=5000)
    quotes.accept(admin, quote)
    requisition = approvals.pending_for("quote", quote.id)
    with pytest.raises(Conflict):
        decisions.approve(admin, requisition)
    assert requisition.status == "pending"


def test_a_rejection_needs_a_comment_and_reopens_the_quote(
    limited_buyer, buyer_co, approver, seller_one
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)
    quotes.accept(limited_buyer, quote)
    requisition = approvals.pending_for("quote", quote.id)
    with pytest.raises(ValidationError):
        decisions.reject(approver, requisition, "")
    decisions.reject(approver, requisition, "Too expensive; negotiate further")
    assert quote.status == QuoteStatus.OPEN
    assert requisition.status == "rejected" and requisition.comment.startswith("Too expensive")
    assert db.session.execute(sa.select(sa.func.count(Order.id))).scalar_one() == 0


def test_an_award_above_the_limit_waits_for_approval(
    limited_buyer, approver, seller_one, supplier_one
):
    tender = procurement_factories.sealed_tender(limited_buyer, [supplier_one], weight_lead_time=40,
                                                 custom_criteria=[])  # fmt: skip
    bid = tenders.submit_sealed_bid(seller_one, tender, {"unit_price": 50000, "lead_time_days": 3})
    clock.advance(dt.timedelta(days=4))
    awards.award(limited_buyer, tender, bid.id)  # 100 × 500.00 = 50,000.00 > 10,000.00
    assert tender.status == TenderStatus.CLOSED and tender.order_id is None
    with pytest.raises(Conflict):
        awards.award(limited_buyer, tender, bid.id)
    requisition = approvals.pending_for("tender", tender.id)
    decisions.approve(approver, requisition)
    assert tender.status == TenderStatus.AWARDED and tender.order_id == requisition.order_id


def test_below_the_limit_no_approval_and_only_managers_set_limits(buyer, buyer_co, seller_one):
    owner = factories.user(buyer_co, role="owner", email="owner2@warta.example")
    approvals.set_limit(owner, buyer.id, Money(10_000_000, "EUR"))
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=2)
    quote = procurement_factories.quote(seller_one, request, unit_price=5000)
    quotes.accept(buyer, quote)
    assert quote.status == QuoteStatus.ACCEPTED
    with pytest.raises(PermissionDenied):
        approvals.set_limit(buyer, buyer.id, None)
    with pytest.raises(ValidationError):
        approvals.set_limit(owner, seller_one.id, Money(1, "EUR"))  # not a colleague


def test_approvals_api(client, limited_buyer, buyer_co, approver, seller_one, owner_b):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)
    waiting = client.post(
        f"/api/v1/quotes/{quote.id}/accept", headers=factories.bearer(limited_buyer)
    )
    assert waiting.status_code == 202 and waiting.json["order_id"] is None
    requisition_id = waiting.json["requisition_id"]
    listed = client.get("/api/v1/approvals?status=pending", headers=factories.bearer(approver))
    assert [r["id"] for r in listed.json["items"]] == [requisition_id]
    assert (
        client.get("/api/v1/approvals?status=nope", headers=factories.bearer(approver)).status_code
        == 422
    )
    own = client.post(f"/api/v1/approvals/{requisition_id}/approve", json={},
                      headers=factories.bearer(limited_buyer))  # fmt: skip
    assert own.status_code == 403  # a buyer has no approve permission
    other = client.post(f"/api/v1/approvals/{requisition_id}/approve", json={},
                        headers=factories.bearer(owner_b))  # fmt: skip
    assert other.status_code == 404
    bad = client.post(f"/api/v1/approvals/{requisition_id}/reject", json={"comment": 5},
                      headers=factories.bearer(approver))  # fmt: skip
    assert bad.status_code == 422 and "comment" in bad.json["errors"]
    approved = client.post(f"/api/v1/approvals/{requisition_id}/approve", json={"comment": "ok"},
                           headers=factories.bearer(approver))  # fmt: skip
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert isinstance(approved.json["order_id"], int)
    assert db.session.get(Requisition, requisition_id).approver_id == approver.id


def test_approvals_page(app, limited_buyer, buyer_co, approver, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)
    quotes.accept(limited_buyer, quote)
    requisition = approvals.pending_for("quote", quote.id)
    page = app.test_client(user=approver).get("/procurement/approvals")
    assert page.status_code == 200 and quote.number.encode() in page.data
    requester_page = app.test_client(user=limited_buyer).get("/procurement/approvals")
    assert b"Your own requisition" in requester_page.data
    rejected = app.test_client(user=approver).post(
        f"/procurement/approvals/{requisition.id}/reject",
        data={"comment": ""},
        follow_redirects=True,
    )
    assert b"Say why you reject" in rejected.data
    approved = app.test_client(user=approver).post(
        f"/procurement/approvals/{requisition.id}/approve",
        data={"comment": "fine"},
        follow_redirects=True,
    )
    assert b"Approved." in approved.data
    owner = factories.user(buyer_co, role="owner", email="limits@warta.example")
    manager = app.test_client(user=owner)
    bad_limit = manager.post(
        "/procurement/limits",
        data={"user_id": str(limited_buyer.id), "amount": "1.234", "currency": "EUR"},
    )
    assert bad_limit.status_code == 422
    saved = manager.post(
        "/procurement/limits",
        data={"user_id": str(limited_buyer.id), "amount": "500", "currency": "EUR"},
    )
    assert saved.status_code == 302
    assert approvals.limit_for(limited_buyer).amount == 50000


def test_a_second_award_while_one_waits_is_refused_and_the_tender_page_opens(
    app, limited_buyer, approver, seller_one, supplier_one
):
    tender = procurement_factories.sealed_tender(limited_buyer, [supplier_one], weight_lead_time=40,
                                                 custom_criteria=[])  # fmt: skip
    bid = tenders.submit_sealed_bid(seller_one, tender, {"unit_price": 50000, "lead_time_days": 3})
    clock.advance(dt.timedelta(days=4))
    awards.award(limited_buyer, tender, bid.id)
    # what a request that passed the check at the same moment would do next
    with pytest.raises(Conflict, match="already waiting for approval"):
        approvals.open_requisition(limited_buyer, "tender", tender.id, "again", bid.total, bid.id)
    assert db.session.execute(sa.select(sa.func.count(Requisition.id))).scalar_one() == 1
    page = app.test_client(user=limited_buyer).get(f"/procurement/tenders/{tender.id}")
    assert page.status_code == 200 and b"waiting for internal approval" in page.data


def _expired_requisition(limited_buyer, buyer_co, seller_one):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)  # valid 10 days
    quotes.accept(limited_buyer, quote)
    clock.advance(dt.timedelta(days=11))
    return quote, approvals.pending_for("quote", quote.id)


def test_a_quote_that_expired_while_waiting_cannot_be_approved_and_the_requester_hears_it(
    app, limited_buyer, buyer_co, approver, seller_one
):
    quote, requisition = _expired_requisition(limited_buyer, buyer_co, seller_one)
    page = app.test_client(user=approver).post(
        f"/procurement/approvals/{requisition.id}/approve", data={"comment": "ok"},
        follow_redirects=True,
    )  # fmt: skip
    assert "expired on 2026-12-03, so it cannot be approved" in page.text
    assert "Approved." not in page.text
    db.session.expire_all()
    assert db.session.execute(sa.select(sa.func.count(Order.id))).scalar_one() == 0
    assert db.session.get(Requisition, requisition.id).status == "rejected"
    assert quote.status == QuoteStatus.OPEN  # the buyer may agree new terms with the supplier
    told = [notifications.describe(n) for n in notifications.list_for(limited_buyer)]
    assert any("could not be approved: the supplier's terms expired on 2026-12-03" in t
               for t in told)  # fmt: skip
    with force_locale("pl"):
        told = [notifications.describe(n) for n in notifications.list_for(limited_buyer)]
    assert any("warunki dostawcy wygasły 2026-12-03" in t for t in told)
    with pytest.raises(Conflict):  # the old terms cannot simply be accepted again either
        quotes.accept(limited_buyer, quote)


def test_the_api_refuses_to_approve_expired_terms(
    client, limited_buyer, buyer_co, approver, seller_one
):
    _quote, requisition = _expired_requisition(limited_buyer, buyer_co, seller_one)
    refused = client.post(f"/api/v1/approvals/{requisition.id}/approve", json={},
                          headers=factories.bearer(approver))  # fmt: skip
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert "expired on 2026-12-03" in refused.json["detail"]
    assert refused.json["requisition"]["status"] == "rejected"
    assert db.session.execute(sa.select(sa.func.count(Order.id))).scalar_one() == 0


def test_the_supplier_hears_of_an_acceptance_only_once_it_is_approved(
    limited_buyer, buyer_co, approver, seller_one
):
    request = listing_factories.buy_request(buyer_co, currency="EUR", quantity=20)
    quote = procurement_factories.quote(seller_one, request, unit_price=100000)
    heard_before = len(notifications.list_for(seller_one))
    quotes.accept(limited_buyer, quote)
    assert not any("accepted" in text for text in _thread_texts(quote))
    assert len(notifications.list_for(seller_one)) == heard_before
    decisions.approve(approver, approvals.pending_for("quote", quote.id))
    order = db.session.get(Order, quote.order_id)
    assert f"Quote {quote.number} accepted. Order {order.number} has been placed." in (
        _thread_texts(quote)
    )
    assert len(notifications.list_for(seller_one)) > heard_before


def _thread_texts(quote) -> list[str]:
    return [
        m.body_text % (m.system_data or {})
        for m in db.session.execute(
            sa.select(Message).where(Message.thread_id == quote.thread_id).order_by(Message.id)
        ).scalars()
    ]
