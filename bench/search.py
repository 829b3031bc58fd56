"""Search benchmark: N generated offers in the embedded tantivy backend; latency and reindex speed.

    .venv/bin/python bench/search.py [--offers 100000] [--runs 200]

Reports, for a fixed mix of 10 queries (8 with a raw twin), p50/p95/p99 through the search service (query model,
validation, backend, highlighting, facet labels) and straight against the raw tantivy API, their
ratio, reindex throughput (offers/s) and peak memory. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402
import tantivy  # noqa: E402
from tantivy import FieldType, Occur, Order, Query  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from listings.tree import TREE  # noqa: E402
from marketplace.app import create_app  # noqa: E402
from marketplace.demo.vocabulary import CITIES, INDUSTRY_PROFILES  # noqa: E402
from search import engine, reindex, service  # noqa: E402
from search.analysis import cjk_field, terms  # noqa: E402
from search.backends import haversine_km  # noqa: E402
from search.backends.tantivy_backend import TantivyBackend  # noqa: E402
from search.documents import ID_SPACE, NO_EXPIRY, NO_PRICE  # noqa: E402
from search.query import FACETS, OFFERS, RANGE_FACETS, range_aggregation  # noqa: E402

QUERIES = {
    "rare term": {"q": "hastelloy"},
    "common term": {"q": "steel"},
    "two terms": {"q": "stainless pipes"},
    "phrase": {"q": '"stainless steel"'},
    "prefix": {"q": "galv*"},
    "filter only": {"category": "metals", "country": "PL", "verified": "true"},
    "facets + geo": {"q": "steel", "near": "Poznań", "radius_km": "150"},
    "typo": {"q": "stainles stel"},
    # Service only (no hand-written tantivy equivalent): exact answers over the whole index.
    "nearest first": {"near": "Poznań", "sort": "distance"},
    "wide radius": {"q": "steel", "near": "Poznań", "radius_km": "1500"},
}
ADJECTIVES = ["Stainless", "Galvanized", "Hot-rolled", "Cold-drawn", "Certified", "Industrial",
              "Premium", "Recycled", "Food-grade", "Heavy-duty", "Custom", "Standard"]  # fmt: skip
RARE = "Hastelloy"
WARM_UP = 3


def generate(count: int, seed: int = 7, batch: int = 5000):
    """Batches of generated offer documents (streamed, so a million fit in memory)."""
    rng = random.Random(seed)
    categories = [
        (ind, slug, en, pl) for ind, (_e, _p, kids) in TREE.items() for slug, en, pl, _k in kids
    ]
    places = [(country, city) for country, cities in CITIES.items() for city in cities]
    docs: list[dict] = []
    for i in range(1, count + 1):
        industry, slug, name_en, name_pl = rng.choice(categories)
        capabilities = INDUSTRY_PROFILES.get(industry, INDUSTRY_PROFILES["metals"])
        country, (city, lat, lon, _pc) = rng.choice(places)
        title = f"{rng.choice(ADJECTIVES)} {rng.choice(capabilities[1])} {name_en.lower()}"
        if i % 5000 == 0:
            title += f" {RARE}"
        description = f"{capabilities[3]} {capabilities[4]} {rng.choice(capabilities[2])}."
        price = rng.randint(100, 500_000) if rng.random() > 0.1 else None
        verified = rng.random() < 0.3
        published = 1_750_000_000 + i * 60
        docs.append({
            "id": i, "title_t": " ".join(terms(title)),
            "text_t": " ".join(terms(f"{description} {name_en} {name_pl}")), "cjk": cjk_field(title),
            "category": [industry, slug], "industry": [industry], "country": [country],
            "certificate": ["iso-9001"] if verified else [], "verified": verified,
            "boost": 1.5 if verified else 0.5, "company_id": i % 5000, "price_eur": price, "moq": rng.choice([1, 10, 50, 100, 500]),
            "lead_time": rng.randint(1, 60), "valid_until": NO_EXPIRY, "attrs": [],
            "newest_key": published * ID_SPACE + i,
            "price_up": (price if price is not None else NO_PRICE) * ID_SPACE + i,
            "price_down": price * ID_SPACE + i if price is not None else i,
            "lat": lat + rng.uniform(-0.2, 0.2), "lon": lon + rng.uniform(-0.2, 0.2),
            "data": {"id": i, "title": title, "description": description[:300], "unit": "pcs",
                     "moq": 1, "price": None, "category": {"slug": slug, "name_en": name_en, "name_pl": name_pl},
                     "company": {"id": i % 5000, "name": f"Supplier {i % 5000}", "slug": f"s-{i % 5000}",
                                 "country": country, "city": city, "verified": verified}},
        })  # fmt: skip
        if len(docs) >= batch:
            yield docs
            docs = []
    if docs:
        yield docs


def fill_database(count: int) -> None:
    """count published offers of count/20 companies written straight to the tables (fast)."""
    from listings.categories import load_categories  # noqa: PLC0415 - bench only
    from listings.models import Category, Offer, PriceTier  # noqa: PLC0415
    from marketplace.companies.models import Company  # noqa: PLC0415
    from marketplace.companies.services import create_company  # noqa: PLC0415
    from marketplace.core.extensions import db  # noqa: PLC0415

    load_categories()
    slugs = dict(db.session.execute(sa.select(Category.slug, Category.id)).all())
    places = [(country, city) for country, cities in CITIES.items() for city in cities]
    company_ids = []
    for n in range(max(1, count // 20)):
        country, (city, lat, lon, _pc) = places[n % len(places)]
        industry = list(TREE)[n % len(TREE)]
        company = create_company({"name": f"Bench Supplier {n}", "country": country,
                                  "industries": [industry]})  # fmt: skip
        company.city, company.latitude, company.longitude = city, lat, lon
        company.verification_status = "verified" if n % 3 == 0 else "unverified"
        company_ids.append(company.id)
    db.session.flush()
    now = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)  # not "changed during the reindex"
    db.session.execute(sa.update(Company).values(updated_at=now))
    offer_id = 0
    for batch in generate(count):
        offers, tiers = [], []
        for doc in batch:
            offer_id += 1
            data = doc["data"]
            offers.append({"id": offer_id, "company_id": company_ids[offer_id % len(company_ids)],
                           "category_id": slugs[data["category"]["slug"]], "title": data["title"],
                           "description": f"<p>{data['description']}</p>", "language": "en",
                           "attributes": {}, "unit": "pcs", "moq": doc["moq"], "currency": "EUR",
                           "price_on_request": doc["price_eur"] is None,
                           "lead_time_days": doc["lead_time"], "status": "published",
                           "published_at": now, "created_at": now, "updated_at": now})  # fmt: skip
            if doc["price_eur"] is not None:
                tiers.append(
                    {"offer_id": offer_id, "min_quantity": 1, "unit_price": doc["price_eur"]}
                )
                tiers.append({"offer_id": offer_id, "min_quantity": 100,
                              "unit_price": doc["price_eur"] * 9 // 10})  # fmt: skip
        db.session.execute(sa.insert(Offer), offers)
        if tiers:
            db.session.execute(sa.insert(PriceTier), tiers)
    db.session.commit()


def database_reindex(app, workdir: Path, count: int) -> None:
    """`flask search reindex --type offers` on count offers: read, build documents, write."""
    with app.app_context():
        fill_database(count)
        engine.use_backend(app, TantivyBackend(workdir / "db-index"))
        started = time.perf_counter()
        if os.environ.get("BENCH_PROFILE"):
            import cProfile  # noqa: PLC0415

            cProfile.runctx("reindex.reindex(OFFERS, lambda n: None)", globals(), locals(),
                            os.environ["BENCH_PROFILE"])  # fmt: skip
        done = reindex.reindex(OFFERS, lambda n: None)
        elapsed = time.perf_counter() - started
    print(f"reindex from the database (SQLite): {done:,} offers in {elapsed:.1f} s -> "
          f"{done / elapsed:,.0f} offers/s")  # fmt: skip


def raw_queries(backend: TantivyBackend) -> dict:
    """The same questions written by hand against tantivy: the floor the service is compared to."""
    s = backend.schema

    def text(words, typed=None):
        """Each word: exact in title (x3) or text, or within the typo distance, as the service asks."""
        musts = []
        for w in words:
            as_typed = (typed or {}).get(w, w)
            distance = 0 if len(as_typed) <= 2 else (1 if len(as_typed) <= 5 else 2)
            shoulds = [Query.boost_query(Query.term_query(s, "title_t", w), 3.0),
                       Query.term_query(s, "text_t", w)]  # fmt: skip
            if distance:
                shoulds += [Query.fuzzy_term_query(s, "title_t", as_typed, distance),
                            Query.fuzzy_term_query(s, "text_t", as_typed, distance)]  # fmt: skip
            musts.append((Occur.Must, Query.boolean_query([(Occur.Should, q) for q in shoulds])))
        return Query.boolean_query(musts)

    def both(make):
        """Title (x3) or description, as every text clause of the service."""
        return Query.boolean_query(
            [
                (Occur.Should, Query.boost_query(make("title_t"), 3.0)),
                (Occur.Should, make("text_t")),
            ]
        )

    steel = text(["steel"])
    geo = Query.boolean_query([
        (Occur.Must, steel),
        (Occur.Must, Query.range_query(s, "lat", FieldType.Float, 51.06, 53.75)),
        (Occur.Must, Query.range_query(s, "lon", FieldType.Float, 14.72, 19.13)),
    ])  # fmt: skip
    return {
        "rare term": (text(["hastelloy"]), False),
        "common term": (steel, False),
        "two terms": (text(["stainless", "pipe"], {"pipe": "pipes"}), False),
        "phrase": (both(lambda f: Query.phrase_query(s, f, ["stainless", "steel"])), False),
        "prefix": (both(lambda f: Query.phrase_prefix_query(s, f, ["galv"])), False),
        "filter only": (
            Query.boolean_query(
                [
                    (Occur.Must, Query.term_query(s, "category", "metals")),
                    (Occur.Must, Query.term_query(s, "country", "PL")),
                    (Occur.Must, Query.term_query(s, "verified", True)),
                ]
            ),
            True,
        ),  # fmt: skip
        "facets + geo": (geo, True),
        "typo": (text(["stainl", "stel"], {"stainl": "stainles", "stel": "stel"}), False),
    }


def raw_geo(searcher, query, facet_aggs, schema) -> None:
    """Radius by hand: bounding box in the engine, exact circle on fast fields, facets over the ids."""
    found = searcher.search(query, 50_000, count=False, weight_by_field="boost").hits
    addresses = [a for _s, a in found]
    lats = searcher.fast_field_values("lat", addresses)
    lons = searcher.fast_field_values("lon", addresses)
    ids = searcher.fast_field_values("id", addresses)
    inside = [
        (i, a)
        for lat, lon, i, a in zip(lats, lons, ids, addresses, strict=True)
        if haversine_km(52.4064, 16.9252, lat, lon) <= 150
    ]
    searcher.aggregate(Query.term_set_query(schema, "id", [i for i, _a in inside]), facet_aggs)
    for _i, address in inside[:20]:
        searcher.doc(address)


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    pick = lambda p: ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]  # noqa: E731
    return pick(50) * 1000, pick(95) * 1000, pick(99) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--db-offers", type=int, default=20_000,
        help="offers written to the database for the reindex-from-database figure (0: skip)",
    )  # fmt: skip
    parser.add_argument(
        "--index", help="keep the index in this folder and reuse it on the next run (no reindex)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="search-bench-"))
    app = create_app({"INSTANCE_PATH": str(workdir), "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'b.db'}",
                      "SECRET_KEY": "bench", "SERVER_NAME": "bench.local", "SEARCH_SYNC": "worker"})  # fmt: skip
    with app.app_context():
        from flask_migrate import upgrade  # noqa: PLC0415 - bench only

        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, tantivy {tantivy.__version__ if hasattr(tantivy, '__version__') else ''}")  # fmt: skip
    index_dir = Path(args.index) if args.index else workdir / "index"
    reuse = (index_dir / "offers.current").exists()
    backend = TantivyBackend(index_dir)
    build_time = [0.0]

    def timed_batches():
        batches = generate(args.offers)
        while True:
            t0 = time.perf_counter()
            batch = next(batches, None)
            build_time[0] += time.perf_counter() - t0
            if batch is None:
                return
            yield batch

    if reuse:
        print(f"reusing the index in {index_dir}: no reindex figure")
    else:
        started = time.perf_counter()
        backend.rebuild("offers", timed_batches(), lambda n: None)
        total_time = time.perf_counter() - started
        built = build_time[0]
        print(f"offers: {args.offers:,}; documents generated and analysed in {built:.1f} s")
        print(
            f"reindex: {total_time:.1f} s -> {args.offers / total_time:,.0f} offers/s including "
            f"document analysis ({args.offers / (total_time - built):,.0f} offers/s in the writer)"
        )
    if args.db_offers:
        database_reindex(app, workdir, args.db_offers)
    searcher = backend._slot("offers").index.searcher()
    raw = raw_queries(backend)
    # The raw side computes the same facets as the service: five term counts and three ranges.
    facet_aggs = {n: {"terms": {"field": n, "size": 200}} for n in FACETS[OFFERS]}
    for name, (field, bounds) in RANGE_FACETS[OFFERS].items():
        facet_aggs[name] = range_aggregation(field, bounds)
    rows = []
    with app.test_request_context():
        engine.use_backend(app, backend)
        for name, params in QUERIES.items():
            service_times, raw_times = [], []
            total = 0
            for run in range(args.runs + WARM_UP):
                if run == WARM_UP:  # first runs fill caches on both sides: not timed
                    service_times, raw_times = [], []
                t0 = time.perf_counter()
                result = service.run(service.build_query("offers", MultiDict(params)))
                service_times.append(time.perf_counter() - t0)
                total = result.total
                if name not in raw:
                    continue
                query, newest_first = raw[name]
                t0 = time.perf_counter()
                if name == "facets + geo":
                    raw_geo(searcher, query, facet_aggs, backend.schema)
                else:
                    if newest_first:  # no words to weigh: newest first, as the service does
                        searcher.search(query, 1, count=True)
                        found = searcher.search(
                            query, 21, count=False, order_by_field="newest_key", order=Order.Desc
                        )
                    else:
                        found = searcher.search(query, 21, count=True)
                    searcher.aggregate(query, facet_aggs)
                    for _score, address in found.hits[:20]:
                        searcher.doc(address)
                raw_times.append(time.perf_counter() - t0)
            s50, s95, s99 = percentiles(service_times)
            r50, r95, r99 = percentiles(raw_times) if raw_times else (0.0, 0.0, 0.0)
            rows.append((name, total, s50, s95, s99, r50, r95, r99, s95 / r95 if r95 else 0))
    print(
        f"\n{'query':14} {'hits':>8} | {'service p50':>11} {'p95':>7} {'p99':>7} | {'raw p50':>8} {'p95':>7} {'p99':>7} | ratio p95"
    )
    for name, total, s50, s95, s99, r50, r95, r99, ratio in rows:
        raw_part = (
            f"{r50:>6.2f}ms {r95:>6.2f}ms {r99:>6.2f}ms | {ratio:>6.2f}"
            if r95
            else f"{'-':>8} {'-':>7} {'-':>7} | {'-':>6}"
        )
        print(f"{name:14} {total:>8} | {s50:>9.2f}ms {s95:>6.2f}ms {s99:>6.2f}ms | {raw_part}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size = sum(p.stat().st_size for p in index_dir.rglob("*") if p.is_file()) / 1e6
    print(
        f"\nindex size {size:.0f} MB; peak memory (max RSS) {peak:.0f} MB; runs per query {args.runs}"
    )


if __name__ == "__main__":
    main()
