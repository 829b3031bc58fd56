"""A buyer uses the search pages and the JSON API."""

from __future__ import annotations

import pytest

from tests.search import factories as f


@pytest.fixture
def catalogue(index):
    seller = f.supplier("Poznań Pipes", city="Poznań", lat=52.4064, lon=16.9252, verified=True,
                        capabilities=["Laser cutting"])  # fmt: skip
    pipes = f.offer(seller, "Stainless steel pipes", price=12_000)
    index()
    return seller, pipes


def test_search_page_with_facets_chips_and_highlight(client, catalogue):
    response = client.get("/search", query_string={"q": "pipes", "country": "PL"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<mark>pipes</mark>" in html
    assert "Poland" in html  # facet label and chip
    assert 'class="chips"' in html


def test_empty_result_offers_help(client, catalogue):
    html = client.get("/search", query_string={"q": "unobtainium"}).get_data(as_text=True)
    assert "No offer matches." in html


def test_offers_grouped_by_supplier(client, catalogue):
    html = client.get("/search", query_string={"q": "pipes", "view": "suppliers"}).get_data(
        as_text=True
    )
    assert "supplier-group" in html and "Poznań Pipes" in html


def test_supplier_search_page(client, catalogue):
    html = client.get("/search/suppliers", query_string={"q": "laser"}).get_data(as_text=True)
    assert "Poznań Pipes" in html


def test_api_shape(client, catalogue):
    body = client.get("/api/v1/search/offers", query_string={"q": "pipes"}).json
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["title"] == "Stainless steel pipes"
    assert hit["highlight"]["title"] == "Stainless steel <mark>pipes</mark>"
    assert {"value": "PL", "label": "Poland", "count": 1} in body["facets"]["country"]
    companies = client.get("/api/v1/search/companies", query_string={"near": "Poznań",
                           "radius_km": "10"}).json  # fmt: skip
    assert [h["name"] for h in companies["hits"]] == ["Poznań Pipes"]


def test_suggest_api(client, catalogue):
    body = client.get("/api/v1/search/suggest", query_string={"q": "stainl"}).json
    assert "Stainless steel pipes" in [s["label"] for s in body["suggestions"]]
    assert client.get("/api/v1/search/suggest", query_string={"q": ""}).json == {"suggestions": []}


def test_polish_page(client, catalogue):
    html = client.get("/search", query_string={"q": "pipes", "lang": "pl"}).get_data(as_text=True)
    assert "Szukaj" in html


def test_similar_fragment(client, catalogue, index):
    seller, pipes = catalogue
    other = f.offer(seller, "Stainless steel tubes")
    index()
    html = client.get(f"/search/similar/offers/{pipes.id}").get_data(as_text=True)
    assert "Stainless steel tubes" in html
    assert client.get(f"/search/similar/companies/{seller.id}").status_code == 200
    assert other.id


def test_result_cards_show_the_suppliers_rating_in_both_languages(client, index):
    seller = f.supplier("Rated Valves", description="valves")
    seller.scorecard = {"rating_overall": 4.5, "ratings_count": 3}
    f.offer(seller, "Ball valves DN50")
    f.offer(f.supplier("Unrated Valves"), "Gate valves DN50")
    index()
    offers = client.get("/search", query_string={"q": "valves"}).get_data(as_text=True)
    assert "★ 4.5" in offers and "(3 ratings)" in offers
    assert offers.count('class="rating"') == 1  # the unrated supplier shows none
    suppliers = client.get("/search/suppliers", query_string={"q": "valves", "lang": "pl"})
    assert "(3 oceny)" in suppliers.get_data(as_text=True)


def test_attribute_facets_on_the_page_and_in_the_api(client, index):
    mill = f.supplier("Tube Mill")
    f.offer(mill, "Tube A", attributes={"steel_grade": "S235JR", "surface": "galvanized"})
    f.offer(mill, "Tube B", attributes={"steel_grade": "1.4301", "surface": "polished"})
    index()
    html = client.get("/search", query_string={"category": "steel-pipes-tubes"}).get_data(
        as_text=True
    )
    assert "<h3>Steel grade</h3>" in html and "<h3>Surface finish</h3>" in html
    assert "attr.steel_grade=s235jr" in html and ">S235JR</a>" in html
    chosen = client.get(
        "/search", query_string={"category": "steel-pipes-tubes", "attr.surface": "polished"}
    ).get_data(as_text=True)
    assert "Tube B" in chosen and "Tube A" not in chosen
    assert '<li class="chip">polished' in chosen
    polish = client.get("/search", query_string={"category": "steel-pipes-tubes", "lang": "pl"})
    assert "<h3>Gatunek stali</h3>" in polish.get_data(as_text=True)
    body = client.get("/api/v1/search/offers", query_string={"category": "steel-pipes-tubes"}).json
    assert {"value": "s235jr", "label": "S235JR", "count": 1} in body["facets"]["attr.steel_grade"]
