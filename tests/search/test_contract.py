"""One contract, two backends: every scenario runs on tantivy and on Elasticsearch alike."""

from __future__ import annotations

import datetime as dt

import pytest

from marketplace.core import clock
from search import reindex, service
from search.query import COMPANIES, OFFERS, Point, SearchQuery
from tests.search import factories as f


def search(kind=OFFERS, **args):
    return service.run(service.build_query(kind, args))


def ids(result):
    return [h.id for h in result.hits]


def test_english_stemming_finds_plural(market):
    o = market["offers"]
    # 'pipes' in a title, 'pipe' in a title, and 'Steel pipes and tubes', the category's name.
    assert set(ids(search(q="pipe"))) == {o["pipes"].id, o["fittings"].id, o["rury"].id}


def test_polish_diacritics_are_folded(market):
    assert ids(search(kind=COMPANIES, q="lodz")) == [market["lodz"].id]
    assert ids(search(q="zolc")) == [market["offers"]["pigment"].id]
    assert ids(search(q="ŻÓŁĆ")) == [market["offers"]["pigment"].id]


def test_polish_words_find_polish_offers(market):
    # The pipes offer matches through its category's Polish name ("Rury stalowe"), below the title.
    o = market["offers"]
    assert ids(search(q="rury stalowe")) == [o["rury"].id, o["pipes"].id]


def test_typos_are_tolerated(market):
    assert market["offers"]["pipes"].id in ids(search(q="stainles stel"))


def test_chinese_text_is_findable(market):
    assert ids(search(q="钢管")) == [market["offers"]["cn"].id]
    assert ids(search(q="不锈")) == [market["offers"]["cn"].id]


def test_phrase_and_prefix(market):
    o = market["offers"]
    assert set(ids(search(q='"stainless steel"'))) == {o["pipes"].id, o["cn"].id}
    assert ids(search(q='"steel stainless"')) == []
    assert set(ids(search(q="stain*"))) == {market["offers"]["pipes"].id, market["offers"]["cn"].id}


def test_title_outweighs_description(index):
    company = f.supplier("Weights")
    in_title = f.offer(company, "Galvanized wire mesh")
    in_text = f.offer(company, "Fence panels", description="made of galvanized wire")
    index()
    assert ids(search(q="galvanized")) == [in_title.id, in_text.id]


def test_category_attributes_are_facets_once_one_category_is_chosen(index):
    mill = f.supplier("Tube Mill")
    for grade, thickness in (("1.4301", 10), ("1.4404", 2), ("1.4301", 2)):
        f.offer(mill, f"Tube {grade}", attributes={"steel_grade": grade, "thickness_mm": thickness})
    f.offer(mill, "Tube without data")
    index()
    result = search(category="steel-pipes-tubes")
    grades = [(b.value, b.label, b.count) for b in result.facets["attr.steel_grade"]]
    assert grades == [("1.4301", "1.4301", 2), ("1.4404", "1.4404", 1)]
    assert [(b.value, b.count) for b in result.facets["attr.thickness_mm"]] == [("2", 2), ("10", 1)]
    narrowed = search(category="steel-pipes-tubes", **{"attr.steel_grade": "1.4404"})
    assert narrowed.total == 1
    assert [(b.value, b.count) for b in narrowed.facets["attr.thickness_mm"]] == [("2", 1)]
    # an industry defines no attributes of its own, and without a category there is no facet
    assert not any(name.startswith("attr.") for name in search(category="metals").facets)
    assert not any(name.startswith("attr.") for name in search(q="tube").facets)


def test_drafts_never_appear(market):
    assert market["offers"]["draft"].id not in ids(search(q="stainless"))
    assert market["offers"]["draft"].id not in ids(search())


def test_facets_count_results(market):
    result = search(q="stainless")
    facets = {name: {b.value: b.count for b in buckets} for name, buckets in result.facets.items()}
    assert facets["country"] == {"PL": 1, "CN": 1}
    assert facets["verified"] == {"true": 1, "false": 1}
    assert facets["certificate"] == {"iso-9001": 1}
    assert facets["category"]["metals"] == 2
    assert facets["category"]["stainless-steel"] == 1
    labels = {b.value: b.label for b in result.facets["country"]}
    assert labels["PL"] == "Poland"


def test_filters(market):
    o = market["offers"]
    metals = {x.id for k, x in o.items() if k not in ("draft", "pigment")}
    assert set(ids(search(category="metals"))) == metals
    assert ids(search(category="stainless-steel")) == [o["cn"].id]
    assert set(ids(search(country="DE,CN"))) == {o["fittings"].id, o["cn"].id}
    assert set(ids(search(verified="true"))) == {o["pipes"].id, o["rury"].id}
    assert set(ids(search(certificate="iso-9001"))) == {o["pipes"].id, o["rury"].id}
    assert set(ids(search(moq_max="10"))) == {o["pipes"].id, o["pigment"].id, o["cn"].id}
    assert set(ids(search(lead_time_max="14"))) == {o["pipes"].id, o["pigment"].id}
    assert ids(search(**{"attr.steel_grade": "1.4301"})) == [o["pipes"].id]


def test_price_range_is_compared_in_one_currency(market):
    o = market["offers"]
    # 430.00 PLN is 100.00 EUR at the seeded rate; 120.00 EUR stays 120.00.
    assert set(ids(search(price_min="90", price_max="110"))) == {o["rury"].id}
    assert set(ids(search(price_min="400", price_max="500", currency="PLN"))) == {o["rury"].id}
    assert set(ids(search(price_max="60"))) == {o["fittings"].id, o["cn"].id}


def test_sorts(market):
    o = market["offers"]
    prices = ids(search(sort="price_asc"))
    assert prices[:4] == [o["cn"].id, o["fittings"].id, o["rury"].id, o["pipes"].id]
    assert prices[-1] == o["pigment"].id  # price on request comes last
    assert ids(search(sort="price_desc"))[:2] == [o["pipes"].id, o["rury"].id]


def test_newest_first_with_stable_cursor(index):
    company = f.supplier("Paging")
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    made = [
        f.offer(company, f"Bolt {n}", published_at=start + dt.timedelta(hours=n)) for n in range(7)
    ]
    index()
    seen, cursor = [], None
    for _page in range(5):
        result = search(sort="newest", limit="3", **({"cursor": cursor} if cursor else {}))
        assert result.total == 7
        seen += ids(result)
        cursor = result.next_cursor
        if not cursor:
            break
    assert seen == [o.id for o in reversed(made)]


def test_relevance_pages_do_not_repeat(index):
    company = f.supplier("Relevance")
    for n in range(5):
        f.offer(company, f"Hex nut M{n}")
    index()
    first = search(q="nut", limit="2")
    second = search(q="nut", limit="2", cursor=first.next_cursor)
    third = search(q="nut", limit="2", cursor=second.next_cursor)
    assert len(set(ids(first) + ids(second) + ids(third))) == 5
    assert third.next_cursor is None


def test_geo_radius_and_distance_sort(market):
    o = market["offers"]
    near = search(near="Poznań", radius_km="150")
    assert set(ids(near)) == {o["pipes"].id, o["rury"].id}
    wider = search(near="52.4064,16.9252", radius_km="300", sort="distance")
    assert ids(wider)[:2] == sorted([o["pipes"].id, o["rury"].id])
    assert ids(wider)[2:] == [o["pigment"].id, o["fittings"].id]  # Łódź 188 km, Berlin 240 km
    assert wider.hits[0].distance_km == pytest.approx(0, abs=0.5)


def test_highlights_mark_matches_escaped(index):
    company = f.supplier("Marks")
    f.offer(company, "<b>Steel</b> pipes & tubes")
    index()
    hit = search(q="pipes").hits[0]
    assert str(hit.highlight["title"]) == "&lt;b&gt;Steel&lt;/b&gt; <mark>pipes</mark> &amp; tubes"


def test_suggestions_offer_titles_categories_and_companies(market, app):
    with app.test_request_context():
        found = service.suggest("stai")
    labels = [s["label"] for s in found]
    assert "Stainless steel pipes 1.4301" in labels
    assert "Stainless steel" in labels  # the category
    assert all(s["url"] for s in found)


def test_similar_offers_and_suppliers(market, app):
    with app.test_request_context():
        similar = service.similar_offers(market["offers"]["pipes"].id)
        assert market["offers"]["pipes"].id not in [h.id for h in similar]
        assert market["offers"]["cn"].id in [h.id for h in similar]
        suppliers = service.similar_companies(market["poznan"].id)
        assert market["poznan"].id not in [h.id for h in suppliers]


def test_unpublishing_and_suspension_leave_the_index(market, index):
    o = market["offers"]
    o["pipes"].status = "paused"
    market["berlin"].status = "suspended"
    f.db.session.flush()
    index()
    assert ids(search(q="pipe")) == [o["rury"].id]
    assert market["berlin"].id not in ids(search(kind=COMPANIES))


def test_expired_offers_drop_out_by_date(index):
    company = f.supplier("Seasonal")
    offer = f.offer(company, "Christmas trees", valid_until=clock.today() + dt.timedelta(days=2))
    index()
    assert ids(search(q="christmas")) == [offer.id]
    clock.freeze(clock.now() + dt.timedelta(days=5))
    assert ids(search(q="christmas")) == []


def test_company_changes_reach_its_offers(market, index):
    market["berlin"].verification_status = "verified"
    f.db.session.flush()
    index()
    assert market["offers"]["fittings"].id in ids(search(verified="true"))


def test_reindex_swaps_in_a_complete_index(market, backend):
    before = backend.stats()[OFFERS]["index"]
    count = reindex.reindex(OFFERS, lambda n: None)
    assert count == 5
    assert backend.stats()[OFFERS]["index"] != before
    assert backend.stats()[OFFERS]["documents"] == 5
    assert len(search(q="stainless").hits) == 2


def test_query_model_defaults_to_newest_without_words():
    assert SearchQuery().effective_sort == "newest"
    assert SearchQuery(text="*").effective_sort == "newest"
    assert SearchQuery(text="pipe").effective_sort == "relevance"
    assert SearchQuery(near=Point(1, 2), sort="distance").effective_sort == "distance"


@pytest.mark.parametrize("sort", ["price_asc", "price_desc", "newest", "distance", "relevance"])
def test_paging_inside_a_radius_sees_every_match_once(market, sort):
    params = {
        "near": "Poznań",
        "radius_km": "20000",
        "sort": sort,
        "q": "" if sort != "relevance" else "stainless",
    }
    everything = ids(search(**params, limit="100"))
    assert len(everything) >= 2
    seen, cursor = [], None
    for _page in range(10):
        result = search(**params, limit="2", **({"cursor": cursor} if cursor else {}))
        assert result.total == len(everything)
        seen += ids(result)
        cursor = result.next_cursor
        if not cursor:
            break
    assert seen == everything


def test_distance_shown_when_a_place_is_given(market):
    hit = search(q="rury", near="Poznań").hits[0]
    assert hit.distance_km == pytest.approx(0, abs=1)


def test_range_facets_for_price_minimum_order_and_lead_time(market, client):
    result = search()
    price = {b.label: (b.count, b.params) for b in result.facets["price"]}
    # pipes 120 EUR, rury 430 PLN = 100 EUR, fittings 50 EUR, cn 30 EUR; pigment has no price.
    assert price["€10 – €100"][0] == 2
    assert price["€100 – €1000"] == (
        2,
        {"currency": "EUR", "price_min": "100", "price_max": "1000"},
    )
    moq = {b.label: b.count for b in result.facets["moq"]}
    assert moq == {"up to 10 units": 3, "up to 100 units": 5, "up to 1000 units": 5}
    lead = {b.label: b.count for b in result.facets["lead_time"]}
    assert lead["up to 7 days"] == 1 and lead["up to 14 days"] == 2
    narrowed = search(price_min="100", price_max="1000", currency="EUR")
    assert set(ids(narrowed)) == {market["offers"]["pipes"].id, market["offers"]["rury"].id}
    html = client.get("/search").get_data(as_text=True)
    assert "price_min=100" in html and "moq_max=10" in html


def test_small_and_empty_radius(market):
    assert ids(search(near="22.54,114.06", radius_km="5")) == [market["offers"]["cn"].id]
    empty = search(near="Lublin", radius_km="1")
    assert empty.total == 0 and empty.hits == []
    facets = search(near="Poznań", radius_km="150", q="rury").facets
    assert {b.value: b.count for b in facets["country"]} == {"PL": 2}  # rury, and pipes by category


def test_reindex_builds_the_same_documents_as_each_change_does(market):
    from listings.models import Offer  # noqa: PLC0415
    from marketplace.core.extensions import db  # noqa: PLC0415
    from search.documents import offer_document  # noqa: PLC0415

    market["poznan"].scorecard = {"rating_overall": 4.2, "ratings_count": 4}
    db.session.flush()
    rates = service.currency_rates()
    built = {doc["id"]: doc for batch in reindex.documents(OFFERS, batch=2) for doc in batch}
    public = [o for o in market["offers"].values() if o.status == "published"]
    assert sorted(built) == sorted(o.id for o in public)
    for offer in public:
        assert built[offer.id] == offer_document(db.session.get(Offer, offer.id), rates)


def test_a_radius_below_a_millimetre_finds_only_what_is_on_the_spot(market):
    # Elasticsearch cannot read "1e-07km": the radius is written in fixed-point.
    assert ids(search(near="22.54,114.06", radius_km="0.0000001")) == [market["offers"]["cn"].id]
    assert ids(search(near="22.6,114.06", radius_km="0.0000001")) == []


def test_similar_offers_leave_out_expired_ones(index):
    company = f.supplier("Seasonal Pipes")
    lasting = f.offer(company, "Stainless steel pipes seamless")
    seasonal = f.offer(
        company, "Stainless steel pipes welded", valid_until=clock.today() + dt.timedelta(days=2)
    )
    index()
    assert seasonal.id in [h.id for h in service.similar_offers(lasting.id)]
    clock.freeze(clock.now() + dt.timedelta(days=5))
    assert [h.id for h in service.similar_offers(lasting.id)] == []


def test_industry_filter(market):
    o = market["offers"]
    assert ids(search(industry="chemicals")) == [o["pigment"].id]
    metals = {x.id for k, x in o.items() if k not in ("draft", "pigment")}
    assert set(ids(search(industry="metals"))) == metals
    assert set(ids(search(industry="metals,chemicals"))) == metals | {o["pigment"].id}


def test_a_wide_radius_holds_exactly_the_offers_inside_it(market):
    o = market["offers"]
    # 1,000 km spans more grid cells than are listed one by one: Poznań, Łódź, Berlin; not Shenzhen.
    wide = search(near="52.4064,16.9252", radius_km="1000")
    assert wide.total == 4
    assert set(ids(wide)) == {o["pipes"].id, o["rury"].id, o["pigment"].id, o["fittings"].id}
    assert {b.value: b.count for b in wide.facets["country"]} == {"PL": 3, "DE": 1}


def test_nearest_first_without_a_radius_pages_across_the_world(market):
    o = market["offers"]
    seen, cursor = [], None
    for _page in range(10):
        params = {"near": "52.4064,16.9252", "sort": "distance", "limit": "2"}
        result = search(**params, **({"cursor": cursor} if cursor else {}))
        assert result.total == 5
        seen += ids(result)
        cursor = result.next_cursor
        if not cursor:
            break
    poznan = sorted([o["pipes"].id, o["rury"].id])
    assert seen == [*poznan, o["pigment"].id, o["fittings"].id, o["cn"].id]
