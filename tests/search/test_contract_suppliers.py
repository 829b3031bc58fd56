"""One contract, two backends: buyers looking for suppliers (facets, filters, ranking, suggestions)."""

from __future__ import annotations

from search import service
from search.query import COMPANIES, OFFERS
from tests.search import factories as f


def search(kind=COMPANIES, **args):
    return service.run(service.build_query(kind, args))


def ids(result):
    return [h.id for h in result.hits]


def test_suppliers_near_a_city(market):
    result = search(kind=COMPANIES, near="Łódź", radius_km="150", sort="distance")
    assert ids(result) == [market["lodz"].id]


def test_verified_suppliers_rank_higher(index):
    plain = f.supplier("Plain Works", description="valve manufacturer")
    trusted = f.supplier("Trusted Works", description="valve manufacturer", verified=True)
    index()
    assert ids(search(kind=COMPANIES, q="valve")) == [trusted.id, plain.id]


def test_well_rated_suppliers_rank_higher_and_show_their_rating(index):
    def rated(name: str, overall: float, count: int):
        company = f.supplier(name, description="gasket maker")
        company.scorecard = {"rating_overall": overall, "ratings_count": count}
        f.offer(company, "Rubber gaskets")
        return company

    poor, unrated = (
        rated("Poor Gaskets", 1.5, 12),
        f.supplier("New Gaskets", description="gasket maker"),
    )
    f.offer(unrated, "Rubber gaskets")
    praised = rated("Praised Gaskets", 4.8, 25)
    index()
    assert ids(search(kind=COMPANIES, q="gasket")) == [praised.id, unrated.id, poor.id]
    hits = search(OFFERS, q="gaskets").hits
    assert [h.data["company"]["name"] for h in hits] == [
        "Praised Gaskets",
        "New Gaskets",
        "Poor Gaskets",
    ]
    assert (hits[0].data["company"]["rating"], hits[0].data["company"]["ratings_count"]) == (
        4.8,
        25,
    )
    assert hits[1].data["company"]["rating"] is None


def test_supplier_facets_count_suppliers(market):
    result = search(kind=COMPANIES)
    facets = {name: {b.value: b.count for b in buckets} for name, buckets in result.facets.items()}
    assert facets["country"] == {"PL": 2, "DE": 1, "CN": 1}
    assert facets["industry"] == {"metals": 3, "chemicals": 1}
    assert facets["verified"] == {"true": 1, "false": 3}
    assert facets["certificate"] == {"iso-9001": 1}
    assert {b.value: b.label for b in result.facets["industry"]}["chemicals"] == "Chemicals"


def test_supplier_filters(market):
    poznan, lodz, berlin, cn = (market[k].id for k in ("poznan", "lodz", "berlin", "cn"))
    assert set(ids(search(kind=COMPANIES, country="PL"))) == {poznan, lodz}
    assert set(ids(search(kind=COMPANIES, country="DE,CN"))) == {berlin, cn}
    assert ids(search(kind=COMPANIES, industry="chemicals")) == [lodz]
    assert ids(search(kind=COMPANIES, verified="true")) == [poznan]
    assert set(ids(search(kind=COMPANIES, verified="false"))) == {lodz, berlin, cn}
    assert ids(search(kind=COMPANIES, certificate="iso-9001")) == [poznan]
    assert ids(search(kind=COMPANIES, q="stal", country="PL")) == [poznan]


def test_suggestions_name_suppliers(market):
    found = service.suggest("berl")
    companies = [s for s in found if s["type"] == "company"]
    assert [s["label"] for s in companies] == ["Berlin Fittings GmbH"]
    assert companies[0]["url"].endswith(f"/companies/{market['berlin'].slug}")
    assert "<mark>" in companies[0]["html"]


def test_similar_suppliers_find_the_one_that_makes_the_same(market, index):
    twin = f.supplier("Beta Stal", description="Blachy i rury ze stali nierdzewnej")
    index()
    similar = [h.id for h in service.similar_companies(market["poznan"].id)]
    assert similar[0] == twin.id
    assert market["poznan"].id not in similar
