"""A buyer posts what they need; suppliers see public requests, invited ones stay among the invited."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from listings import buy_requests, services
from listings.models import BuyRequest, RequestStatus
from marketplace.core import clock
from marketplace.core.errors import Conflict, NotFound, PermissionDenied
from marketplace.core.extensions import db
from tests import factories
from tests.listings import factories as listing_factories


def _body(**changes) -> dict:
    return {
        "title": "20 t of S235 steel sheet by March",
        "description": "<p>3 mm, mill certificate 3.1</p><img src=x onerror=alert(1)>",
        "category": "steel-sheet-plate",
        "quantity": 20,
        "unit": "t",
        "target_unit_price": 85000,
        "currency": "PLN",
        "needed_by": (clock.today() + dt.timedelta(days=60)).isoformat(),
        "delivery_country": "PL",
        "delivery_city": "Poznań",
        "delivery_latitude": 52.4064,
        "delivery_longitude": 16.9252,
        "visibility": "public",
        "invited_company_ids": [],
    } | changes


def _count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(BuyRequest)).scalar_one()


def test_post_a_public_request_that_suppliers_see(client, api_a, api_b, company_a):
    response = client.post("/api/v1/requests", json=_body(), headers=api_a)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "open"
    assert body["target_unit_price"] == 85000 and body["currency"] == "PLN"
    assert "onerror" not in body["description"]
    seen = client.get(f"/api/v1/requests/{body['id']}", headers=api_b)
    assert seen.status_code == 200
    assert [r["id"] for r in client.get("/api/v1/requests").json["items"]] == [body["id"]]
    assert client.get(f"/requests/{body['id']}").status_code == 200


def test_invited_only_requests_are_hidden_from_everyone_else(app, client, company_a, company_b):
    stranger = factories.company(name="Gamma Plastics")
    request = listing_factories.buy_request(company_a, invited=[company_b])
    url = f"/api/v1/requests/{request.id}"
    owner = factories.bearer(factories.user(company_a, role="buyer"))
    invited = factories.bearer(factories.user(company_b, role="seller"))
    outsider = factories.bearer(factories.user(stranger, role="seller"))

    assert client.get(url, headers=owner).json["invited_company_ids"] == [company_b.id]
    assert client.get(url, headers=invited).status_code == 200
    assert client.get(url, headers=invited).json["invited_company_ids"] == []
    assert client.get(url, headers=outsider).status_code == 404
    assert client.get(url).status_code == 404
    assert app.test_client().get(f"/requests/{request.id}").status_code == 404
    assert client.get("/api/v1/requests", headers=outsider).json["items"] == []
    assert len(client.get("/api/v1/requests", headers=invited).json["items"]) == 1

    assert (
        services.context_summary("buy_request", request.id, company_b.id)["company_id"]
        == company_a.id
    )
    assert services.context_summary("buy_request", request.id, stranger.id) is None


def test_close_and_cancel_end_a_request(owner_a, company_a):
    first = listing_factories.buy_request(company_a)
    second = listing_factories.buy_request(company_a)
    buy_requests.close(owner_a, first)
    assert first.status == RequestStatus.CLOSED and first.closed_at is not None
    buy_requests.cancel(owner_a, second)
    assert second.status == RequestStatus.CANCELLED
    for request in (first, second):
        with pytest.raises(Conflict):
            buy_requests.close(owner_a, request)
        with pytest.raises(Conflict):
            buy_requests.update_request(owner_a, request, {"quantity": 5})


def test_a_request_closes_itself_at_its_deadline(client, owner_a, company_a):
    request = listing_factories.buy_request(
        company_a, needed_by=clock.today() + dt.timedelta(days=2)
    )
    assert request.is_open
    clock.advance(dt.timedelta(days=3))
    assert not request.is_open
    assert request.effective_status == RequestStatus.CLOSED
    assert client.get("/api/v1/requests").json["items"] == []
    assert buy_requests.close_expired_requests() == 1
    db.session.refresh(request)
    assert request.status == RequestStatus.CLOSED
    with pytest.raises(Conflict):
        buy_requests.update_request(owner_a, request, {"quantity": 5})


def test_close_through_the_api(client, api_a, api_b, company_a):
    request = listing_factories.buy_request(company_a)
    assert client.post(f"/api/v1/requests/{request.id}/close", headers=api_b).status_code == 404
    response = client.post(f"/api/v1/requests/{request.id}/close", headers=api_a)
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert client.post(f"/api/v1/requests/{request.id}/close", headers=api_a).status_code == 409


def test_patch_changes_an_open_request(client, api_a, api_b, company_a, company_b):
    request = listing_factories.buy_request(company_a)
    url = f"/api/v1/requests/{request.id}"
    response = client.patch(
        url,
        json={"quantity": 25, "visibility": "invited", "invited_company_ids": [company_b.id]},
        headers=api_a,
    )
    assert response.status_code == 200, response.json
    assert response.json["quantity"] == 25
    assert response.json["invited_company_ids"] == [company_b.id]
    assert client.patch(url, json={"quantity": 1}, headers=api_b).status_code == 404
    assert client.patch(url, json={"quantity": 0}, headers=api_a).status_code == 422


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"needed_by": "2020-01-01"}, "needed_by"),
        ({"category": "moon-rocks"}, "category"),
        ({"currency": "BTC"}, "currency"),
        ({"unit": "barrels-of-fun"}, "unit"),
        ({"delivery_country": "XX"}, "delivery_country"),
        ({"visibility": "invited", "invited_company_ids": []}, "invited_company_ids"),
        ({"visibility": "invited", "invited_company_ids": [999999]}, "invited_company_ids"),
        ({"target_unit_price": -5}, "target_unit_price"),
        ({"delivery_latitude": 123.0}, "delivery_latitude"),
        ({"delivery_longitude": None}, "delivery_longitude"),
    ],
)
def test_bad_request_input_names_the_field_and_writes_nothing(client, api_a, change, field):
    before = _count()
    response = client.post("/api/v1/requests", json=_body(**change), headers=api_a)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"], response.json
    assert _count() == before


def test_only_buyers_admins_and_owners_post_requests(client, company_a, owner_b):
    seller = factories.user(company_a, role="seller")
    with pytest.raises(PermissionDenied):
        buy_requests.create_request(seller, _body())
    assert (
        client.post("/api/v1/requests", json=_body(), headers=factories.bearer(seller)).status_code
        == 403
    )
    buyer = factories.user(company_a, role="buyer")
    request = buy_requests.create_request(buyer, _body())
    with pytest.raises(NotFound):
        buy_requests.close(owner_b, request)


def test_pages_post_edit_and_bulk_close(signed_in, company_a, company_b):
    buyer = factories.user(company_a, role="buyer")
    browser = signed_in(buyer)
    form = _body(
        needed_by=(clock.today() + dt.timedelta(days=30)).isoformat(), target_unit_price="850.00"
    )
    del form["invited_company_ids"]
    response = browser.post("/requests/new", data=form)
    assert response.status_code == 302, re.findall(
        r'<p class="error"[^>]*>[^<]*</p>', response.data.decode()
    )
    request = db.session.execute(sa.select(BuyRequest)).scalars().one()
    assert request.target_unit_price == 85000
    page = browser.get(f"/requests/{request.id}").data.decode()
    assert "20 t of S235 steel sheet by March" in page

    visitor = signed_in(factories.user(company_b, role="seller"))
    page = visitor.get(f"/requests/{request.id}").data.decode()
    assert f"/messages/new?to={company_a.id}&amp;context=buy_request:{request.id}" in page

    bad = browser.post("/requests/new", data=form | {"quantity": "0", "needed_by": "2001-01-01"})
    assert bad.status_code == 422
    assert "Must be at least 1." in bad.data.decode()
    assert _count() == 1

    edited = browser.post(f"/requests/{request.id}/edit", data=form | {"quantity": "30"})
    assert edited.status_code == 302
    assert request.quantity == 30

    response = browser.post(
        "/my/requests/bulk", data={"status": "closed", "request_ids": [str(request.id)]}
    )
    assert response.status_code == 302
    assert request.status == RequestStatus.CLOSED
    assert "closed" in browser.get("/my/requests").data.decode()


def test_live_validation_of_the_request_form(signed_in, company_a):
    browser = signed_in(factories.user(company_a, role="buyer"))
    errors = browser.post("/requests/validate", data={"quantity": "0", "category": "x"}).json[
        "errors"
    ]
    assert {"quantity", "category", "needed_by", "title"} <= set(errors)
    assert _count() == 0


def test_request_board_lists_open_public_requests(client, company_a, company_b):
    listing_factories.buy_request(company_a, title="Need pallets EUR 1200x800")
    listing_factories.buy_request(company_a, title="Secret tender", invited=[company_b])
    page = client.get("/requests").data.decode()
    assert "Need pallets EUR 1200x800" in page
    assert "Secret tender" not in page
    assert client.get("/requests?category=metals").status_code == 200
    assert client.get("/requests?cursor=garbage").status_code == 302
