"""Background jobs: stored in the database with the change that asks for them, run by a worker, retried.

How to use it (the whole surface):

    from marketplace.core import jobs

    def send_email(payload: dict) -> None: ...      # raise to retry later; runs inside an app context
    JOB_HANDLERS = {"messaging.send_email": send_email}   # create_app registers these
                                                          # (register_job_handlers -> jobs.register)

    jobs.enqueue("messaging.send_email", {"id": 7})            # in a service; flushed, committed by the edge
    jobs.enqueue("x", {...}, run_at=moment, key="digest:7:2026-11-23")  # at a time; once per key

Embedded default: an in-process worker thread (started with the first request of a served app, never
in tests or `flask` commands) wakes up after each commit that enqueued a job and every few seconds.
With REDIS_URL set, `flask jobs worker` processes do the work (run as many as needed) and a Redis list
wakes them up at once. Either way the database row is the truth: a job enqueued in a transaction that
rolls back never exists, a crash leaves the job pending (or running with an expired lease, which is
claimed again), and a failing job is retried with exponential backoff. Tests call `run_pending()`.

Each job runs as one unit of work (marketplace.core.uow): the handler's changes commit with the
job's "done", or roll back and the job is retried. A handler that talks to something slow after
reading (an SMTP server) commits first (`uow.commit_so_far()`) and wraps the call in
`with jobs.outside_transaction():` (on SQLite the embedded worker otherwise keeps requests
waiting; see RequestGate).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import click
import redis
import sqlalchemy as sa
from flask import Flask, current_app, request
from flask.cli import AppGroup
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core import clock
from marketplace.core.db import after_commit
from marketplace.core.extensions import db
from marketplace.core.uow import unit_of_work

log = logging.getLogger("marketplace.jobs")

PENDING, RUNNING, DONE, FAILED = "pending", "running", "done", "failed"
LEASE = dt.timedelta(minutes=10)  # a running job not finished by then is taken to have crashed
MAX_BACKOFF = dt.timedelta(hours=1)
WAKE_KEY = "marketplace:jobs:wake"

Handler = Callable[[dict], None]
_handlers: dict[str, Handler] = {}
_wake = threading.Event()


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    payload: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING)
    run_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=25)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    locked_at: Mapped[dt.datetime | None]
    locked_by: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime] = mapped_column(default=clock.now)
    finished_at: Mapped[dt.datetime | None]

    __table_args__ = (
        sa.Index("ix_jobs_due", "status", "run_at"),
        sa.CheckConstraint("status in ('pending','running','done','failed')", name="status"),
    )


def register(name: str, func: Handler) -> None:
    """Name the function that runs jobs of this name (create_app does, for every package).

    Registering the same function again is harmless; another function for a taken name is a
    mistake two packages would otherwise make silently, so it raises."""
    known = _handlers.get(name)
    if known is not None and known is not func:
        raise ValueError(f"Job {name!r} already runs {known.__qualname__}.")
    _handlers[name] = func


def registered() -> frozenset[str]:
    """The job names that may be enqueued."""
    return frozenset(_handlers)


def enqueue(
    name: str,
    payload: dict | None = None,
    *,
    run_at: dt.datetime | None = None,
    key: str | None = None,
    max_attempts: int = 25,
) -> Job:
    """Add a job to the current transaction; with a key, an existing job of that key is returned."""
    if name not in _handlers:
        raise LookupError(f"No job handler registered for {name!r}.")
    if key is not None:
        existing = db.session.execute(sa.select(Job).where(Job.key == key)).scalar_one_or_none()
        if existing is not None:
            return existing
    job = Job(
        name=name,
        payload=payload or {},
        run_at=run_at or clock.now(),
        key=key,
        max_attempts=max_attempts,
    )
    db.session.add(job)
    db.session.flush()
    after_commit(db.session(), wake, key="jobs.wake")  # once per transaction, not per job
    return job


def wake() -> None:
    """Tell workers there is work: the local thread, and Redis workers when configured."""
    _wake.set()
    url = _redis_url()
    if url:
        try:
            _redis(url).lpush(WAKE_KEY, "1")
        except Exception:  # noqa: BLE001 - the poll interval picks the job up anyway
            log.warning("could not wake Redis job workers", exc_info=True)


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, ... capped at an hour."""
    return min(dt.timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def _claim(job_id: int, worker: str) -> bool:
    """Take one job with a conditional update, so two workers never run it at once."""
    moment = clock.now()
    with unit_of_work():
        result = db.session.execute(
            sa.update(Job)
            .where(
                Job.id == job_id,
                sa.or_(
                    sa.and_(Job.status == PENDING, Job.run_at <= moment),
                    sa.and_(Job.status == RUNNING, Job.locked_at < moment - LEASE),
                ),
            )
            .values(status=RUNNING, locked_at=moment, locked_by=worker, attempts=Job.attempts + 1)
            .execution_options(synchronize_session=False)
        )
    return result.rowcount == 1


def due_ids(limit: int = 50) -> list[int]:
    moment = clock.now()
    return list(
        db.session.execute(
            sa.select(Job.id)
            .where(
                sa.or_(
                    sa.and_(Job.status == PENDING, Job.run_at <= moment),
                    sa.and_(Job.status == RUNNING, Job.locked_at < moment - LEASE),
                )
            )
            .order_by(Job.run_at, Job.id)
            .limit(limit)
        ).scalars()
    )


def run_one(job_id: int, worker: str = "") -> bool | None:
    """Run one due job: True done, False failed (will retry), None not claimed.

    Each write below is the first statement of its transaction, so on SQLite it waits for the
    write lock instead of failing when another thread committed after this one started reading.
    """
    worker = worker or _worker_name()
    if not _claim(job_id, worker):
        return None
    with unit_of_work():
        job = db.session.get(Job, job_id)
        name, payload, attempts, max_attempts = (
            job.name,
            dict(job.payload or {}),
            job.attempts,
            job.max_attempts,
        )
    func = _handlers.get(name)
    try:
        with unit_of_work():  # the handler's changes and "done" commit together
            if func is None:
                raise LookupError(f"No job handler registered for {name!r}.")
            func(payload)
            _finish(job_id, status=DONE, finished_at=clock.now(), last_error="")
        return True
    except Exception:  # noqa: BLE001 - any failure (rolled back by then) is recorded and retried
        error = traceback.format_exc(limit=5)[-4000:]
        with unit_of_work():
            if attempts >= max_attempts:
                _finish(job_id, status=FAILED, last_error=error, locked_at=None)
                log.error("job %s %s failed for good: %s", job_id, name, error)
            else:
                _finish(
                    job_id,
                    status=PENDING,
                    last_error=error,
                    locked_at=None,
                    run_at=clock.now() + backoff(attempts),
                )
                log.warning("job %s %s failed (attempt %s), retrying", job_id, name, attempts)
        return False


def _finish(job_id: int, **values: Any) -> None:
    db.session.execute(
        sa.update(Job)
        .where(Job.id == job_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def run_pending(limit: int = 100, *, gate: Callable[[], Any] | None = None) -> int:
    """Run every job that is due now (tests call this); returns how many were attempted."""
    attempted = 0
    worker = _worker_name()
    gate = gate or contextlib.nullcontext
    while attempted < limit:
        with unit_of_work():  # a read of its own: each claim starts its own transaction
            ids = due_ids(min(50, limit - attempted))
        if not ids:
            break
        progressed = False
        for job_id in ids:
            with gate():
                ran = run_one(job_id, worker)
            if ran is not None:
                attempted += 1
                progressed = True
        if not progressed:
            break
    return attempted


def retry_failed() -> int:
    """Put jobs that gave up back in the queue (after fixing what made them fail)."""
    result = db.session.execute(
        sa.update(Job)
        .where(Job.status == FAILED)
        .values(status=PENDING, attempts=0, run_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


class RequestGate:
    """SQLite only: the embedded worker writes only while no request is between its reads and
    writes. SQLite fails a transaction at once ("database is locked", no busy wait) when it read
    first and another connection committed before it wrote; requests share the gate, each job
    of the worker holds it alone (waiting requests queue for those few milliseconds)."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._requests = 0
        self._worker: int | None = None
        self._worker_waiting = False

    def enter_request(self) -> None:
        with self._cond:
            while self._worker is not None or self._worker_waiting:
                self._cond.wait()
            self._requests += 1

    def leave_request(self) -> None:
        with self._cond:
            self._requests -= 1
            self._cond.notify_all()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        with self._cond:
            self._worker_waiting = True
            while self._requests or self._worker is not None:
                self._cond.wait()
            self._worker_waiting = False
            self._worker = threading.get_ident()
        try:
            yield
        finally:
            with self._cond:
                self._worker = None
                self._cond.notify_all()

    @contextlib.contextmanager
    def released(self) -> Iterator[None]:
        """Let requests run while this job waits on something slow (an SMTP server)."""
        held = self._worker == threading.get_ident()
        if held:
            with self._cond:
                self._worker = None
                self._cond.notify_all()
        try:
            yield
        finally:
            if held:
                with self._cond:
                    self._worker_waiting = True
                    while self._requests or self._worker is not None:
                        self._cond.wait()
                    self._worker_waiting = False
                    self._worker = threading.get_ident()


_gate = RequestGate()


def outside_transaction() -> contextlib.AbstractContextManager:
    """For a job handler around slow I/O after it committed: requests may write meanwhile."""
    return _gate.released()


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _redis_url() -> str:
    try:
        return current_app.config.get("REDIS_URL") or ""
    except RuntimeError:
        return ""


_redis_clients: dict[str, Any] = {}


def _redis(url: str) -> redis.Redis:
    client = _redis_clients.get(url)
    if client is None:
        client = _redis_clients[url] = redis.Redis.from_url(url)
    return client


def work(app: Flask, *, poll: float = 2.0, stop: threading.Event | None = None) -> None:
    """The worker loop: run due jobs, then sleep until woken or the poll interval passes."""
    stop = stop or threading.Event()
    url = app.config.get("REDIS_URL") or ""
    gate = _gate.exclusive if app.extensions.get("jobs_request_gate") else None
    while not stop.is_set():
        with app.app_context():
            try:
                run_pending(gate=gate)
            except Exception:  # noqa: BLE001 - a broken database must not kill the worker
                log.exception("job worker loop failed")  # each unit of work rolled back its own
            finally:
                db.session.remove()
        if url:
            try:
                _redis(url).blpop([WAKE_KEY], timeout=max(int(poll), 1))
            except Exception:  # noqa: BLE001
                time.sleep(poll)
        else:
            _wake.wait(poll)
            _wake.clear()


_thread: threading.Thread | None = None
_thread_lock = threading.Lock()


def init_app(app: Flask) -> None:
    """Start the embedded worker thread with the first request of a served app."""
    app.config.setdefault("JOBS_EMBEDDED_WORKER", not app.config.get("REDIS_URL"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite") and not app.testing:
        app.extensions["jobs_request_gate"] = _gate
        app.before_request(_enter_gate)
        app.teardown_request(_leave_gate)

    @app.before_request
    def _start_embedded_worker() -> None:
        global _thread
        if _thread is not None or app.testing or not app.config["JOBS_EMBEDDED_WORKER"]:
            return
        with _thread_lock:
            if _thread is None:
                _thread = threading.Thread(
                    target=work, args=(app,), name="jobs-worker", daemon=True
                )
                _thread.start()


_GATE_KEY = "marketplace.jobs.gate"


def _enter_gate() -> None:
    _gate.enter_request()
    request.environ[_GATE_KEY] = True


def _leave_gate(_exc: BaseException | None) -> None:
    if request.environ.pop(_GATE_KEY, False):
        _gate.leave_request()


cli = AppGroup("jobs", help="Background jobs.")


@cli.command("worker")
@click.option("--poll", default=2.0, show_default=True, help="Seconds between checks.")
def worker_command(poll: float) -> None:
    """Run jobs until stopped (start several for more throughput)."""
    click.echo(f"job worker {_worker_name()} started")
    # SIGTERM or Ctrl-C lets the job at hand finish (within a poll interval when idle) instead
    # of leaving it running until its lease expires.
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_args: stop.set())
    work(current_app._get_current_object(), poll=poll, stop=stop)  # type: ignore[attr-defined]
    click.echo(f"job worker {_worker_name()} stopped")


@cli.command("run")
def run_command() -> None:
    """Run the jobs that are due now, once."""
    click.echo(f"{run_pending(limit=10_000)} jobs run")


@cli.command("retry-failed")
def retry_failed_command() -> None:
    """Queue jobs that gave up again."""
    with unit_of_work():
        count = retry_failed()
    click.echo(f"{count} jobs queued again")
