"""run-scale's supervisor: its processes start together and stop together, and none is left behind."""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid

import psycopg
import pytest
from psycopg import sql
from sqlalchemy.engine import make_url

from deploy import scale

ENV = dict(os.environ)


def python(name: str, code: str) -> scale.Process:
    return scale.Process(name, [sys.executable, "-c", code])


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


SERVE = "import os, time\nprint('pid', os.getpid(), flush=True)\nwhile True: time.sleep(0.1)"


def started_pids(capsys, count: int) -> list[int]:
    deadline = time.monotonic() + 10
    pids: list[int] = []
    while len(pids) < count and time.monotonic() < deadline:
        time.sleep(0.1)
        out = capsys.readouterr().out
        pids += [int(line.split()[-1]) for line in out.splitlines() if " pid " in line]
    return pids


def test_ctrl_c_stops_every_process(capsys):
    stop = threading.Event()
    result: list[int] = []
    runner = threading.Thread(
        target=lambda: result.append(
            scale.run_together([python("web", SERVE), python("jobs-1", SERVE)], ENV, stop)
        )
    )
    runner.start()
    pids = started_pids(capsys, 2)
    assert len(pids) == 2 and all(alive(pid) for pid in pids)
    stop.set()  # what the SIGINT handler of main() does
    runner.join(20)
    assert result == [0]
    assert not any(alive(pid) for pid in pids)


def test_one_process_dying_stops_the_others(capsys):
    code = scale.run_together(
        [python("web", SERVE), python("jobs-1", "import time; time.sleep(1); raise SystemExit(3)")],
        ENV,
        threading.Event(),
    )
    assert code == 3
    output = capsys.readouterr().out
    assert "jobs-1 ended with code 3" in output
    [pid] = [int(line.split()[-1]) for line in output.splitlines() if line.startswith("web")]
    assert not alive(pid)


def test_a_process_ignoring_sigterm_is_killed_after_the_grace(capsys):
    stubborn = "import signal, os, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n" + SERVE
    stop = threading.Event()
    threading.Timer(1.5, stop.set).start()
    started = time.monotonic()
    assert scale.run_together([python("web", stubborn)], ENV, stop, grace=1.0) == 0
    assert time.monotonic() - started < 10
    [pid] = [
        int(line.split()[-1]) for line in capsys.readouterr().out.splitlines() if " pid " in line
    ]
    assert not alive(pid)


def test_each_line_names_its_process(capsys):
    scale.run_together([python("search-1", "print('shipped 3 changes')")], ENV, threading.Event())
    assert "search-1 | shipped 3 changes" in capsys.readouterr().out


def test_tantivy_gets_one_search_writer_and_web_processes_only_read(capsys):
    env = scale.scale_env({"SEARCH_WORKERS": "3", "JOB_WORKERS": "2", "PATH": os.environ["PATH"]})
    assert env["SEARCH_BACKEND"] == "tantivy" and env["SEARCH_SYNC"] == "worker"
    assert env["DATABASE_URL"] == scale.DEFAULT_DATABASE_URL
    assert env["REDIS_URL"] == scale.DEFAULT_REDIS_URL and env["WEB_WORKERS"] == "4"
    names = [p.name for p in scale.processes(env)]
    assert names == ["web", "jobs-1", "jobs-2", "search-1"]
    assert "tantivy takes one writer" in capsys.readouterr().out


def test_elasticsearch_takes_as_many_search_workers_as_asked():
    env = scale.scale_env({"ELASTICSEARCH_URL": "http://127.0.0.1:9200", "SEARCH_WORKERS": "2"})
    assert env["SEARCH_BACKEND"] == "elasticsearch" and "SEARCH_SYNC" not in env
    assert [p.name for p in scale.processes(env)][-2:] == ["search-1", "search-2"]


@pytest.mark.parametrize(
    "bad", [{"WEB_WORKERS": "0"}, {"JOB_WORKERS": "many"}, {"DATABASE_URL": "sqlite:///x.db"}]
)
def test_bad_settings_are_refused_before_anything_starts(bad):
    with pytest.raises(SystemExit, match="run-scale: (WEB_WORKERS|JOB_WORKERS|DATABASE_URL)"):
        scale.processes(scale.scale_env(bad))


def test_the_database_is_created_once_when_missing():
    url = os.environ.get("TEST_DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("creating a database is checked on PostgreSQL (set TEST_DATABASE_URL)")
    name = f"scale_check_{uuid.uuid4().hex[:8]}"
    fresh = make_url(url).set(database=name).render_as_string(hide_password=False)
    admin = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        scale.ensure_database(fresh)
        scale.ensure_database(fresh)  # there already: nothing to do
        with psycopg.connect(fresh) as conn:
            assert conn.execute("SELECT current_database()").fetchone() == (name,)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
