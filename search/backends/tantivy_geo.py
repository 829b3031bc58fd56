"""Radius and distance questions on the embedded tantivy index, answered exactly at any size.

tantivy knows no geography: every document carries its point (lat, lon fast fields) and the
0.1-degree grid cell it lies in (a keyword). A circle is the cells wholly inside it, found by term,
plus the documents of the cells its edge crosses, checked one by one. Small circles enumerate
their cells; large ones ask the index which cells hold any match at all (a histogram). Nearest
first reads rings of growing radius until a page is provably complete: everything closer than the
ring's radius has been seen.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import tantivy
from tantivy import FieldType, Occur, Query

from search.backends import EARTH_RADIUS_KM, bounding_box, haversine_km
from search.query import Point

CELL_DEGREES = 0.1  # about 11 km north-south
MAX_CELLS = 20_000  # circles whose box spans more cells ask the index which cells are occupied
RING_CELLS = 2_000  # nearest-first rings up to this many cells go by cell, wider ones by box
HALF_CIRCUMFERENCE_KM = math.pi * EARTH_RADIUS_KM  # nothing on Earth is farther away
RINGS_KM = (5.0, 20.0, 80.0, 320.0, 1280.0, 5120.0, HALF_CIRCUMFERENCE_KM)
FIRST_FETCH = 10_000
_MARGIN_KM = 1e-6  # float rounding: a cell this close to the edge is checked point by point
Cells = tuple[tuple[str, ...], tuple[str, ...]]  # (wholly inside, crossed by the edge)


def geo_cell(lat: float, lon: float) -> str:
    """The grid cell a point lies in (the same floor a tantivy histogram of CELL_DEGREES takes)."""
    return f"{math.floor(lat / CELL_DEGREES)}:{math.floor(lon / CELL_DEGREES)}"


def _wrapped(dlon: float) -> float:
    """A longitude difference folded into [0, 180]."""
    dlon = abs(dlon) % 360.0
    return 360.0 - dlon if dlon > 180.0 else dlon


def _along_meridian(lat: float, lon: float, dlon: float, south: float, north: float, far: bool):
    """Nearest (or farthest) distance from the point to the meridian dlon away, within [south, north].

    Along a meridian cos(distance) = C cos(latitude - peak): one peak, one trough. Its extremes
    on an interval lie at an end or at the peak (trough) when that falls inside.
    """
    p0, d = math.radians(lat), math.radians(dlon)
    peak = math.degrees(math.atan2(math.sin(p0), math.cos(p0) * math.cos(d)))
    turn = peak + 180.0 if far else peak
    turn = (turn + 180.0) % 360.0 - 180.0
    candidates = [south, north]
    if south <= turn <= north:
        candidates.append(turn)
    distances = [haversine_km(lat, lon, c, lon + dlon) for c in candidates]
    return max(distances) if far else min(distances)


def box_extremes(
    lat: float, lon: float, south: float, north: float, west: float, east: float
) -> tuple[float, float]:
    """Exact (nearest, farthest) distance from a point to a latitude/longitude box.

    On every parallel the distance grows with the longitude difference (up to 180 degrees), so
    the nearest and farthest points lie on the box's nearest and farthest meridians.
    """
    near_dlon = 0.0 if west <= lon <= east else min(_wrapped(lon - west), _wrapped(lon - east))
    opposite = lon + 180.0 if lon < 0 else lon - 180.0
    far_dlon = (
        180.0 if west <= opposite <= east else max(_wrapped(lon - west), _wrapped(lon - east))
    )
    nearest = _along_meridian(lat, lon, near_dlon, south, north, far=False)
    farthest = _along_meridian(lat, lon, far_dlon, south, north, far=True)
    return nearest, farthest


def _cell_box(row: int, col: int) -> tuple[float, float, float, float]:
    return (
        row * CELL_DEGREES,
        (row + 1) * CELL_DEGREES,
        col * CELL_DEGREES,
        (col + 1) * CELL_DEGREES,
    )


def _classify(point: Point, radius_km: float, cells: Iterable[tuple[int, int]]) -> Cells:
    inside, edge = [], []
    for row, col in cells:
        nearest, farthest = box_extremes(point.lat, point.lon, *_cell_box(row, col))
        if farthest <= radius_km - _MARGIN_KM:
            inside.append(f"{row}:{col}")
        elif nearest <= radius_km + _MARGIN_KM:
            edge.append(f"{row}:{col}")
    return tuple(inside), tuple(edge)


def _grid(box: tuple[float, float, float, float]) -> tuple[range, range]:
    min_lat, max_lat, min_lon, max_lon = box
    rows = range(math.floor(min_lat / CELL_DEGREES), math.floor(max_lat / CELL_DEGREES) + 1)
    cols = range(math.floor(min_lon / CELL_DEGREES), math.floor(max_lon / CELL_DEGREES) + 1)
    return rows, cols


@functools.lru_cache(maxsize=512)  # the same cities and radii come back again and again
def cells_around(lat: float, lon: float, radius_km: float) -> Cells | None:
    """Cells wholly inside the circle and cells its edge crosses; None when there are too many."""
    rows, cols = _grid(bounding_box(lat, lon, radius_km))
    if len(rows) * len(cols) > MAX_CELLS:
        return None
    return _classify(Point(lat, lon), radius_km, ((r, c) for r in rows for c in cols))


def _occupied(searcher: tantivy.Searcher, query: Query) -> list[tuple[int, int]]:
    """The cells holding at least one match, read from the lat/lon fast fields in one pass."""
    step = {"interval": CELL_DEGREES, "min_doc_count": 1}
    aggs = {"lat": {"histogram": {"field": "lat", **step},
                    "aggs": {"lon": {"histogram": {"field": "lon", **step}}}}}  # fmt: skip
    found = searcher.aggregate(query, aggs)
    return [
        (round(band["key"] / CELL_DEGREES), round(cell["key"] / CELL_DEGREES))
        for band in found.get("lat", {}).get("buckets", [])
        for cell in band.get("lon", {}).get("buckets", [])
    ]


def _both(*queries: Query) -> Query:
    return Query.boolean_query(
        [(Occur.Must, queries[0])] + [(Occur.Must, Query.const_score_query(q, 0.0)) for q in queries[1:]]
    )  # fmt: skip


def located(schema: tantivy.Schema, base: Query) -> Query:
    """base, among documents that have a place at all."""
    return _both(base, Query.range_query(schema, "lat", FieldType.Float, -90.0, 90.0))


def _in_box(schema: tantivy.Schema, base: Query, box: tuple[float, float, float, float]) -> Query:
    min_lat, max_lat, min_lon, max_lon = box
    return _both(
        base,
        Query.range_query(schema, "lat", FieldType.Float, min_lat, max_lat),
        Query.range_query(schema, "lon", FieldType.Float, min_lon, max_lon),
    )


def _in_cells(schema: tantivy.Schema, base: Query, cells: Iterable[str]) -> Query:
    return _both(base, Query.term_set_query(schema, "geo_cell", list(cells)))


def _points(
    searcher: tantivy.Searcher, query: Query, point: Point
) -> list[tuple[float, int, tantivy.DocAddress]]:
    """(distance, id, address) of every match.

    Most questions match a few thousand: a small first limit, and all documents only when it
    fills up (a limit is memory set aside, and counting first would cost a second search)."""
    limit = min(FIRST_FETCH, searcher.num_docs)
    if not limit:
        return []
    addresses = [a for _s, a in searcher.search(query, limit, count=False).hits]
    if len(addresses) == limit < searcher.num_docs:
        addresses = [a for _s, a in searcher.search(query, searcher.num_docs, count=False).hits]
    if not addresses:
        return []
    lats = searcher.fast_field_values("lat", addresses)
    lons = searcher.fast_field_values("lon", addresses)
    ids = searcher.fast_field_values("id", addresses)
    return [
        (haversine_km(point.lat, point.lon, lat, lon), object_id, address)
        for lat, lon, object_id, address in zip(lats, lons, ids, addresses, strict=True)
    ]


def circle(
    searcher: tantivy.Searcher, schema: tantivy.Schema, point: Point, radius_km: float, base: Query
) -> Query:
    """Exactly the matches of base within radius_km of the point."""
    cells = cells_around(point.lat, point.lon, radius_km)
    if cells is None:
        box = bounding_box(point.lat, point.lon, radius_km)
        cells = _classify(point, radius_km, _occupied(searcher, _in_box(schema, base, box)))
    inside, edge = cells
    accepted = []
    if edge:
        for distance, object_id, _address in _points(
            searcher, _in_cells(schema, base, edge), point
        ):
            if distance <= radius_km:
                accepted.append(object_id)
    shoulds = (
        [(Occur.Should, Query.term_set_query(schema, "geo_cell", list(inside)))] if inside else []
    )
    if accepted:
        shoulds.append((Occur.Should, Query.term_set_query(schema, "id", accepted)))
    if not shoulds:
        return Query.empty_query()
    return _both(base, Query.boolean_query(shoulds))


def _ring(schema: tantivy.Schema, point: Point, radius_km: float, base: Query) -> Query:
    """base within a region that holds every point up to radius_km away (and maybe a few more)."""
    box = bounding_box(point.lat, point.lon, radius_km)
    rows, cols = _grid(box)
    if len(rows) * len(cols) <= RING_CELLS:
        inside, edge = cells_around(point.lat, point.lon, radius_km)
        return _in_cells(schema, base, inside + edge)
    return _in_box(schema, base, box)


def nearest(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    point: Point,
    base: Query,
    after: tuple[float, int] | None,
    count: int,
    limit_km: float | None = None,
) -> list[tuple[float, int, tantivy.DocAddress]]:
    """The `count` matches nearest the point after the (distance, id) `after`, nearest first.

    Rings grow until one holds enough matches beyond `after`: every point closer than the ring's
    radius lies in it, so nothing missing could come before the page.
    """
    limit_km = min(limit_km or HALF_CIRCUMFERENCE_KM, HALF_CIRCUMFERENCE_KM)
    start = after[0] if after else 0.0
    page: list[tuple[float, int, tantivy.DocAddress]] = []
    for ring in RINGS_KM:
        radius = min(ring, limit_km)
        if radius < start and radius < limit_km:
            continue
        region = _ring(schema, point, radius, base)
        if radius < limit_km and searcher.search(region, 1, count=True).count < count:
            continue  # too few here even counting what came before: a wider ring
        page = sorted(
            item
            for item in _points(searcher, region, point)
            if item[0] <= radius and (after is None or (item[0], item[1]) > after)
        )
        if len(page) >= count or radius >= limit_km:
            break
    return page[:count]
