"""Order pages: the form from the offer page, order detail and its actions, lists, operator pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import refresh

from marketplace.core.extensions import db
from marketplace.orders import disputes, services
from marketplace.orders.models import Order
from messaging.models import Message
from tests.orders import factories as f

FORM = {"quantity": "20", "name": "Goods in", "street": "Magazynowa 1", "postal_code": "60-001",
        "city": "Poznań", "country": "PL"}  # fmt: skip


def test_offer_page_links_to_the_order_form(client_a, offer_b):
    page = client_a.get(f"/offers/{offer_b.id}")
    assert page.status_code == 200
    assert f"/orders/new?offer_id={offer_b.id}" in page.text


def test_buyer_places_an_order_from_the_form(client_a, offer_b):
    form = client_a.get(f"/orders/new?offer_id={offer_b.id}")
    assert form.status_code == 200 and "Place order" in form.text
    answer = client_a.post("/orders/new", data=FORM | {"offer_id": offer_b.id})
    assert answer.status_code == 302
    order = db.session.execute(sa.select(Order)).scalar_one()
    page = client_a.get(answer.location)
    assert order.number in page.text and "Waiting for the seller to confirm." in page.text


def test_order_form_shows_errors_inline_and_writes_nothing(client_a, offer_b):
    answer = client_a.post(
        "/orders/new", data=FORM | {"offer_id": offer_b.id, "quantity": "3", "street": ""}
    )
    assert answer.status_code == 422
    assert "The minimum order is 10" in answer.text or "This field is required" in answer.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one() == 0
    moq = client_a.post("/orders/new", data=FORM | {"offer_id": offer_b.id, "quantity": "3"})
    assert moq.status_code == 422 and "The minimum order is 10" in moq.text


def test_order_form_enforces_csrf(client_a, offer_b):
    answer = client_a.post("/orders/new", data=FORM | {"offer_id": offer_b.id}, csrf=False)
    assert answer.status_code == 400
    assert db.session.execute(sa.select(sa.func.count()).select_from(Order)).scalar_one() == 0


def test_seller_confirms_and_ships_from_the_page(
    app, client_a, owner_a, operator, company_b, offer_b
):
    seller = f.seller_user(company_b)
    seller_client = app.test_client(user=seller)
    order = f.order(owner_a, offer_b)
    assert seller_client.post(f"/orders/{order.id}/confirm").status_code == 302
    page = client_a.get(f"/orders/{order.id}")
    assert "Continue to payment" in page.text and "Pro-forma invoice" in page.text
    client_a.post(f"/orders/{order.id}/payment", data={"provider": "bank_transfer"})
    page = client_a.get(f"/orders/{order.id}")
    assert order.escrow.payment_reference in page.text
    services.record_payment(operator, order, order.total_money)
    bad = seller_client.post(
        f"/orders/{order.id}/ship", data={"carrier": "", "tracking_number": ""}
    )
    assert bad.status_code == 422 and "This field is required" in bad.text
    assert order.status == "funded"
    seller_client.post(
        f"/orders/{order.id}/ship", data={"carrier": "DHL", "tracking_number": "123"}
    )
    assert order.status == "shipped"
    client_a.post(f"/orders/{order.id}/deliver")
    page = seller_client.get(f"/orders/{order.id}")
    assert order.status == "completed" and "Released to seller" in page.text


def test_wrong_side_sees_an_error_and_nothing_changes(client_a, owner_a, offer_b):
    order = f.order(owner_a, offer_b)
    answer = client_a.post(f"/orders/{order.id}/confirm", follow_redirects=True)
    assert "Only the seller can do this." in answer.text
    assert order.status == "placed"


def test_third_company_gets_404_for_order_documents_and_thread(app, owner_a, company_b, offer_b,
                                                               third_party):  # fmt: skip
    order = f.order(owner_a, offer_b)
    services.confirm(f.seller_user(company_b), order)
    outsider = app.test_client(user=third_party)
    assert outsider.get(f"/orders/{order.id}").status_code == 404
    assert outsider.get(f"/orders/{order.id}/documents/proforma").status_code == 404
    assert outsider.get(f"/messages/{order.thread_id}").status_code == 404


def test_each_step_posts_a_system_message_in_the_order_thread(owner_a, company_b, offer_b):
    order = f.order(owner_a, offer_b)
    services.confirm(f.seller_user(company_b), order)
    texts = list(
        db.session.execute(
            sa.select(Message.body_text)
            .where(Message.thread_id == order.thread_id)
            .order_by(Message.id)
        ).scalars()
    )
    assert texts == [f"Order {order.number} placed.", f"The seller confirmed order {order.number}."]


def test_purchases_and_sales_lists_with_filter(app, client_a, owner_a, company_b, offer_b):
    order = f.order(owner_a, offer_b)
    assert order.number in client_a.get("/orders/purchases").text
    assert order.number not in client_a.get("/orders/purchases?status=completed").text
    seller_client = app.test_client(user=f.seller_user(company_b))
    assert order.number in seller_client.get("/orders/sales?status=placed").text
    assert order.number not in client_a.get("/orders/sales").text


def test_operator_records_receipts_pays_out_and_resolves(operator_client, owner_a, operator,
                                                         company_b, offer_b):  # fmt: skip
    seller = f.seller_user(company_b)
    order = f.order(owner_a, offer_b)
    services.confirm(seller, order)
    services.choose_payment(owner_a, order, "bank_transfer")
    page = operator_client.get("/admin/bank-receipts")
    assert order.escrow.payment_reference in page.text
    url = f"/admin/bank-receipts/{order.escrow.id}"
    bad = operator_client.post(url, data={"amount": "abc"}, follow_redirects=True)
    assert "Enter an amount" in bad.text and order.status == "confirmed"
    operator_client.post(url, data={"amount": "200.00"})
    assert order.status == "funded"
    disputes.open_dispute(owner_a, order, "Wrong grade")
    assert "Wrong grade" in operator_client.get("/admin/disputes").text
    dispute = order.disputes[0]
    operator_client.post(f"/admin/disputes/{dispute.id}/resolve", data={"refund_amount": "50.00"})
    assert order.status == "resolved" and dispute.refund_amount == 5_000
    payouts = operator_client.get("/admin/payouts")
    assert "Refund the buyer" in payouts.text and "Pay the seller" in payouts.text


def test_operator_pages_are_hidden_from_companies(client_a):
    for url in ("/admin/bank-receipts", "/admin/payouts", "/admin/disputes"):
        assert client_a.get(url).status_code == 404


def test_scorecard_fragment(client, company_b):
    page = client.get(f"/companies/{company_b.id}/scorecard")
    assert page.status_code == 200 and "Supplier scorecard" in page.text


def test_buyer_rates_from_the_page(client_a, owner_a, operator, company_b, offer_b):
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    services.deliver(owner_a, order)
    bad = client_a.post(f"/orders/{order.id}/review", data={"quality": "5"})
    assert bad.status_code == 422
    client_a.post(
        f"/orders/{order.id}/review",
        data={"quality": "5", "on_time": "4", "communication": "5", "comment": "Great"},
    )
    assert company_b.scorecard["ratings_count"] == 1


def test_order_page_speaks_polish(client_a, owner_a, offer_b):
    order = f.order(owner_a, offer_b)
    refresh()  # the test's app context cached the language chosen while the order was placed
    page = client_a.get(f"/orders/{order.id}?lang=pl")
    assert "Następny krok" in page.text and "Czekamy na potwierdzenie sprzedawcy." in page.text
    assert "złożone" in page.text


def test_service_errors_are_translated(client, api_a, offer_b):
    body = {"lines": [{"offer_id": offer_b.id, "quantity": 20}],
            "delivery": f.DELIVERY | {"country": "XX"}}  # fmt: skip
    refresh()
    answer = client.post("/api/v1/orders?lang=pl", json=body, headers=api_a)
    assert answer.status_code == 422
    assert answer.json["errors"]["delivery.country"] == ["Nieznany kod kraju."]
