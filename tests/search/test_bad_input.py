"""Whatever a visitor types, search answers sensibly: a clear 400 naming the parameter, never a 500."""

from __future__ import annotations

import pytest

from search.query import encode_cursor
from tests.search import factories as f


@pytest.fixture
def some_offers(index):
    company = f.supplier("Input Co", city="Poznań", lat=52.4, lon=16.9)
    f.offer(company, "Steel (S235) bars: 10 mm [cut]")
    index()


@pytest.mark.parametrize(
    "q",
    ['"', '"unbalanced', "title:steel", "(steel", "[a TO z]", "*", "**", "steel AND OR NOT",
     "\\", "x" * 10_000, "a" * 50 + " " + "b" * 50, "🙂", "\x00", "steel~2^3", "-steel", "+++"],
)  # fmt: skip
def test_engine_syntax_is_just_text(client, some_offers, q):
    response = client.get("/api/v1/search/offers", query_string={"q": q})
    assert response.status_code == 200
    assert set(response.json) == {"total", "hits", "facets", "next_cursor"}


def test_punctuation_still_finds_the_words(client, some_offers):
    found = client.get("/api/v1/search/offers", query_string={"q": "bars: [cut]"}).json
    assert found["total"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": encode_cursor({"s": "price_asc", "k": [1, 0]})}, "cursor"),  # other sort
        ({"cursor": encode_cursor({"s": "relevance", "o": 10**9}), "q": "steel"}, "cursor"),
        ({"cursor": "A" * 5000}, "cursor"),
        ({"radius_km": "50"}, "radius_km"),
        ({"near": "Poznań", "radius_km": "-1"}, "radius_km"),
        ({"near": "Poznań", "radius_km": "far"}, "radius_km"),
        ({"near": "Atlantis"}, "near"),
        ({"near": "95,10"}, "near"),
        ({"sort": "distance"}, "sort"),
        ({"sort": "cheapest"}, "sort"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1000"}, "limit"),
        ({"price_min": "abc"}, "price_min"),
        ({"price_min": "NaN"}, "price_min"),
        ({"price_min": "10", "price_max": "5"}, "price_max"),
        ({"currency": "XXX"}, "currency"),
        ({"moq_max": "-3"}, "moq_max"),
        ({"verified": "maybe"}, "verified"),
        ({"attr.Bad Key": "x"}, "attr.Bad Key"),
    ],
)
def test_bad_parameters_are_named(client, backend, params, field):
    response = client.get("/api/v1/search/offers", query_string=params)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert field in response.json["errors"]


def _forged(state: dict) -> str:
    """A cursor as a visitor could write one by hand (json.dumps writes NaN and Infinity)."""
    return encode_cursor(state)


@pytest.mark.parametrize(
    ("sort", "key"),
    [
        ("newest", [float("nan"), 0]),
        ("newest", [float("inf"), 0]),
        ("newest", [1e300, 0]),
        ("newest", [10**30, 0]),
        ("newest", [1.5, 0]),
        ("newest", [2**63 - 1, 0]),  # the page bound would step past the 64-bit range
        ("newest", [-5, 0]),
        ("newest", [True, 0]),
        ("newest", [1, 0, 2]),
        ("price_asc", [1, 10**30]),
        ("price_desc", ["12", 0]),
        ("distance", [float("nan"), 1]),
        ("distance", [float("-inf"), 1]),
        ("distance", [1e300, 1]),
        ("distance", [10**30, 1]),
        ("distance", [12.5, 1.5]),
        ("distance", [12.5, 10**30]),
    ],
)
def test_forged_cursor_values_are_a_400_naming_the_cursor(client, some_offers, sort, key):
    params = {"sort": sort, "cursor": _forged({"s": sort, "k": key})}
    if sort == "distance":
        params["near"] = "Poznań"
    response = client.get("/api/v1/search/offers", query_string=params)
    assert response.status_code == 400, response.get_data(as_text=True)
    assert "cursor" in response.json["errors"]
    page = client.get("/search", query_string=params)
    assert page.status_code == 400
    assert b"cursor" in page.data


@pytest.mark.parametrize(
    "state",
    [
        {"s": "relevance", "o": 1.5},
        {"s": "relevance", "o": float("nan")},
        {"s": "relevance", "o": True},
        {"s": "relevance", "k": [1, 0]},
        {"s": "relevance", "o": 20, "k": [1, 0]},
    ],
)
def test_forged_relevance_cursor_is_a_400(client, some_offers, state):
    response = client.get(
        "/api/v1/search/offers", query_string={"q": "steel", "cursor": _forged(state)}
    )
    assert response.status_code == 400
    assert "cursor" in response.json["errors"]


def test_a_real_cursor_still_pages_every_sort(client, index):
    company = f.supplier("Cursor Co", city="Poznań", lat=52.4, lon=16.9)
    for n in range(3):
        f.offer(company, f"Steel bar {n}", price=1000 * (n + 1))
    index()
    for sort in ("newest", "price_asc", "price_desc", "distance", "relevance"):
        params = {"sort": sort, "limit": "2", "near": "Poznań", "q": "steel"}
        first = client.get("/api/v1/search/offers", query_string=params).json
        second = client.get(
            "/api/v1/search/offers", query_string={**params, "cursor": first["next_cursor"]}
        )
        assert second.status_code == 200, (sort, second.get_data(as_text=True))
        assert len(first["hits"]) + len(second.json["hits"]) == 3


def test_bad_parameters_on_the_page_show_an_error_not_a_crash(client, backend):
    response = client.get("/search", query_string={"radius_km": "10"})
    assert response.status_code == 400
    assert b"radius_km" in response.data


def test_unknown_company_similar_fragment_is_404(client, backend):
    assert client.get("/search/similar/companies/999999").status_code == 404
    assert client.get("/search/similar/offers/999999").status_code == 404


@pytest.mark.parametrize("q", ['"', "*", "title:(x", "x" * 10_000, "\x00", "🙂" * 300])
def test_suggest_and_supplier_search_take_any_text(client, some_offers, q):
    assert client.get("/api/v1/search/suggest", query_string={"q": q}).status_code == 200
    assert client.get("/api/v1/search/companies", query_string={"q": q}).status_code == 200
    assert client.get("/search/suppliers", query_string={"q": q}).status_code == 200


def test_supplier_search_names_bad_parameters(client, backend):
    response = client.get("/api/v1/search/companies", query_string={"sort": "price_asc"})
    assert response.status_code == 400
    assert "sort" in response.json["errors"]
