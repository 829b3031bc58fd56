"""Whole numbers from outside are held to their ranges, in a path, a query string or a JSON
body (forms: tests/listings/test_bounded_forms.py): out of range answers 422 naming the field and writes nothing, never a 500.

SQLite and PostgreSQL overflow differently (SQLite refuses Python ints beyond 64 bits, PostgreSQL's
INTEGER columns end at 2**31 - 1), so every case runs with a number past each limit; the suite
runs these on both databases (TEST_DATABASE_URL).
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from listings.models import BuyRequest, Offer
from marketplace.core.extensions import db
from marketplace.orders.models import Order
from marketplace.procurement.models import Tender
from messaging.models import Thread
from tests.listings import factories as listing_factories

BEYOND_64_BITS = 156301199956012608955258765312  # the value of the report
BEYOND_INTEGER = 2**31  # fits SQLite, not a PostgreSQL INTEGER column
OUT_OF_RANGE = [BEYOND_64_BITS, -BEYOND_64_BITS, BEYOND_INTEGER, 0, -1]
PROBLEM = "application/problem+json"


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def _problem(response, *fields: str) -> dict:
    assert response.status_code == 422, response.get_data(as_text=True)[:500]
    assert response.mimetype == PROBLEM
    assert set(fields) <= set(response.json["errors"]), response.json
    return response.json["errors"]


# ---------------------------------------------------------------- paths


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_a_path_id_out_of_range_is_422_naming_the_parameter(client, value):
    errors = _problem(client.get(f"/api/v1/offers/{value}"), "offer_id")
    assert errors["offer_id"] == ["Must be between 1 and 2147483647."]


def test_a_path_id_in_range_that_names_nothing_is_404_and_text_is_no_route(client):
    assert client.get("/api/v1/offers/2147483647").status_code == 404
    assert client.get("/api/v1/offers/abc").status_code == 404


def test_a_post_to_a_path_id_out_of_range_writes_nothing(client, api_a):
    answer = client.post(f"/api/v1/orders/{BEYOND_64_BITS}/confirm", headers=api_a)
    _problem(answer, "order_id")
    nested = client.get(f"/api/v1/orders/1/documents/invoice?x={BEYOND_64_BITS}", headers=api_a)
    assert nested.status_code == 404  # an id in range that is not the company's


def test_a_page_with_a_path_id_out_of_range_is_a_422_page(client_a):
    page = client_a.get(f"/offers/{BEYOND_64_BITS}")
    assert page.status_code == 422 and "offer_id" in page.text
    assert client_a.post(f"/messages/{BEYOND_INTEGER}/reply", data={"body": "x"}).status_code == 422
    assert _count(Thread) == 0


# ---------------------------------------------------------------- query strings


@pytest.mark.parametrize("value", OUT_OF_RANGE)
def test_the_reported_offer_filter_is_422_naming_company_id(client, value):
    _problem(client.get(f"/api/v1/offers?company_id={value}"), "company_id")


def test_query_ids_and_limits_of_the_api_are_bounded(client, api_a):
    _problem(client.get(f"/api/v1/threads?partner={BEYOND_64_BITS}", headers=api_a), "partner")
    _problem(client.get(f"/api/v1/offers?limit={BEYOND_64_BITS}"), "limit")
    _problem(client.get("/api/v1/offers?limit=101"), "limit")
    _problem(client.get("/api/v1/offers?limit=5&limit=6"), "limit")  # found by the fuzzer
    search = client.get(f"/api/v1/search/offers?moq_max={BEYOND_64_BITS}")
    assert search.status_code == 400 and "moq_max" in search.json["errors"]
    assert client.get("/api/v1/offers?company_id=2147483647").status_code == 200


def test_query_ids_of_pages_are_bounded(client_a):
    assert client_a.get(f"/offers?company={BEYOND_64_BITS}").status_code == 422
    assert client_a.get(f"/messages?partner={BEYOND_INTEGER}").status_code == 422
    assert client_a.get(f"/messages/new?to={BEYOND_64_BITS}").status_code == 422
    assert client_a.get("/offers?company=2147483647").status_code == 200


# ---------------------------------------------------------------- JSON bodies


@pytest.mark.parametrize("value", [BEYOND_64_BITS, BEYOND_INTEGER])
def test_the_reported_buy_request_with_invited_ids_beyond_range(client, api_a, company_b, value):
    answer = client.post(
        "/api/v1/requests",
        json={
            "title": "Fittings", "category": "steel-sheet-plate", "quantity": 5, "unit": "t",
            "needed_by": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
            "delivery_country": "PL", "visibility": "invited",
            "invited_company_ids": [company_b.id, value],
        },
        headers=api_a,
    )  # fmt: skip
    _problem(answer, "invited_company_ids.1")
    assert _count(BuyRequest) == 0


@pytest.mark.parametrize("value", [BEYOND_64_BITS, BEYOND_INTEGER])
def test_the_reported_tender_with_numbers_beyond_range(client, api_a, company_b, value):
    closes = dt.datetime.now(dt.UTC) + dt.timedelta(days=7)
    answer = client.post(
        "/api/v1/tenders",
        json={
            "kind": "sealed", "title": "Yearly pipes", "currency": "EUR",
            "closes_at": closes.isoformat(), "invited_company_ids": [value],
            "items": [{"description": "Pipe", "quantity": value, "unit": "pcs"}],
            "weight_price": 50, "custom_criteria": [{"name": "Service", "weight": value}],
        },
        headers=api_a,
    )  # fmt: skip
    _problem(answer, "items.0.quantity", "custom_criteria.0.weight", "invited_company_ids.0")
    assert _count(Tender) == 0


def test_order_and_thread_bodies_are_bounded(client, api_a, company_b):
    offer = listing_factories.offer(company_b)
    db.session.commit()
    delivery = {"street": "Main 1", "city": "Poznań", "postal_code": "60-001", "country": "PL"}
    order = client.post(
        "/api/v1/orders",
        json={"lines": [{"offer_id": offer.id, "quantity": BEYOND_INTEGER}], "delivery": delivery},
        headers=api_a,
    )
    _problem(order, "lines.0.quantity")
    stranger = client.post(
        "/api/v1/orders",
        json={"lines": [{"offer_id": BEYOND_64_BITS, "quantity": 1}], "delivery": delivery},
        headers=api_a,
    )
    _problem(stranger, "lines.0.offer_id")
    thread = client.post(
        "/api/v1/threads",
        json={"to_company_id": BEYOND_64_BITS, "subject": "Hi", "body": "x",
              "target_price": {"amount": BEYOND_64_BITS, "currency": "EUR"}},
        headers=api_a,
    )  # fmt: skip
    _problem(thread, "to_company_id", "target_price.amount")
    assert _count(Order) == 0 and _count(Thread) == 0


def test_a_domain_rule_words_its_range_when_the_column_could_hold_the_number(client, api_a):
    """Inside the column's range the trade rule answers, beside every other field's problem."""
    answer = client.post(
        "/api/v1/offers",
        json={"title": "Sheet", "category": "nope", "unit": "t", "currency": "EUR",
              "moq": 2_000_000_000, "price_tiers": [{"min_quantity": 1, "unit_price": 100}]},
        headers=api_a,
    )  # fmt: skip
    errors = _problem(answer, "moq", "category")
    assert errors["moq"] == ["The number is too large."]
    beyond = client.post(
        "/api/v1/offers",
        json={"title": "Sheet", "category": "nope", "unit": "t", "currency": "EUR",
              "moq": BEYOND_INTEGER},
        headers=api_a,
    )  # fmt: skip
    assert _problem(beyond, "moq")["moq"] == ["Must be between 1 and 1000000000."]
    assert _count(Offer) == 0


# ---------------------------------------------------------------- the API's description


def test_the_openapi_document_declares_the_bounds_and_links(client):
    spec = client.get("/api/v1/openapi.json").json
    offer = spec["paths"]["/api/v1/offers/{offer_id}"]["get"]
    assert offer["parameters"][0]["schema"] == {
        "type": "integer", "minimum": 1, "maximum": 2**31 - 1,
    }  # fmt: skip
    listing = {p["name"]: p for p in spec["paths"]["/api/v1/offers"]["get"]["parameters"]}
    assert listing["limit"]["schema"]["maximum"] == 100
    assert listing["company_id"]["schema"]["maximum"] == 2**31 - 1
    tender = spec["components"]["schemas"]["TenderInput"]["properties"]
    assert tender["invited_company_ids"]["items"]["maximum"] == 2**31 - 1
    assert tender["extension_minutes"] == {"type": "integer", "minimum": 0, "maximum": 60}
    links = spec["paths"]["/api/v1/offers"]["post"]["responses"]["201"]["links"]
    assert links["listings_api_get_offer"] == {
        "operationId": "listings_api.get_offer", "parameters": {"offer_id": "$response.body#/id"},
    }  # fmt: skip
    quotes = spec["paths"]["/api/v1/requests/{request_id}/quotes"]["get"]["responses"]["200"]
    assert quotes["links"]["procurement_api_get_quote"]["parameters"] == {
        "quote_id": "$response.body#/items/0/id"
    }
    patch = spec["paths"]["/api/v1/companies/me"]["patch"]["requestBody"]["content"]
    assert "required" not in spec["components"]["schemas"]["CompanyInputPatch"]
    assert patch["application/json"]["schema"]["$ref"].endswith("CompanyInputPatch")


# ---------------------------------------------------------------- text no column can hold


def test_a_nul_character_is_refused_by_name_in_queries_bodies_and_forms(client, api_a, client_a):
    """Found by the fuzzer on PostgreSQL: GET /api/v1/offers?q=y%00 answered 500."""
    _problem(client.get("/api/v1/offers?q=y%00z"), "q")
    answer = client.post(
        "/api/v1/tenders",
        json={"kind": "sealed", "title": "Pipes\x00", "currency": "EUR",
              "closes_at": "2030-01-01T00:00:00Z",
              "items": [{"description": "a\x00b", "quantity": 1, "unit": "pcs"}]},
        headers=api_a,
    )  # fmt: skip
    _problem(answer, "title", "items.0.description")
    assert client_a.get("/offers?q=steel%00").status_code == 422
    assert client.get("/api/v1/search/offers?q=steel%00").status_code == 200  # search: any text
    assert client_a.post("/messages/new", data={"subject": "a\x00"}).status_code == 422
    assert _count(Tender) == 0 and _count(Thread) == 0
