"""An ordinary order above the buyer's spending limit waits for an approver of the buyer's company;
the seller neither sees it nor hears of it until it is approved."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.core.money import Money
from marketplace.orders import services as orders
from marketplace.orders import steps
from marketplace.orders.models import Order
from marketplace.procurement import approvals, decisions
from marketplace.procurement.models import Requisition
from messaging import notifications
from messaging.models import Message, Thread
from tests import factories
from tests.orders import factories as order_factories


@pytest.fixture
def owner(buyer_co):
    return factories.user(buyer_co, role="owner", email="owner@warta.example")


@pytest.fixture
def limited_buyer(buyer, owner):
    approvals.set_limit(owner, buyer.id, Money(10_000, "EUR"))  # 100.00 EUR
    return buyer


@pytest.fixture
def offer(supplier_one):
    return order_factories.offer(supplier_one)  # 10.00 EUR a piece from 10 pieces


def _order_thread_texts(order: Order) -> list[str]:
    threads = db.session.execute(
        sa.select(Thread).where(Thread.context_type == "order", Thread.context_id == order.id)
    ).scalars()
    return [
        m.body_text
        for thread in threads
        for m in db.session.execute(sa.select(Message).where(Message.thread_id == thread.id))
        .scalars()
    ]  # fmt: skip


def _seller_sees(app, client, seller, order: Order) -> bool:
    page = app.test_client(user=seller).get(f"/orders/{order.id}")
    api = client.get(f"/api/v1/orders/{order.id}", headers=factories.bearer(seller))
    listed = client.get("/api/v1/orders?role=seller", headers=factories.bearer(seller)).json
    sales = app.test_client(user=seller).get("/orders/sales").get_data(as_text=True)
    shown = {page.status_code == 200, api.status_code == 200,
             order.id in [o["id"] for o in listed["items"]], order.number in sales}  # fmt: skip
    assert len(shown) == 1, "every route must agree"
    return shown.pop()


def test_an_order_above_the_limit_waits_unseen_then_the_approver_sends_it(
    app, client, limited_buyer, approver, seller_one, offer, sent_mail
):
    order = order_factories.order(limited_buyer, offer, quantity=20)  # 200.00 EUR net
    assert order.status == "awaiting_approval"
    assert not _seller_sees(app, client, seller_one, order)
    assert notifications.list_for(seller_one) == [] and _order_thread_texts(order) == []
    with pytest.raises(Conflict):  # the seller cannot act on it either
        orders.confirm(seller_one, order)
    mine = app.test_client(user=limited_buyer).get(f"/orders/{order.id}")
    assert mine.status_code == 200 and "awaiting approval" in mine.text

    listed = client.get("/api/v1/approvals?status=pending", headers=factories.bearer(approver))
    [waiting] = listed.json["items"]
    assert (waiting["kind"], waiting["object_id"]) == ("order", order.id)
    assert (waiting["amount"], waiting["currency"]) == (20_000, "EUR")
    assert waiting["title"] == f"{order.number} · Odra Metal"
    asked = {m["To"] for m in sent_mail if "asks you to approve" in m["Subject"]}
    assert approver.email in asked and limited_buyer.email not in asked
    own = client.post(f"/api/v1/approvals/{waiting['id']}/approve", json={},
                      headers=factories.bearer(limited_buyer))  # fmt: skip
    assert own.status_code == 403 and order.status == "awaiting_approval"

    approved = client.post(f"/api/v1/approvals/{waiting['id']}/approve",
                           json={"comment": "Budget line 7"},
                           headers=factories.bearer(approver))  # fmt: skip
    assert approved.status_code == 200
    assert (approved.json["status"], approved.json["order_id"]) == ("approved", order.id)
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == "placed" and order.placed_by_id == limited_buyer.id
    assert _seller_sees(app, client, seller_one, order)
    assert _order_thread_texts(order) == [f"Order {order.number} placed."]
    assert notifications.list_for(seller_one) != []
    told = [notifications.describe(n) for n in notifications.list_for(limited_buyer)]
    assert any("approved your requisition" in t and order.number in t for t in told)
    orders.confirm(seller_one, order)  # and the trade goes on as usual
    assert order.status == "confirmed"


def test_a_rejected_order_never_reaches_the_seller(
    app, client, limited_buyer, approver, seller_one, offer
):
    order = order_factories.order(limited_buyer, offer, quantity=20)
    requisition = approvals.pending_for("order", order.id)
    approver_page = app.test_client(user=approver)
    listed = approver_page.get("/procurement/approvals")
    assert f'href="/orders/{order.id}" data-kind="order"' in listed.text
    refused = approver_page.post(f"/procurement/approvals/{requisition.id}/reject",
                                 data={"comment": ""}, follow_redirects=True)  # fmt: skip
    assert "Say why you reject" in refused.text
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "awaiting_approval"
    rejected = approver_page.post(
        f"/procurement/approvals/{requisition.id}/reject",
        data={"comment": "Order from the framework supplier instead"}, follow_redirects=True,
    )  # fmt: skip
    assert "Rejected." in rejected.text
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.status == "rejected_internally"
    assert order.events[-1].note == "Order from the framework supplier instead"
    assert not _seller_sees(app, client, seller_one, order)
    assert notifications.list_for(seller_one) == [] and _order_thread_texts(order) == []
    with force_locale("pl"):
        told = [notifications.describe(n) for n in notifications.list_for(limited_buyer)]
        assert steps.status_label(order.status) == "nie zaakceptowano"
    assert any("odrzuca Twoje zapotrzebowanie" in t for t in told), told
    with pytest.raises(Conflict):
        decisions.approve(approver, db.session.get(Requisition, requisition.id))


def test_within_the_limit_the_order_goes_straight_to_the_seller_and_currencies_must_match(
    app, client, buyer, owner, approver, seller_one, offer
):
    approvals.set_limit(owner, buyer.id, Money(100_000, "EUR"))
    placed = order_factories.order(buyer, offer, quantity=20)
    assert placed.status == "placed" and _seller_sees(app, client, seller_one, placed)
    assert approvals.pending_for("order", placed.id) is None
    approvals.set_limit(owner, buyer.id, Money(100_000, "PLN"))  # cannot be compared with EUR
    held = order_factories.order(buyer, offer, quantity=20)
    assert held.status == "awaiting_approval"
    assert approvals.pending_for("order", held.id).money == Money(20_000, "EUR")


def test_the_order_form_says_the_order_waits_for_approval(app, limited_buyer, offer):
    form = {"offer_id": offer.id, "quantity": "20", "name": "Goods in", "street": "Magazynowa 1",
            "postal_code": "60-001", "city": "Poznań", "country": "PL"}  # fmt: skip
    answer = app.test_client(user=limited_buyer).post("/orders/new", data=form,
                                                      follow_redirects=True)  # fmt: skip
    assert "is above your spending limit" in answer.text
    placed = db.session.execute(sa.select(Order)).scalar_one()
    assert placed.status == "awaiting_approval"
    assert approvals.pending_for("order", placed.id) is not None


def test_the_api_rejects_a_held_order_only_with_a_comment(
    client, limited_buyer, approver, seller_one, offer
):
    order = order_factories.order(limited_buyer, offer, quantity=20)
    requisition = approvals.pending_for("order", order.id)
    url = f"/api/v1/approvals/{requisition.id}/reject"
    silent = client.post(url, json={}, headers=factories.bearer(approver))
    assert silent.status_code == 422 and "comment" in silent.json["errors"]
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "awaiting_approval"
    rejected = client.post(url, json={"comment": "Not this quarter"},
                           headers=factories.bearer(approver))  # fmt: skip
    assert rejected.status_code == 200
    assert (rejected.json["kind"], rejected.json["status"]) == ("order", "rejected")
    assert rejected.json["order_id"] is None  # nothing was sent to a seller
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "rejected_internally"
    assert notifications.list_for(seller_one) == []
