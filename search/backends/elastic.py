"""The backend at scale: Elasticsearch 8.x/9.x through the official client, versioned indexes behind aliases."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

import elastic_transport
from elasticsearch import ApiError, Elasticsearch, helpers
from elasticsearch import ConnectionError as EsConnectionError

from search.analysis import fuzziness
from search.backends import BackendUnavailable, facet_value, haversine_km
from search.query import (
    KINDS,
    MAX_RELEVANCE_OFFSET,
    OFFERS,
    RANGE_FACETS,
    FacetBucket,
    Hit,
    SearchQuery,
    SearchResult,
    encode_cursor,
    range_aggregation,
    range_buckets,
    term_facets,
)

SORT_FIELDS = {"newest": ("newest_key", "desc"), "price_asc": ("price_up", "asc"),
               "price_desc": ("price_down", "desc")}  # fmt: skip
TEXT_FIELDS = (("title_t", 3.0), ("text_t", 1.0))
KEYWORDS = ("category", "industry", "country", "certificate", "attrs")
INTEGERS = ("valid_until", "company_id", "price_eur", "moq", "lead_time", "newest_key", "price_up",
            "price_down")  # fmt: skip
SETTINGS = {
    "number_of_shards": 1,
    # Documents and queries arrive analysed by search.analysis, the same terms tantivy gets.
    "analysis": {"analyzer": {"terms": {"type": "custom", "tokenizer": "whitespace"}}},
}
MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "id": {"type": "long"},
        **{name: {"type": "text", "analyzer": "terms"} for name in ("title_t", "text_t", "cjk")},
        **{name: {"type": "keyword"} for name in KEYWORDS},
        **{name: {"type": "long"} for name in INTEGERS},
        "verified": {"type": "boolean"},
        "boost": {"type": "float"},
        "location": {"type": "geo_point"},
        "data": {"type": "object", "enabled": False},
    },
}
WRITE_ERRORS = (
    ApiError,
    EsConnectionError,
    elastic_transport.TransportError,
    helpers.BulkIndexError,
)


def _overloaded_or_failing(exc: ApiError) -> bool:
    """429 and 5xx are the cluster's trouble, not the question's: try again later."""
    return exc.status_code == 429 or exc.status_code >= 500


def _empty_result(query: SearchQuery) -> SearchResult:
    return SearchResult(0, [], {n: [] for n in term_facets(query)} if query.facets else {}, None)


def to_source(doc: dict) -> dict:
    source = {k: v for k, v in doc.items() if k not in ("lat", "lon") and v is not None}
    source["boost"] = float(doc.get("boost", 0.0))
    if doc.get("lat") is not None and doc.get("lon") is not None:
        source["location"] = {"lat": doc["lat"], "lon": doc["lon"]}
    return source


class ElasticsearchBackend:
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        prefix: str = "market",
        refresh: bool | str = "wait_for",
        timeout: float = 30.0,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self.refresh = refresh
        self.timeout = timeout
        self._client: Elasticsearch | None = None
        self._lock = threading.Lock()

    # -- connection -----------------------------------------------------------------------------

    @property
    def client(self) -> Elasticsearch:
        """Connects on first use and speaks the server's major version (8 or 9)."""
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._connect()
        return self._client

    def _connect(self) -> Elasticsearch:
        probe = Elasticsearch(self.url, request_timeout=min(10.0, self.timeout))
        try:
            answer = probe.transport.perform_request(
                "GET", "/", headers={"accept": "application/json"}
            )
        except elastic_transport.TransportError as exc:
            raise BackendUnavailable(f"Elasticsearch at {self.url} is not reachable") from exc
        info = answer.body
        if not 200 <= answer.meta.status < 300 or not isinstance(info, dict):
            # Not cached: the next request connects again once the cluster has recovered.
            raise BackendUnavailable(f"Elasticsearch at {self.url} answered {answer.meta.status}")
        major = str(info.get("version", {}).get("number", "9")).split(".")[0]
        media = f"application/vnd.elasticsearch+json; compatible-with={major}"
        return Elasticsearch(
            self.url, request_timeout=self.timeout, headers={"accept": media, "content-type": media}
        )

    def alias(self, kind: str) -> str:
        return f"{self.prefix}-{kind}"

    def _create_index(self, kind: str) -> str:
        name = f"{self.alias(kind)}-v{time.time_ns()}"
        self.client.indices.create(index=name, settings=SETTINGS, mappings=MAPPINGS)
        return name

    def ensure(self) -> None:
        try:
            for kind in KINDS:
                if not self.client.indices.exists_alias(name=self.alias(kind)):
                    name = self._create_index(kind)
                    self.client.indices.put_alias(index=name, name=self.alias(kind))
        except WRITE_ERRORS as exc:
            raise BackendUnavailable(str(exc)) from exc

    # -- writes ---------------------------------------------------------------------------------

    def _bulk(self, actions: list[dict], refresh: bool | str | None = None) -> None:
        try:
            self.ensure()
            helpers.bulk(
                self.client, actions, refresh=refresh if refresh is not None else self.refresh
            )
        except WRITE_ERRORS as exc:
            raise BackendUnavailable(str(exc)) from exc

    def upsert(self, kind: str, documents: list[dict]) -> None:
        if documents:
            index = self.alias(kind)
            self._bulk(
                [{"_op_type": "index", "_index": index, "_id": str(d["id"]), "_source": to_source(d)}
                 for d in documents]
            )  # fmt: skip

    def delete(self, kind: str, ids: list[int]) -> None:
        if not ids:
            return
        index = self.alias(kind)
        actions = [{"_op_type": "delete", "_index": index, "_id": str(i)} for i in ids]
        try:
            self.ensure()
            helpers.bulk(self.client, actions, refresh=self.refresh, raise_on_error=False)
        except WRITE_ERRORS as exc:
            raise BackendUnavailable(str(exc)) from exc

    def rebuild(
        self, kind: str, batches: Iterable[list[dict]], progress: Callable[[int], None]
    ) -> int:
        """Load a new versioned index, then move the alias to it in one atomic step."""
        alias = self.alias(kind)
        name = self._create_index(kind)
        try:
            count = self._fill(name, batches, progress)
        except BaseException:
            # A failed rebuild leaves no orphan index behind; the alias never moved.
            self.client.indices.delete(index=name, ignore_unavailable=True)
            raise
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "1s"})
        self.client.indices.refresh(index=name)
        old = []
        if self.client.indices.exists_alias(name=alias):
            old = list(self.client.indices.get_alias(name=alias).body)
        actions = [{"remove": {"index": index, "alias": alias}} for index in old]
        actions.append({"add": {"index": name, "alias": alias}})
        self.client.indices.update_aliases(actions=actions)
        for index in old:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        return count

    def _fill(
        self, name: str, batches: Iterable[list[dict]], progress: Callable[[int], None]
    ) -> int:
        self.client.indices.put_settings(index=name, settings={"refresh_interval": "-1"})
        count = 0
        for batch in batches:
            helpers.bulk(
                self.client,
                [{"_op_type": "index", "_index": name, "_id": str(d["id"]), "_source": to_source(d)}
                 for d in batch],
            )  # fmt: skip
            count += len(batch)
            progress(len(batch))
        return count

    def stats(self) -> dict[str, dict]:
        self.ensure()
        out = {}
        for kind in KINDS:
            alias = self.alias(kind)
            names = list(self.client.indices.get_alias(name=alias).body)
            documents = self.client.count(index=alias)["count"]
            size = 0
            try:
                stats = self.client.indices.stats(index=alias, metric="store").body
                size = (
                    stats.get("_all", {})
                    .get("primaries", {})
                    .get("store", {})
                    .get("size_in_bytes", 0)
                )
            except ApiError:
                pass
            out[kind] = {"index": ",".join(names), "documents": documents, "bytes": size}
        return out

    # -- queries --------------------------------------------------------------------------------

    @staticmethod
    def _text_query(query: SearchQuery) -> list[dict]:
        parsed = query.parsed
        musts: list[dict] = []
        for word in parsed.words:
            typed = parsed.typed.get(word, word)
            distance = fuzziness(typed)
            shoulds = []
            for field, boost in TEXT_FIELDS:
                shoulds.append({"term": {field: {"value": word, "boost": boost}}})
                if distance:
                    shoulds.append(
                        {"fuzzy": {field: {"value": typed, "fuzziness": distance,
                                           "boost": boost * 0.3}}}
                    )  # fmt: skip
            musts.append({"bool": {"should": shoulds, "minimum_should_match": 1}})
        for phrase in parsed.phrases:
            text = " ".join(phrase)
            musts.append({"bool": {"should": [
                {"match_phrase": {field: {"query": text, "boost": boost}}}
                for field, boost in TEXT_FIELDS], "minimum_should_match": 1}})  # fmt: skip
        for prefix in parsed.prefixes:
            musts.append({"bool": {"should": [
                {"prefix": {field: {"value": prefix, "boost": boost}}}
                for field, boost in TEXT_FIELDS], "minimum_should_match": 1}})  # fmt: skip
        for gram in parsed.cjk:
            musts.append({"term": {"cjk": gram}})
        return musts

    @staticmethod
    def _filters(query: SearchQuery) -> list[dict]:
        filters: list[dict] = []
        for field in ("category", "industry", "country", "certificate"):
            values = getattr(query, field)
            if values:
                filters.append({"terms": {field: list(values)}})
        for key, value in query.attributes.items():
            filters.append({"term": {"attrs": f"{key}={value}"}})
        if query.verified is not None:
            filters.append({"term": {"verified": query.verified}})
        if query.company_id is not None:
            filters.append({"term": {"company_id": query.company_id}})
        if query.valid_on is not None and query.kind == OFFERS:
            filters.append({"range": {"valid_until": {"gte": query.valid_on}}})
        price = {}
        if query.price_min is not None:
            price["gte"] = query.price_min
        if query.price_max is not None:
            price["lte"] = query.price_max
        if price:
            filters.append({"range": {"price_eur": price}})
        if query.moq_max is not None:
            filters.append({"range": {"moq": {"lte": query.moq_max}}})
        if query.lead_time_max is not None:
            filters.append({"range": {"lead_time": {"lte": query.lead_time_max}}})
        if query.near is not None and query.radius_km is not None:
            # Fixed-point: str(1e-07) is "1e-07", which the engine cannot read as a distance.
            radius = f"{max(query.radius_km, 0.000001):.6f}km"
            filters.append({"geo_distance": {"distance": radius,
                            "location": {"lat": query.near.lat, "lon": query.near.lon}}})  # fmt: skip
        return filters

    def _read(self, kind: str, body: dict) -> dict | None:
        """One search request; None when the index does not exist (yet).

        Refused, timed-out, overloaded (429) or failing (5xx) clusters are BackendUnavailable, so
        pages answer "try again soon"; any other error is a question we got wrong and surfaces."""
        try:
            return self.client.search(index=self.alias(kind), **body).body
        except elastic_transport.TransportError as exc:
            raise BackendUnavailable(str(exc)) from exc
        except ApiError as exc:
            if exc.status_code == 404:
                return None
            if _overloaded_or_failing(exc):
                raise BackendUnavailable(str(exc)) from exc
            raise

    def search(self, query: SearchQuery) -> SearchResult:
        sort = query.effective_sort
        state = query.cursor_state or {}
        musts = self._text_query(query)
        must_not = (
            [{"ids": {"values": [str(i) for i in query.exclude_ids]}}] if query.exclude_ids else []
        )
        bool_query = {"bool": {"must": musts or [{"match_all": {}}], "filter": self._filters(query),
                               "must_not": must_not}}  # fmt: skip
        body: dict = {"size": query.limit + 1, "track_total_hits": True}
        if sort == "distance" and query.near is not None:
            point = {"lat": query.near.lat, "lon": query.near.lon}
            body["query"] = {"bool": {**bool_query["bool"],
                             "filter": [*bool_query["bool"]["filter"], {"exists": {"field": "location"}}]}}  # fmt: skip
            body["sort"] = [
                {"_geo_distance": {"location": point, "order": "asc", "unit": "km",
                                   "distance_type": "arc"}},
                {"id": "asc"},
            ]  # fmt: skip
            if "k" in state:
                body["search_after"] = state["k"]
        elif sort in SORT_FIELDS:
            field, order = SORT_FIELDS[sort]
            body["query"] = bool_query
            body["sort"] = [{field: order}]
            if "k" in state:
                body["search_after"] = [state["k"][0]]
        else:
            body["query"] = {"function_score": {
                "query": bool_query,
                "field_value_factor": {"field": "boost", "modifier": "log2p", "missing": 0},
                "boost_mode": "multiply"}}  # fmt: skip
            body["from_"] = state.get("o", 0)
        if query.facets:
            body["aggs"] = {
                name: {"terms": {"field": name, "size": 200}} for name in term_facets(query)
            }
            for name, (field, bounds) in RANGE_FACETS[query.kind].items():
                body["aggs"][name] = range_aggregation(field, bounds)
        response = self._read(query.kind, body)
        if response is None:
            return _empty_result(query)
        raw_hits = response["hits"]["hits"]
        total = response["hits"]["total"]["value"]
        limit = query.limit
        hits = []
        for raw in raw_hits[:limit]:
            distance = None
            if sort == "distance" and query.near is not None:
                distance = float(raw["sort"][0])
            elif query.near is not None and raw["_source"].get("location"):
                loc = raw["_source"]["location"]
                distance = haversine_km(query.near.lat, query.near.lon, loc["lat"], loc["lon"])
            hits.append(Hit(id=int(raw["_source"]["id"]), score=raw.get("_score"),
                            data=raw["_source"].get("data") or {}, distance_km=distance))  # fmt: skip
        cursor = None
        if len(raw_hits) > limit:
            last = raw_hits[limit - 1]
            if sort == "distance" and query.near is not None:
                cursor = encode_cursor(
                    {"s": sort, "k": [float(last["sort"][0]), int(last["sort"][1])]}
                )
            elif sort in SORT_FIELDS:
                cursor = encode_cursor({"s": sort, "k": [int(last["sort"][0]), 0]})
            else:
                offset = state.get("o", 0) + limit
                if offset <= MAX_RELEVANCE_OFFSET:
                    cursor = encode_cursor({"s": sort, "o": offset})
        facets = {}
        if query.facets:
            for name in term_facets(query):
                buckets = response.get("aggregations", {}).get(name, {}).get("buckets", [])
                facets[name] = [
                    FacetBucket(value=facet_value(b), count=b["doc_count"])
                    for b in buckets if b["doc_count"]
                ]  # fmt: skip
            for name, (_field, bounds) in RANGE_FACETS[query.kind].items():
                buckets = response.get("aggregations", {}).get(name, {}).get("buckets", [])
                facets[name] = range_buckets(bounds, [b["doc_count"] for b in buckets])
        return SearchResult(total, hits, facets, cursor)

    def similar(
        self, kind: str, object_id: int, document: dict, limit: int, valid_on: int | None = None
    ) -> list[Hit]:
        like = {name: document[name] for name, _b in TEXT_FIELDS if document.get(name)}
        if not like:
            return []
        # The same date filter as a search: offers past their end date are left out.
        current = self._filters(SearchQuery(kind=kind, valid_on=valid_on))
        query = {"bool": {
            "must": [{"more_like_this": {"fields": list(like), "like": [{"doc": like}],
                      "min_term_freq": 1, "min_doc_freq": 1, "max_query_terms": 25,
                      "min_word_length": 2}}],
            "filter": current,
            "must_not": [{"ids": {"values": [str(object_id)]}}]}}  # fmt: skip
        response = self._read(kind, {"query": query, "size": limit})
        if response is None:
            return []
        return [
            Hit(
                id=int(r["_source"]["id"]),
                score=r.get("_score"),
                data=r["_source"].get("data") or {},
            )
            for r in response["hits"]["hits"]
        ]
