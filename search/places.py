"""Place names a buyer may type for 'near': a small gazetteer plus every city a company lists."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.companies.models import Company
from marketplace.core.extensions import db
from search.analysis import fold
from search.query import Point

# Large trading cities; companies' own cities are looked up in the database as well.
GAZETTEER: dict[str, tuple[float, float]] = {
    "warszawa": (52.2297, 21.0122), "warsaw": (52.2297, 21.0122), "krakow": (50.0647, 19.9450),
    "cracow": (50.0647, 19.9450), "lodz": (51.7592, 19.4560), "wroclaw": (51.1079, 17.0385),
    "poznan": (52.4064, 16.9252), "gdansk": (54.3520, 18.6466), "szczecin": (53.4285, 14.5528),
    "katowice": (50.2649, 19.0238), "bydgoszcz": (53.1235, 18.0084), "lublin": (51.2465, 22.5684),
    "bialystok": (53.1325, 23.1688), "rzeszow": (50.0412, 21.9991), "torun": (53.0138, 18.5984),
    "kielce": (50.8661, 20.6286), "opole": (50.6751, 17.9213), "olsztyn": (53.7784, 20.4801),
    "czestochowa": (50.8118, 19.1203), "berlin": (52.52, 13.405), "hamburg": (53.5511, 9.9937),
    "munchen": (48.1351, 11.582), "munich": (48.1351, 11.582), "leipzig": (51.3397, 12.3731),
    "dresden": (51.0504, 13.7373), "praha": (50.0755, 14.4378), "prague": (50.0755, 14.4378),
    "brno": (49.1951, 16.6068), "wien": (48.2082, 16.3738), "vienna": (48.2082, 16.3738),
    "bratislava": (48.1486, 17.1077), "budapest": (47.4979, 19.0402), "vilnius": (54.6872, 25.2797),
    "paris": (48.8566, 2.3522), "lyon": (45.764, 4.8357), "milano": (45.4642, 9.19),
    "milan": (45.4642, 9.19), "rotterdam": (51.9244, 4.4777), "amsterdam": (52.3676, 4.9041),
    "london": (51.5072, -0.1276), "madrid": (40.4168, -3.7038), "barcelona": (41.3874, 2.1686),
    "kyiv": (50.4501, 30.5234), "lviv": (49.8397, 24.0297), "istanbul": (41.0082, 28.9784),
    "shenzhen": (22.5431, 114.0579), "shanghai": (31.2304, 121.4737),
}  # fmt: skip


def locate(name: str) -> Point | None:
    """Coordinates of a city name typed in any case, with or without diacritics."""
    key = fold(name).strip()
    if not key or len(key) > 120:
        return None
    if key in GAZETTEER:
        return Point(*GAZETTEER[key])
    rows = db.session.execute(
        sa.select(Company.city, Company.latitude, Company.longitude)
        .where(Company.city.is_not(None), Company.latitude.is_not(None))
        .distinct()
        .limit(5000)
    ).all()
    for city, lat, lon in rows:
        if fold(city).strip() == key:
            return Point(lat, lon)
    return None
