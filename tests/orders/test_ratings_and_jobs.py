"""Ratings after completion, the supplier's reply, the scorecard, and automatic delivery."""

from __future__ import annotations

import datetime as dt

from marketplace.core import clock, jobs
from marketplace.orders import disputes, ratings, services
from marketplace.orders.models import OrderStatus
from tests.orders import factories as f


def completed(owner_a, operator, company_b, offer_b, **kwargs):
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    services.deliver(owner_a, order)
    return order, seller


def test_buyer_rates_once_and_seller_replies_once(client, api_a, api_b, owner_a, operator,
                                                  company_b, offer_b):  # fmt: skip
    order, _seller = completed(owner_a, operator, company_b, offer_b)
    url = f"/api/v1/orders/{order.id}/review"
    bad = client.post(url, json={"quality": 6, "on_time": 0, "communication": "x"}, headers=api_a)
    assert bad.status_code == 422 and set(bad.json["errors"]) == {
        "quality",
        "on_time",
        "communication",
    }
    rating = {"quality": 5, "on_time": 4, "communication": 3, "comment": "Solid parts"}
    assert client.post(url, json=rating, headers=api_b).status_code == 403
    assert client.post(url, json=rating, headers=api_a).status_code == 201
    assert client.post(url, json=rating, headers=api_a).status_code == 409
    reply = client.post(f"{url}/reply", json={"reply": "Thank you!"}, headers=api_b)
    assert reply.status_code == 200 and reply.json["reply"] == "Thank you!"
    assert client.post(f"{url}/reply", json={"reply": "Again"}, headers=api_b).status_code == 409
    card = company_b.scorecard
    assert card["ratings_count"] == 1 and card["rating_overall"] == 4.0
    assert card["orders_completed"] == 1
    assert card["on_time_rate"] is None  # no delivery date was agreed: nothing to be on time for
    assert card["dispute_rate"] == 0.0


def test_rating_before_completion_is_refused(client, api_a, owner_a, offer_b):
    order = f.order(owner_a, offer_b)
    rating = {"quality": 5, "on_time": 5, "communication": 5}
    answer = client.post(f"/api/v1/orders/{order.id}/review", json=rating, headers=api_a)
    assert answer.status_code == 409


def test_late_delivery_and_disputes_show_on_the_scorecard(owner_a, operator, company_b, offer_b):
    seller = f.seller_user(company_b)
    late = f.order(owner_a, offer_b, requested_date=clock.today() + dt.timedelta(days=1))
    services.confirm(seller, late)
    services.choose_payment(owner_a, late, "bank_transfer")
    services.record_payment(operator, late, late.total_money)
    services.ship(seller, late, "DHL", "1")
    clock.advance(dt.timedelta(days=5))
    services.deliver(owner_a, late)
    disputed = f.funded_order(owner_a, seller, operator, offer_b)
    disputes.open_dispute(owner_a, disputed, "Never shipped")
    card = ratings.compute_scorecard(company_b.id)
    assert card["on_time_rate"] == 0.0
    assert card["dispute_rate"] == 0.5


def test_shipped_orders_are_delivered_and_completed_by_the_job(app, owner_a, operator,
                                                               company_b, offer_b):  # fmt: skip
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    clock.advance(dt.timedelta(days=13))
    assert services.run_due_deliveries() == (0, 0)
    clock.advance(dt.timedelta(days=1, minutes=1))
    assert services.run_due_deliveries() == (1, 0)
    assert order.status == OrderStatus.DELIVERED and order.delivered_automatically
    clock.advance(dt.timedelta(days=7, minutes=1))
    result = app.test_cli_runner().invoke(args=["orders", "auto-deliver"])
    assert "1 completed" in result.output
    assert order.status == OrderStatus.COMPLETED


def test_dispute_after_the_window_is_refused(owner_a, operator, company_b, offer_b):
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    clock.advance(dt.timedelta(days=15))
    services.run_due_deliveries()
    clock.advance(dt.timedelta(days=3))
    disputes.open_dispute(owner_a, order, "Broken")  # inside the window: fine
    assert order.status == OrderStatus.DISPUTED


def test_shipping_schedules_the_automatic_delivery_job(owner_a, operator, company_b, offer_b):
    seller = f.seller_user(company_b)
    order = f.shipped_order(owner_a, seller, operator, offer_b)
    jobs.run_pending()  # notification e-mails of the steps so far
    assert order.status == OrderStatus.SHIPPED
    clock.advance(dt.timedelta(days=14, minutes=2))
    jobs.run_pending()
    assert order.status == OrderStatus.DELIVERED
    clock.advance(dt.timedelta(days=7, minutes=2))
    jobs.run_pending()
    assert order.status == OrderStatus.COMPLETED


def _shipped_with_date(owner_a, seller, operator, offer_b, days_ahead: int):
    order = f.order(owner_a, offer_b, requested_date=clock.today() + dt.timedelta(days=days_ahead))
    services.confirm(seller, order)
    services.choose_payment(owner_a, order, "bank_transfer")
    services.record_payment(operator, order, order.total_money)
    return order


def test_on_time_counts_only_agreed_dates_and_automatic_deliveries_by_their_shipping_day(
    client, owner_a, operator, company_b, offer_b
):
    seller = f.seller_user(company_b)
    undated = f.shipped_order(owner_a, seller, operator, offer_b)  # no date agreed: left out
    services.deliver(owner_a, undated)
    shipped_in_time = _shipped_with_date(owner_a, seller, operator, offer_b, 3)
    services.ship(seller, shipped_in_time, "DHL", "1")
    shipped_late = _shipped_with_date(owner_a, seller, operator, offer_b, 1)
    clock.advance(dt.timedelta(days=2))
    services.ship(seller, shipped_late, "DHL", "2")
    clock.advance(dt.timedelta(days=14, minutes=1))
    assert services.run_due_deliveries() == (2, 0)  # recorded long after both dates
    assert shipped_in_time.delivered_automatically and shipped_late.delivered_automatically

    card = ratings.compute_scorecard(company_b.id)
    assert card["on_time_rate"] == 0.5  # of the two dated orders, the one shipped in time
    page = client.get(f"/companies/{company_b.id}/scorecard").text
    assert "50%" in page and "agreed delivery date only" in page
