"""The offers and categories API: a seller's integration lists, publishes and withdraws offers."""

from __future__ import annotations

import sqlalchemy as sa

from listings.models import Offer, OfferStatus
from marketplace.core.extensions import db
from tests import factories
from tests.listings import factories as listing_factories

BODY = {
    "title": "PP homopolymer granules MFI 12",
    "description": "<p>Injection grade<script>alert(1)</script></p>",
    "category": "polymer-granules",
    "unit": "kg",
    "currency": "PLN",
    "moq": 1000,
    "price_tiers": [
        {"min_quantity": 1000, "unit_price": 720},
        {"min_quantity": 10000, "unit_price": 655},
    ],
    "lead_time_days": 5,
    "attributes": {"polymer": "PP", "mfi": 12},
}


def _count() -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(Offer)).scalar_one()


def test_create_publish_read_pause_and_withdraw(client, api_a, api_b, company_a):
    created = client.post("/api/v1/offers", json=BODY, headers=api_a)
    assert created.status_code == 201, created.json
    offer = created.json
    assert offer["status"] == "draft"
    assert offer["price_tiers"] == [
        {"min_quantity": 1000, "unit_price": 720, "currency": "PLN"},
        {"min_quantity": 10000, "unit_price": 655, "currency": "PLN"},
    ]
    assert "script" not in offer["description"]
    assert offer["company_id"] == company_a.id
    url = f"/api/v1/offers/{offer['id']}"

    assert client.get(url, headers=api_b).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, headers=api_a).json["status"] == "draft"

    published = client.post(url + "/publish", headers=api_a)
    assert published.status_code == 200
    assert published.json["published_at"]
    assert client.get(url, headers=api_b).json["title"] == BODY["title"]
    listed = client.get("/api/v1/offers?category=plastics").json["items"]
    assert [o["id"] for o in listed] == [offer["id"]]

    assert client.post(url + "/pause", headers=api_a).json["status"] == "paused"
    assert client.get(url).status_code == 404
    assert client.post(url + "/pause", headers=api_a).status_code == 409

    assert client.delete(url, headers=api_a).status_code == 204
    assert db.session.get(Offer, offer["id"]).status == OfferStatus.ARCHIVED
    assert client.post(url + "/publish", headers=api_a).status_code == 409


def test_patch_changes_only_given_fields(client, api_a, company_a):
    offer = listing_factories.offer(company_a)
    response = client.patch(
        f"/api/v1/offers/{offer.id}", json={"lead_time_days": 21, "sku": "SH-1"}, headers=api_a
    )
    assert response.status_code == 200
    assert response.json["lead_time_days"] == 21
    assert response.json["sku"] == "SH-1"
    assert response.json["title"] == offer.title


def test_bad_body_answers_problem_json_per_field_and_writes_nothing(client, api_a):
    before = _count()
    response = client.post(
        "/api/v1/offers",
        json=BODY
        | {
            "moq": 0,
            "currency": "DOGE",
            "category": "nope",
            "lead_time_days": -3,
            "valid_until": "2001-01-01",
            "price_tiers": [
                {"min_quantity": 5, "unit_price": 10},
                {"min_quantity": 2, "unit_price": 0},
            ],
        },
        headers=api_a,
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert set(response.json["errors"]) >= {
        "moq", "currency", "category", "lead_time_days", "valid_until", "price_tiers",
    }  # fmt: skip
    assert _count() == before


def test_wrong_types_are_reported_by_field(client, api_a):
    response = client.post(
        "/api/v1/offers",
        json=BODY | {"moq": "many", "price_tiers": [{"min_quantity": 1}]},
        headers=api_a,
    )
    assert response.status_code == 422
    assert "moq" in response.json["errors"]
    assert any(key.startswith("price_tiers") for key in response.json["errors"])
    assert (
        client.post(
            "/api/v1/offers", data="[]", headers=api_a, content_type="application/json"
        ).status_code
        == 422
    )


def test_another_company_cannot_touch_an_offer(client, api_b, company_a):
    offer = listing_factories.offer(company_a)
    url = f"/api/v1/offers/{offer.id}"
    assert client.patch(url, json={"title": "x"}, headers=api_b).status_code == 404
    assert client.delete(url, headers=api_b).status_code == 404
    assert client.post(url + "/pause", headers=api_b).status_code == 404
    assert offer.status == OfferStatus.PUBLISHED


def test_roles_and_sign_in_are_enforced(client, company_a):
    assert client.post("/api/v1/offers", json=BODY).status_code == 401
    buyer = factories.bearer(factories.user(company_a, role="buyer"))
    assert client.post("/api/v1/offers", json=BODY, headers=buyer).status_code == 403
    seller = factories.bearer(factories.user(company_a, role="seller"))
    assert client.post("/api/v1/offers", json=BODY, headers=seller).status_code == 201


def test_own_offers_of_every_status(client, api_a, company_a, company_b):
    listing_factories.offer(company_a, status=OfferStatus.DRAFT)
    listing_factories.offer(company_a)
    listing_factories.offer(company_b)
    mine = client.get("/api/v1/offers?mine=true", headers=api_a).json["items"]
    assert {o["status"] for o in mine} == {"draft", "published"}
    drafts = client.get("/api/v1/offers?mine=true&status=draft", headers=api_a).json["items"]
    assert len(drafts) == 1
    assert client.get("/api/v1/offers?mine=true").status_code == 401
    assert client.get("/api/v1/offers?category=unknown").status_code == 422
    assert client.get("/api/v1/offers?status=lost", headers=api_a).status_code == 422


def test_categories_endpoint_lists_the_tree(client):
    items = client.get("/api/v1/categories").json["items"]
    assert len(items) >= 166
    sheet = next(c for c in items if c["slug"] == "steel-sheet-plate")
    assert sheet["parent"] == "metals"
    assert sheet["name_pl"] == "Blachy stalowe"
    grade = next(a for a in sheet["attributes"] if a["key"] == "steel_grade")
    assert grade["type"] == "choice" and "S235JR" in grade["choices"]


def test_the_api_description_lists_the_listings_routes(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    for path in ("/api/v1/offers", "/api/v1/offers/{offer_id}", "/api/v1/offers/{offer_id}/publish",
                 "/api/v1/requests", "/api/v1/requests/{request_id}/close", "/api/v1/categories"):  # fmt: skip
        assert path in paths, sorted(paths)
    assert client.get("/api/v1/docs").status_code == 200
