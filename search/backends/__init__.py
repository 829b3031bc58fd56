"""The small interface every search backend implements, and the one place that picks a backend."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Protocol

from search.query import Hit, SearchQuery, SearchResult

EARTH_RADIUS_KM = 6371.0088


class BackendUnavailable(Exception):
    """The engine could not be reached or refused the write; the outbox keeps the change."""


class SearchBackend(Protocol):
    name: str

    def ensure(self) -> None:
        """Create the indexes if they do not exist yet."""

    def upsert(self, kind: str, documents: list[dict]) -> None: ...

    def delete(self, kind: str, ids: list[int]) -> None: ...

    def search(self, query: SearchQuery) -> SearchResult:
        """Hits carry the stored `data`; highlighting and labels are the service's job."""

    def similar(
        self, kind: str, object_id: int, document: dict, limit: int, valid_on: int | None = None
    ) -> list[Hit]:
        """Documents like `document`, without itself; offers ending before valid_on are left out."""

    def rebuild(
        self, kind: str, batches: Iterable[list[dict]], progress: Callable[[int], None]
    ) -> int:
        """Write every document into a new versioned index, then swap it in; returns the count."""

    def stats(self) -> dict[str, dict]: ...


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing the circle.

    A circle reaching a pole or across the 180th meridian spans every longitude. The widest
    longitude of a circle of angular radius t around latitude p is asin(sin t / cos p), a little
    more than t / cos p: the flat formula would cut off its east and west ends.
    """
    angle = radius_km / EARTH_RADIUS_KM
    dlat = math.degrees(angle) + 1e-9  # float rounding must never shave a point off
    min_lat, max_lat = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    if min_lat <= -90 or max_lat >= 90:
        return min_lat, max_lat, -180.0, 180.0
    ratio = math.sin(angle) / math.cos(math.radians(lat))
    dlon = math.degrees(math.asin(min(1.0, ratio))) + 1e-9
    if lon - dlon < -180 or lon + dlon > 180:
        return min_lat, max_lat, -180.0, 180.0
    return min_lat, max_lat, lon - dlon, lon + dlon


def facet_value(bucket: dict) -> str:
    """A terms bucket's value as text; booleans as 'true'/'false' whatever the engine prints."""
    value = str(bucket.get("key_as_string", bucket["key"]))
    return value.lower() if value in ("True", "False") else value
