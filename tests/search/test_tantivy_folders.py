"""The embedded backend shares one index folder between processes (web, worker, reindex).

Two TantivyBackend objects on one folder stand for two processes: each keeps its own open index
and notices the other's reindex through the pointer file, as separate processes do.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from marketplace.core.extensions import db
from search.backends.tantivy_backend import BUILDING, TantivyBackend
from search.query import OFFERS, SearchQuery
from tests.search import factories as f


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


def _folders(root) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.is_dir() and p.name.startswith("offers-v"))


def test_repeated_reindexes_leave_only_the_current_folder(app, install_backend, tmp_path):
    root = tmp_path / "index"
    TantivyBackend(root).ensure()  # the web process created the first, empty index
    try:
        f.offer(f.supplier("Folder Metals"), "Steel rods")
        runner = app.test_cli_runner()
        for _run in range(3):  # each `flask search reindex` is a process of its own
            install_backend(TantivyBackend(root))
            result = runner.invoke(args=["search", "reindex", "--type", "offers"])
            assert result.exit_code == 0, result.output
        current = (root / "offers.current").read_text().strip()
        assert _folders(root) == [current]
        assert _ids(TantivyBackend(root), "steel rods") != []
    finally:
        db.session.rollback()


def test_a_folder_another_rebuild_is_filling_is_kept_and_a_crashed_ones_removed(tmp_path):
    web = TantivyBackend(tmp_path)
    web.upsert(OFFERS, [_doc(1, "steel")])
    filling = tmp_path / "offers-v1"  # another process's rebuild, under way
    filling.mkdir()
    (filling / BUILDING).write_text(str(os.getppid()))
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()  # reaped: its id names no process now
    crashed = tmp_path / "offers-v2"  # a rebuild whose process died
    crashed.mkdir()
    (crashed / BUILDING).write_text(str(ended.pid))

    web.rebuild(OFFERS, [[_doc(1, "steel"), _doc(2, "steel")]], lambda n: None)

    current = (tmp_path / "offers.current").read_text().strip()
    assert _folders(tmp_path) == sorted([current, "offers-v1"])
    assert _ids(web, "steel") == [1, 2]


def test_a_failed_rebuild_leaves_no_folder_and_the_old_index_answering(tmp_path):
    web = TantivyBackend(tmp_path)
    web.upsert(OFFERS, [_doc(1, "steel")])
    before = _folders(tmp_path)

    def broken():
        yield [_doc(2, "steel")]
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        web.rebuild(OFFERS, broken(), lambda n: None)
    assert _folders(tmp_path) == before
    assert _ids(web, "steel") == [1]
