"""The embedded backend shares one index folder between processes (web, worker, reindex).

Two TantivyBackend objects on one folder stand for two processes: each keeps its own open index
and notices the other's reindex through the pointer file, as separate processes do.
"""

from __future__ import annotations

from search.backends.tantivy_backend import TantivyBackend
from search.query import OFFERS, SearchQuery


def _doc(object_id: int, title: str) -> dict:
    return {"id": object_id, "title_t": title, "data": {"id": object_id, "title": title}}


def _ids(backend: TantivyBackend, text: str) -> list[int]:
    backend._slot(OFFERS).index.reload()
    return sorted(h.id for h in backend.search(SearchQuery(kind=OFFERS, text=text)).hits)


def test_a_change_shipped_right_after_another_process_reindexes_is_kept(tmp_path):
    web, reindexer = TantivyBackend(tmp_path), TantivyBackend(tmp_path)
    web.upsert(OFFERS, [_doc(1, "steel")])
    assert _ids(web, "steel") == [1]

    reindexer.rebuild(OFFERS, [[_doc(1, "steel"), _doc(2, "steel")]], lambda n: None)
    web.upsert(
        OFFERS, [_doc(3, "steel")]
    )  # within a second: web's searches still use the old index

    assert _ids(reindexer, "steel") == [1, 2, 3]
    assert _ids(web, "steel") == [1, 2, 3]
