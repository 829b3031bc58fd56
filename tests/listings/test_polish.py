"""Polish-speaking people get the listings pages, category names and errors in Polish."""

from __future__ import annotations

from tests.listings import factories as listing_factories


def test_category_and_offer_pages_in_polish(client, company_a):
    offer = listing_factories.offer(company_a)
    page = client.get("/categories/metals?lang=pl").data.decode()
    assert "Metale i obróbka metali" in page
    assert "Blachy stalowe" in page
    detail = client.get(f"/offers/{offer.id}?lang=pl").data.decode()
    assert "Skontaktuj się z dostawcą" in detail
    assert "Cena jednostkowa" in detail


def test_api_errors_follow_the_language(client, api_a):
    response = client.post(
        "/api/v1/offers?lang=pl",
        json={
            "title": "x",
            "category": "steel-sheet-plate",
            "unit": "t",
            "currency": "EUR",
            "moq": 0,
        },
        headers=api_a,
    )
    assert response.status_code == 422
    assert response.json["errors"]["moq"] == ["Musi wynosić co najmniej 1."]
