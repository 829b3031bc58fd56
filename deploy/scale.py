"""`make run-scale`: the scale mode on this machine, prepared once, started together, stopped together.

PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/marketplace, created when
missing), Redis (REDIS_URL, default redis://127.0.0.1:6379/0), WEB_WORKERS gunicorn web processes
(4), JOB_WORKERS `flask jobs worker` processes (2) and SEARCH_WORKERS `flask search worker`
processes (1). Search runs on Elasticsearch when ELASTICSEARCH_URL is given, on tantivy otherwise.
WEB_HOST and PORT as for `make run`; INSTANCE_PATH defaults to instance/scale (its own secret key,
uploads and tantivy index, apart from `make run`'s SQLite market).

Tantivy and several processes: any number of processes may read one index folder (each reopens
it when the pointer file moves and sees new commits), but only one may write to it at a time
(tantivy's writer lock), and two writers shipping the same offer could land an older version
last. So on tantivy the web processes never write (SEARCH_SYNC=worker) and exactly one
`flask search worker` ships the changes, whatever SEARCH_WORKERS says.

Ctrl-C (or SIGTERM) stops every process: each gets SIGTERM (gunicorn ends its live streams and
finishes requests, a job worker finishes its job), and whatever still runs after GRACE seconds is
killed. If one process dies, the others are stopped too, so nothing half-running is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import psycopg
import redis
from psycopg import sql
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/marketplace"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
GRACE = 15.0  # seconds between SIGTERM and SIGKILL; above gunicorn's graceful_timeout (10)


@dataclass(frozen=True)
class Process:
    name: str
    argv: list[str]


def _count(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name) or str(default)
    if not raw.isdigit() or int(raw) < 1:
        raise SystemExit(f"run-scale: {name} must be a whole number of at least 1, not {raw!r}.")
    return int(raw)


def scale_env(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment every process of the scale mode runs with."""
    env = dict(environ)
    env["DATABASE_URL"] = environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not env["DATABASE_URL"].startswith(("postgresql://", "postgres://")):
        raise SystemExit(
            "run-scale: DATABASE_URL must be a postgresql:// URL (make run is SQLite)."
        )
    env["REDIS_URL"] = environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    env["INSTANCE_PATH"] = environ.get("INSTANCE_PATH") or str(ROOT / "instance" / "scale")
    if environ.get("ELASTICSEARCH_URL"):
        env.setdefault("SEARCH_BACKEND", "elasticsearch")
    else:
        env["SEARCH_BACKEND"] = "tantivy"
        env["SEARCH_SYNC"] = "worker"  # the one search worker is the index's only writer
    env["WEB_WORKERS"] = str(_count(environ, "WEB_WORKERS", 4))
    env.setdefault("FLASK_APP", "wsgi.py")
    env["PYTHONUNBUFFERED"] = "1"  # lines reach the terminal as they are written
    return env


def processes(env: Mapping[str, str]) -> list[Process]:
    flask = [sys.executable, "-m", "flask"]
    jobs = _count(env, "JOB_WORKERS", 2)
    searchers = _count(env, "SEARCH_WORKERS", 1)
    if env["SEARCH_BACKEND"] == "tantivy" and searchers > 1:
        print(f"run-scale: SEARCH_WORKERS={searchers} ignored: tantivy takes one writer; 1 runs.")
        searchers = 1
    web = [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py", "wsgi:app"]
    return (
        [Process("web", web)]
        + [Process(f"jobs-{n}", [*flask, "jobs", "worker"]) for n in range(1, jobs + 1)]
        + [Process(f"search-{n}", [*flask, "search", "worker"]) for n in range(1, searchers + 1)]
    )


def ensure_database(url: str) -> None:
    """Create the database when the server answers but does not have it yet."""
    target = make_url(url)
    server = target.set(drivername="postgresql", database="postgres")
    try:
        with psycopg.connect(
            server.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
        ) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (target.database,)
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(target.database)))
                print(f"run-scale: created database {target.database}")
    except psycopg.Error as exc:
        raise SystemExit(f"run-scale: PostgreSQL at {target.host}:{target.port} — {exc}") from exc


def check_redis(url: str) -> None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        raise SystemExit(f"run-scale: no Redis at {url} — {exc}") from exc


def prepare(env: Mapping[str, str]) -> None:
    """Migrations, the category tree, the demo market (once) and a fresh index, before serving."""
    for args in (
        ["db", "upgrade"],
        ["listings", "load-categories"],
        ["seed-demo", "--if-empty"],
        # Built from the database each start: the index is then right for this database even if
        # the database was replaced meanwhile (and a demo market's index takes seconds).
        ["search", "reindex"],
    ):
        subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, check=True)


def _relay(name: str, stream, lock: threading.Lock) -> None:
    for line in stream:
        with lock:
            sys.stdout.write(f"{name:<9}| {line}")
            sys.stdout.flush()


def run_together(
    commands: Sequence[Process],
    env: Mapping[str, str],
    stop: threading.Event,
    *,
    grace: float = GRACE,
) -> int:
    """Run the commands until stop is set or one of them ends, then stop them all.

    Each runs in a session of its own, so the terminal's Ctrl-C reaches only this supervisor,
    which stops them in order. Returns 0 after a requested stop, else the first ended one's code
    (1 when that was 0: a server is not supposed to end by itself)."""
    lock = threading.Lock()
    running: list[tuple[Process, subprocess.Popen]] = []
    ended: tuple[Process, int] | None = None
    try:
        for command in commands:
            child = subprocess.Popen(
                command.argv, cwd=ROOT, env=dict(env), start_new_session=True,
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            )  # fmt: skip
            running.append((command, child))
            threading.Thread(
                target=_relay, args=(command.name, child.stdout, lock), daemon=True
            ).start()
        while not stop.wait(0.2):
            ended = next(((c, p.returncode) for c, p in running if p.poll() is not None), None)
            if ended is not None:
                print(f"run-scale: {ended[0].name} ended with code {ended[1]}; stopping the rest")
                break
    finally:
        _stop_all([child for _command, child in running], grace)
    if ended is None:
        return 0
    return ended[1] or 1


def _signal_group(child: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, sig)


def _stop_all(children: list[subprocess.Popen], grace: float) -> None:
    for child in children:
        if child.poll() is None:
            # To the process itself: gunicorn's master then stops its workers in order (workers
            # signalled beside it could be replaced by new ones before the master sees the stop).
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in children:
        try:
            child.wait(timeout=max(deadline - time.monotonic(), 0))
        except subprocess.TimeoutExpired:
            _signal_group(child, signal.SIGKILL)  # the whole group: gunicorn's workers too
            child.wait()


def main() -> int:
    env = scale_env(os.environ)
    commands = processes(env)
    ensure_database(env["DATABASE_URL"])
    check_redis(env["REDIS_URL"])
    prepare(env)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_args: stop.set())
    address = f"http://{env.get('WEB_HOST') or '127.0.0.1'}:{env.get('PORT') or 5000}"
    print(
        f"run-scale: serving {address} with {env['WEB_WORKERS']} web workers, "
        f"{sum(c.name.startswith('jobs') for c in commands)} job and "
        f"{sum(c.name.startswith('search') for c in commands)} search workers "
        f"({env['SEARCH_BACKEND']}); Ctrl-C stops them all."
    )
    code = run_together(commands, env, stop)
    print("run-scale: stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
