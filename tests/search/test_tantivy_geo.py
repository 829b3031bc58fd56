"""Radius and distance answers of the embedded index are exact, however many offers there are.

The large scenario writes 60,000 small documents straight into a tantivy index (the count is the
point: more than the 50,000 candidates the index used to look at), so it runs on tantivy only; the
same questions on both backends are in test_contract.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tantivy import Query

from search.backends import bounding_box, haversine_km
from search.backends.tantivy_backend import TantivyBackend
from search.backends.tantivy_geo import CELL_DEGREES, _occupied, box_extremes, geo_cell
from search.query import OFFERS, Point, SearchQuery

POZNAN = Point(52.4064, 16.9252)
LISBON = (38.7223, -9.1393)  # 2,750 km from Poznań
BERLIN = (52.52, 13.405)  # 240 km


def _doc(object_id: int, lat: float, lon: float) -> dict:
    return {"id": object_id, "title_t": "steel", "lat": lat, "lon": lon, "newest_key": object_id,
            "data": {"id": object_id}}  # fmt: skip


def _lisbon_docs() -> list[dict]:
    """The crowd around Lisbon, the same on every call."""
    rng = random.Random(3)
    return [_doc(i, LISBON[0] + rng.uniform(-1, 1), LISBON[1] + rng.uniform(-1, 1))
            for i in range(1, 55_001)]  # fmt: skip


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """55,000 offers around Lisbon written first, then 500 in Berlin and 20 in Poznań."""
    docs = _lisbon_docs()
    docs += [_doc(60_000 + i, BERLIN[0], BERLIN[1] + i * 1e-4) for i in range(500)]
    docs += [_doc(70_000 + i, POZNAN.lat + i * 0.01, POZNAN.lon) for i in range(20)]
    backend = TantivyBackend(tmp_path_factory.mktemp("crowded"))
    backend.rebuild(OFFERS, [docs], lambda n: None)
    return backend


def _ask(backend: TantivyBackend, **fields) -> object:
    return backend.search(SearchQuery(kind=OFFERS, near=POZNAN, facets=False, **fields))


def test_nearest_first_finds_the_true_nearest_among_many(crowded):
    result = _ask(crowded, sort="distance", limit=25)
    assert result.total == 55_520
    assert [h.id for h in result.hits[:20]] == [70_000 + i for i in range(20)]
    assert {h.id for h in result.hits[20:]} <= {60_000 + i for i in range(500)}
    distances = [h.distance_km for h in result.hits]
    assert distances == sorted(distances)


def test_nearest_first_pages_on_into_the_crowd(crowded):
    query = SearchQuery(kind=OFFERS, near=POZNAN, sort="distance", limit=100, facets=False)
    query.cursor_state = {"s": "distance", "k": [300.0, 0]}  # past Poznań and Berlin
    page = crowded.search(query)
    assert len(page.hits) == 100
    assert all(h.id <= 55_000 for h in page.hits)
    expected = sorted(
        (haversine_km(POZNAN.lat, POZNAN.lon, d["lat"], d["lon"]), d["id"]) for d in _lisbon_docs()
    )[:100]
    assert [h.id for h in page.hits] == [object_id for _d, object_id in expected]


def test_a_wide_radius_counts_every_offer_inside_it(crowded):
    assert _ask(crowded, radius_km=3500).total == 55_520
    assert _ask(crowded, radius_km=3500, sort="newest").hits[0].id == 70_019
    wide = _ask(crowded, radius_km=1000)  # more cells than are enumerated: Berlin and Poznań only
    assert wide.total == 520
    assert _ask(crowded, radius_km=1000, sort="distance", limit=5).total == 520


def test_offers_without_a_place_are_left_out_of_distance_questions(tmp_path):
    backend = TantivyBackend(tmp_path)
    placeless = {"id": 9, "title_t": "steel", "newest_key": 9, "data": {"id": 9}}
    backend.rebuild(OFFERS, [[_doc(1, *BERLIN), placeless]], lambda n: None)
    assert [h.id for h in _ask(backend, sort="distance").hits] == [1]
    assert _ask(backend, sort="distance").total == 1


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-89, 89),
    lon=st.floats(-180, 180),
    row=st.integers(-900, 899),
    col=st.integers(-1800, 1799),
    size=st.integers(1, 40),
)
def test_the_nearest_and_farthest_point_of_a_box_are_exact(lat, lon, row, col, size):
    south, west = row * CELL_DEGREES, col * CELL_DEGREES
    north, east = min(90.0, south + size * CELL_DEGREES), min(180.0, west + size * CELL_DEGREES)
    nearest, farthest = box_extremes(lat, lon, south, north, west, east)
    samples = [
        haversine_km(lat, lon, south + (north - south) * i / 12, west + (east - west) * j / 12)
        for i in range(13)
        for j in range(13)
    ]
    assert nearest <= min(samples) + 1e-6
    assert farthest >= max(samples) - 1e-6


@settings(max_examples=300, deadline=None)
@given(lat=st.floats(-89.9, 89.9), lon=st.floats(-180, 180), radius=st.floats(0.001, 19_000))
def test_the_bounding_box_holds_the_whole_circle(lat, lon, radius):
    min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, radius)
    angle = radius / 6371.0088
    for step in range(72):
        bearing = math.radians(step * 5)
        p1, l1 = math.radians(lat), math.radians(lon)
        p2 = math.asin(math.sin(p1) * math.cos(angle)
                       + math.cos(p1) * math.sin(angle) * math.cos(bearing))  # fmt: skip
        l2 = l1 + math.atan2(math.sin(bearing) * math.sin(angle) * math.cos(p1),
                             math.cos(angle) - math.sin(p1) * math.sin(p2))  # fmt: skip
        plat, plon = math.degrees(p2), (math.degrees(l2) + 180) % 360 - 180
        assert min_lat <= plat <= max_lat
        assert min_lon <= plon <= max_lon


def test_the_index_names_the_same_cells_the_documents_carry(tmp_path):
    rng = random.Random(11)
    points = [(rng.uniform(-89, 89), rng.uniform(-180, 180)) for _ in range(3000)]
    points += [
        (round(rng.uniform(-89, 89), 1), round(rng.uniform(-180, 180), 1)) for _ in range(3000)
    ]
    backend = TantivyBackend(tmp_path)
    backend.rebuild(OFFERS, [[_doc(i, *p) for i, p in enumerate(points, 1)]], lambda n: None)
    searcher = backend._slot(OFFERS).index.searcher()
    found = {f"{r}:{c}" for r, c in _occupied(searcher, Query.all_query())}
    assert found == {geo_cell(lat, lon) for lat, lon in points}
