"""The embedded backend: one tantivy index folder per document type, swapped atomically on reindex."""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import tantivy
from tantivy import FieldType, Occur, Order, Query

from search.analysis import fuzziness
from search.backends import BackendUnavailable, facet_value, haversine_km, tantivy_geo
from search.backends.tantivy_geo import geo_cell
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

log = logging.getLogger(__name__)
KEYWORDS = ("category", "industry", "country", "certificate", "attrs")
INTEGERS = (
    "valid_until",
    "company_id",
    "price_eur",
    "moq",
    "lead_time",
    "newest_key",
    "price_up",
    "price_down",
)
SORT_FIELDS = {
    "newest": ("newest_key", Order.Desc),
    "price_asc": ("price_up", Order.Asc),
    "price_desc": ("price_down", Order.Desc),
}
TEXT_FIELDS = (("title_t", 3.0), ("text_t", 1.0))
WRITER_HEAP = 64_000_000
POINTER_CHECK_SECONDS = 1.0  # how soon another process's reindex is noticed
BUILDING = ".building"  # inside a folder a rebuild is filling: the builder's process id
_FACET_POOL = concurrent.futures.ThreadPoolExecutor(
    max_workers=max(2, os.cpu_count() or 2), thread_name_prefix="search-facets"
)


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("id", stored=True, indexed=True, fast=True)
    for name, _boost in TEXT_FIELDS:
        builder.add_text_field(name, tokenizer_name="terms", index_option="position")
    builder.add_text_field("cjk", tokenizer_name="terms", index_option="position")
    for name in KEYWORDS:
        builder.add_text_field(name, fast=True, tokenizer_name="raw", index_option="basic")
    builder.add_boolean_field("verified", indexed=True, fast=True)
    for name in INTEGERS:
        builder.add_integer_field(name, indexed=True, fast=True)
    builder.add_float_field("boost", fast=True)
    builder.add_text_field("geo_cell", tokenizer_name="raw", index_option="basic")
    builder.add_float_field("lat", indexed=True, fast=True)
    builder.add_float_field("lon", indexed=True, fast=True)
    builder.add_bytes_field("data", stored=True)
    return builder.build()


def _terms_analyzer() -> tantivy.TextAnalyzer:
    # Documents and queries arrive already analysed (search.analysis): split on spaces only.
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def _being_built(folder: Path) -> bool:
    """A rebuild of a living process is filling this folder (a crashed one's is left over)."""
    try:
        pid = int((folder / BUILDING).read_text().strip() or 0)
    except (FileNotFoundError, ValueError):
        return False
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, run by another user
        return True
    return True


def to_document(doc: dict) -> tantivy.Document:
    out = tantivy.Document()
    out.add_integer("id", doc["id"])
    for name in ("title_t", "text_t", "cjk"):
        if doc.get(name):
            out.add_text(name, doc[name])
    for name in KEYWORDS:
        for value in doc.get(name) or ():
            out.add_text(name, value)
    out.add_boolean("verified", bool(doc.get("verified")))
    out.add_float("boost", float(doc.get("boost", 0.0)))
    for name in INTEGERS:
        if doc.get(name) is not None:
            out.add_integer(name, int(doc[name]))
    if doc.get("lat") is not None and doc.get("lon") is not None:
        out.add_float("lat", float(doc["lat"]))
        out.add_float("lon", float(doc["lon"]))
        out.add_text("geo_cell", geo_cell(float(doc["lat"]), float(doc["lon"])))
    out.add_bytes("data", json.dumps(doc.get("data") or {}, separators=(",", ":")).encode())
    return out


class _Slot:
    """The live index of one document type and the folder it was opened from."""

    def __init__(self, index: tantivy.Index, folder: str) -> None:
        self.index = index
        self.folder = folder
        self.checked_at = time.monotonic()


class TantivyBackend:
    name = "tantivy"

    def __init__(self, root: str | os.PathLike) -> None:
        self.root = Path(root)
        self.schema = build_schema()
        self._slots: dict[str, _Slot] = {}
        self._lock = threading.RLock()

    # -- index folders --------------------------------------------------------------------------

    def _pointer(self, kind: str) -> Path:
        return self.root / f"{kind}.current"

    def _open(self, folder: Path) -> tantivy.Index:
        folder.mkdir(parents=True, exist_ok=True)
        index = tantivy.Index(self.schema, path=str(folder), reuse=True)
        index.register_tokenizer("terms", _terms_analyzer())
        return index

    def _new_folder(self, kind: str) -> Path:
        return self.root / f"{kind}-v{time.time_ns()}"

    def _slot(self, kind: str, fresh: bool = False) -> _Slot:
        """The current index, reopened when another process (a reindex) swapped the pointer.

        Searches look at the pointer at most once a second; writes (fresh) look every time, so a
        change is never written into an index another process has just replaced.
        """
        slot = self._slots.get(kind)
        now = time.monotonic()
        if slot is not None and not fresh and now - slot.checked_at < POINTER_CHECK_SECONDS:
            return slot
        pointer = self._pointer(kind)
        try:
            folder = pointer.read_text().strip()
        except FileNotFoundError:
            folder = ""
        if slot is not None and slot.folder == folder:
            slot.checked_at = now
            return slot
        with self._lock:
            slot = self._slots.get(kind)
            if slot is not None and slot.folder == folder:
                return slot
            if not folder:
                index, folder = self._start_empty(kind)
            else:
                try:
                    index = self._open(self.root / folder)
                except ValueError:  # written by an older schema: start empty, ask for a reindex
                    log.warning("search: %s has an old schema; run `flask search reindex`", folder)
                    index, folder = self._start_empty(kind)
            slot = _Slot(index, folder)
            self._slots[kind] = slot
            return slot

    def _start_empty(self, kind: str) -> tuple[tantivy.Index, str]:
        """A new, empty index made current (under the folder lock: no cleanup can take it)."""
        with self._folders_locked():
            path = self._new_folder(kind)
            index = self._open(path)
            self._swap_pointer(kind, path)
        return index, path.name

    @contextlib.contextmanager
    def _folders_locked(self) -> Iterator[None]:
        """One process at a time swaps a pointer or removes folders (an flock on the root)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".folders.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _remove_old_folders(self, kind: str) -> None:
        """Remove the folders of a kind no pointer names and no living rebuild is filling.

        Readers elsewhere that still have an old folder open keep reading it (the files stay
        until they close them) and move to the current one at their next pointer check."""
        pattern = re.compile(rf"{re.escape(kind)}-v\d+")
        with self._folders_locked():
            try:
                current = self._pointer(kind).read_text().strip()
            except FileNotFoundError:
                return
            for path in self.root.iterdir():
                if pattern.fullmatch(path.name) and path.name != current and not _being_built(path):
                    shutil.rmtree(path, ignore_errors=True)

    def _swap_pointer(self, kind: str, folder: Path) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        tmp = self.root / f".{kind}.current.{os.getpid()}"
        tmp.write_text(folder.name)
        os.replace(tmp, self._pointer(kind))

    def ensure(self) -> None:
        for kind in KINDS:
            self._slot(kind)

    # -- writes ---------------------------------------------------------------------------------

    def _write(self, kind: str, documents: list[dict], ids: list[int]) -> None:
        with self._lock:
            slot = self._slot(kind, fresh=True)
            try:
                writer = slot.index.writer(WRITER_HEAP, 1)
            except ValueError as exc:  # another process holds the writer lock
                raise BackendUnavailable(str(exc)) from exc
            for object_id in ids:
                writer.delete_documents_by_term("id", object_id)
            for doc in documents:
                writer.add_document(to_document(doc))
            writer.commit()
            writer.wait_merging_threads()
            slot.index.reload()

    def upsert(self, kind: str, documents: list[dict]) -> None:
        if documents:
            self._write(kind, documents, [d["id"] for d in documents])

    def delete(self, kind: str, ids: list[int]) -> None:
        if ids:
            self._write(kind, [], ids)

    def rebuild(
        self, kind: str, batches: Iterable[list[dict]], progress: Callable[[int], None]
    ) -> int:
        """Fill a fresh folder while the old one keeps answering, then point at the new one."""
        with self._folders_locked():  # made and marked at once: not to be removed as old meanwhile
            folder = self._new_folder(kind)
            folder.mkdir(parents=True)
            (folder / BUILDING).write_text(str(os.getpid()))
        try:
            index = self._open(folder)
            count = self._fill(index, batches, progress)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)  # a failed rebuild leaves nothing behind
            raise
        with self._lock, self._folders_locked():
            (folder / BUILDING).unlink()
            self._swap_pointer(kind, folder)
            index.reload()
            self._slots[kind] = _Slot(index, folder.name)
        self._remove_old_folders(kind)
        return count

    @staticmethod
    def _fill(
        index: tantivy.Index, batches: Iterable[list[dict]], progress: Callable[[int], None]
    ) -> int:
        writer = index.writer(512_000_000, max(1, min(4, os.cpu_count() or 1)))
        count = 0
        try:
            for batch in batches:
                for doc in batch:
                    writer.add_document(to_document(doc))
                count += len(batch)
                progress(len(batch))
        except BaseException:
            writer.rollback()
            del writer  # its threads stop and it lets go of the folder before it is removed
            raise
        writer.commit()
        writer.wait_merging_threads()
        return count

    def stats(self) -> dict[str, dict]:
        out = {}
        for kind in KINDS:
            slot = self._slot(kind)
            path = self.root / slot.folder
            size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
            out[kind] = {
                "index": slot.folder,
                "documents": slot.index.searcher().num_docs,
                "bytes": size,
            }
        return out

    # -- queries --------------------------------------------------------------------------------

    def _text_query(self, query: SearchQuery) -> Query | None:
        parsed = query.parsed
        if parsed.empty:
            return None
        s = self.schema
        musts: list[Query] = []
        for word in parsed.words:
            shoulds = []
            typed = parsed.typed.get(word, word)
            distance = fuzziness(typed)
            for field, boost in TEXT_FIELDS:
                shoulds.append(Query.boost_query(Query.term_query(s, field, word), boost))
                if distance:
                    fuzzy = Query.fuzzy_term_query(s, field, typed, distance)
                    shoulds.append(Query.boost_query(fuzzy, boost * 0.3))
            musts.append(Query.boolean_query([(Occur.Should, q) for q in shoulds]))
        for phrase in parsed.phrases:
            shoulds = [
                Query.boost_query(Query.phrase_query(s, field, phrase), boost)
                for field, boost in TEXT_FIELDS
            ]
            musts.append(Query.boolean_query([(Occur.Should, q) for q in shoulds]))
        for prefix in parsed.prefixes:
            shoulds = [
                Query.boost_query(Query.phrase_prefix_query(s, field, [prefix]), boost)
                for field, boost in TEXT_FIELDS
            ]
            musts.append(Query.boolean_query([(Occur.Should, q) for q in shoulds]))
        for gram in parsed.cjk:
            musts.append(Query.term_query(s, "cjk", gram))
        return Query.boolean_query([(Occur.Must, q) for q in musts])

    def _filters(self, query: SearchQuery) -> list[Query]:
        s = self.schema
        filters: list[Query] = []
        for field in ("category", "industry", "country", "certificate"):
            values = getattr(query, field)
            if values:
                filters.append(Query.term_set_query(s, field, list(values)))
        for key, value in query.attributes.items():
            filters.append(Query.term_query(s, "attrs", f"{key}={value}"))
        if query.verified is not None:
            filters.append(Query.term_query(s, "verified", query.verified))
        if query.company_id is not None:
            filters.append(Query.term_query(s, "company_id", query.company_id))
        if query.price_min is not None or query.price_max is not None:
            filters.append(
                Query.range_query(
                    s, "price_eur", FieldType.Integer, query.price_min, query.price_max
                )
            )
        if query.moq_max is not None:
            filters.append(Query.range_query(s, "moq", FieldType.Integer, None, query.moq_max))
        if query.lead_time_max is not None:
            filters.append(
                Query.range_query(s, "lead_time", FieldType.Integer, None, query.lead_time_max)
            )
        return filters

    def _exclusions(self, query: SearchQuery) -> list[Query]:
        """What must not match. Expired offers are few, so excluding them beats requiring the rest."""
        s = self.schema
        out = []
        if query.valid_on is not None and query.kind == OFFERS:
            out.append(
                Query.range_query(
                    s, "valid_until", FieldType.Integer, None, query.valid_on - 1,
                    use_inverted_index=True,
                )
            )  # fmt: skip
        if query.exclude_ids:
            out.append(Query.term_set_query(s, "id", query.exclude_ids))
        return out

    def _base(self, query: SearchQuery) -> Query:
        text, filters = self._text_query(query), self._filters(query)
        clauses = [(Occur.Must, Query.const_score_query(f, 0.0)) for f in filters]
        if text is not None:
            clauses.insert(0, (Occur.Must, text))
        elif not clauses:
            clauses.append((Occur.Must, Query.all_query()))
        clauses += [(Occur.MustNot, q) for q in self._exclusions(query)]
        return Query.boolean_query(clauses)

    def _facets(self, searcher: tantivy.Searcher, query: SearchQuery, base: Query) -> dict:
        if not query.facets:
            return {}
        names = term_facets(query)
        aggs = {name: {"terms": {"field": name, "size": 200}} for name in names}
        ranges = RANGE_FACETS[query.kind]
        for name, (field, bounds) in ranges.items():
            aggs[name] = range_aggregation(field, bounds)
        raw = searcher.aggregate(base, aggs)
        facets: dict[str, list[FacetBucket]] = {}
        for name in names:
            buckets = raw.get(name, {}).get("buckets", [])
            facets[name] = [
                FacetBucket(value=facet_value(b), count=b["doc_count"])
                for b in buckets
                if b["doc_count"]
            ]
        for name, (_field, bounds) in ranges.items():
            counts = [b["doc_count"] for b in raw.get(name, {}).get("buckets", [])]
            facets[name] = range_buckets(bounds, counts)
        return facets

    def _hit(self, searcher: tantivy.Searcher, address, score, distance=None) -> Hit:
        doc = searcher.doc(address)
        data = json.loads(doc.get_first("data") or b"{}")
        return Hit(id=doc.get_first("id"), score=score, data=data, distance_km=distance)

    def search(self, query: SearchQuery) -> SearchResult:
        searcher = self._slot(query.kind).index.searcher()
        sort = query.effective_sort
        base = self._base(query)
        geo = query.near is not None and (query.radius_km is not None or sort == "distance")
        if geo and query.radius_km is not None:  # a circle holds only offers with a place
            base = tantivy_geo.circle(searcher, self.schema, query.near, query.radius_km, base)
        elif geo:
            base = tantivy_geo.located(self.schema, base)
        # Facet counts are a second pass over the matches: run it on another core meanwhile
        # (tantivy lets go of the GIL while it searches; about a third off the wall time).
        counting = _FACET_POOL.submit(self._facets, searcher, query, base) if query.facets else None
        if geo and sort == "distance":
            result = self._nearest(searcher, query, base)
        else:
            result = self._hits(searcher, query, base)
        result.facets = counting.result() if counting is not None else {}
        return result

    def _nearest(self, searcher: tantivy.Searcher, query: SearchQuery, base: Query) -> SearchResult:
        """Nearest first, exactly: total counted, the page read ring by ring after the cursor."""
        state = query.cursor_state or {}
        after = tuple(state["k"]) if "k" in state else None
        total = searcher.search(base, 1, count=True).count
        page = tantivy_geo.nearest(
            searcher, self.schema, query.near, base, after, query.limit + 1, query.radius_km
        )
        hits = [self._hit(searcher, a, None, d) for d, _id, a in page[: query.limit]]
        cursor = None
        if len(page) > query.limit:
            distance, object_id, _address = page[query.limit - 1]
            cursor = encode_cursor({"s": "distance", "k": [distance, object_id]})
        return SearchResult(total, hits, {}, cursor)

    def _hits(self, searcher: tantivy.Searcher, query: SearchQuery, base: Query) -> SearchResult:
        s = self.schema
        sort = query.effective_sort
        state = query.cursor_state or {}
        limit = query.limit
        if sort in SORT_FIELDS:
            field, order = SORT_FIELDS[sort]
            total = searcher.search(base, 1, count=True).count
            paged = base
            if "k" in state:
                bound = state["k"][0]
                lower, upper = (None, bound - 1) if order == Order.Desc else (bound + 1, None)
                paged = Query.boolean_query(
                    [
                        (Occur.Must, base),
                        (Occur.Must, Query.const_score_query(
                            Query.range_query(s, field, FieldType.Integer, lower, upper), 0.0)),
                    ]
                )  # fmt: skip
            found = searcher.search(
                paged, limit + 1, count=False, order_by_field=field, order=order
            ).hits
            hits = [self._hit(searcher, a, None) for _k, a in found[:limit]]
            cursor = (
                encode_cursor({"s": sort, "k": [found[limit - 1][0], 0]})
                if len(found) > limit
                else None
            )
        else:
            offset = state.get("o", 0)
            result = searcher.search(
                base, limit + 1, count=True, offset=offset, weight_by_field="boost"
            )
            total = result.count
            found = result.hits
            hits = [self._hit(searcher, a, score) for score, a in found[:limit]]
            next_offset = offset + limit
            cursor = (
                encode_cursor({"s": sort, "o": next_offset})
                if len(found) > limit and next_offset <= MAX_RELEVANCE_OFFSET
                else None
            )
        if query.near is not None:
            self._add_distances(searcher, query, hits, found[:limit])
        return SearchResult(total, hits, {}, cursor)

    def _add_distances(self, searcher, query: SearchQuery, hits: list[Hit], found) -> None:
        addresses = [a for _k, a in found]
        try:
            lats = searcher.fast_field_values("lat", addresses)
            lons = searcher.fast_field_values("lon", addresses)
        except ValueError:  # a document without a location: no distance to show
            return
        for hit, lat, lon in zip(hits, lats, lons, strict=True):
            if lat is not None and lon is not None:
                hit.distance_km = haversine_km(query.near.lat, query.near.lon, lat, lon)

    def similar(
        self, kind: str, object_id: int, document: dict, limit: int, valid_on: int | None = None
    ) -> list[Hit]:
        searcher = self._slot(kind).index.searcher()
        fields = {name: [document[name]] for name, _b in TEXT_FIELDS if document.get(name)}
        if not fields:
            return []
        like = Query.more_like_this_document_fields_query(
            self.schema,
            fields,
            min_doc_frequency=1,
            min_term_frequency=1,
            max_query_terms=25,
            min_word_length=2,
        )
        # The same exclusions as a search: the object itself and offers past their end date.
        unwanted = SearchQuery(kind=kind, valid_on=valid_on, exclude_ids=[object_id])
        query = Query.boolean_query(
            [(Occur.Must, like), *((Occur.MustNot, q) for q in self._exclusions(unwanted))]
        )
        return [self._hit(searcher, a, score) for score, a in searcher.search(query, limit).hits]
