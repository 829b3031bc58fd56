"""Background jobs: stored with the change, retried with backoff, never lost, run once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from tests.components import unavailable

calls: list[dict] = []
failures: dict[str, int] = {"left": 0}


def record(payload: dict) -> None:
    if failures["left"] > 0:
        failures["left"] -= 1
        raise ConnectionError("service down")
    calls.append(payload)


@pytest.fixture(autouse=True)
def _reset():
    jobs.register("tests.record", record)  # a job of this test module only
    calls.clear()
    failures["left"] = 0


def _job(job_id: int) -> jobs.Job:
    db.session.expire_all()
    return db.session.get(jobs.Job, job_id)


def test_a_job_rolled_back_with_its_change_never_runs():
    jobs.enqueue("tests.record", {"n": 1})
    db.session.rollback()
    assert jobs.run_pending() == 0 and calls == []


def test_a_failing_job_is_retried_with_backoff_until_it_succeeds():
    clock.freeze(dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC))
    failures["left"] = 2
    job = jobs.enqueue("tests.record", {"n": 2})
    db.session.commit()
    assert jobs.run_pending() == 1
    failed = _job(job.id)
    assert (
        failed.status == "pending" and failed.attempts == 1 and "service down" in failed.last_error
    )
    assert failed.run_at == clock.now() + dt.timedelta(seconds=30)
    assert jobs.run_pending() == 0  # not due yet
    clock.advance(dt.timedelta(seconds=31))
    assert jobs.run_pending() == 1 and _job(job.id).run_at == clock.now() + dt.timedelta(minutes=1)
    clock.advance(dt.timedelta(minutes=2))
    jobs.run_pending()
    assert _job(job.id).status == "done" and calls == [{"n": 2}]


def test_a_job_that_keeps_failing_is_kept_and_can_be_queued_again():
    failures["left"] = 100
    job = jobs.enqueue("tests.record", {"n": 3}, max_attempts=2)
    db.session.commit()
    jobs.run_pending()
    clock.advance(dt.timedelta(hours=2))
    jobs.run_pending()
    assert _job(job.id).status == "failed"
    failures["left"] = 0
    assert jobs.retry_failed() == 1
    jobs.run_pending()
    assert _job(job.id).status == "done" and calls == [{"n": 3}]


def test_a_job_runs_at_its_time_and_a_key_enqueues_once():
    first = jobs.enqueue(
        "tests.record", {"n": 4}, run_at=clock.now() + dt.timedelta(hours=1), key="k1"
    )
    again = jobs.enqueue(
        "tests.record", {"n": 5}, run_at=clock.now() + dt.timedelta(hours=1), key="k1"
    )
    db.session.commit()
    assert first.id == again.id
    assert jobs.run_pending() == 0
    clock.advance(dt.timedelta(hours=1))
    assert jobs.run_pending() == 1 and calls == [{"n": 4}]


def test_a_job_is_claimed_once_and_a_crashed_run_is_taken_over_after_its_lease():
    job = jobs.enqueue("tests.record", {"n": 6})
    db.session.commit()
    assert jobs._claim(job.id, "worker-1") is True
    assert jobs._claim(job.id, "worker-2") is False  # running elsewhere
    clock.advance(jobs.LEASE + dt.timedelta(seconds=1))
    assert jobs.run_pending() == 1 and calls == [{"n": 6}]
    assert _job(job.id).attempts == 2


def test_unknown_job_names_are_refused():
    with pytest.raises(LookupError):
        jobs.enqueue("tests.nobody-handles-this")
    assert db.session.execute(sa.select(sa.func.count()).select_from(jobs.Job)).scalar_one() == 0


def test_the_cli_runs_due_jobs(app):
    jobs.enqueue("tests.record", {"n": 7})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "1 jobs run" in result.output and calls == [{"n": 7}]


def test_with_redis_a_commit_wakes_the_workers(app):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"no Redis at {url}: {exc}")
    client.delete(jobs.WAKE_KEY)
    app.config["REDIS_URL"] = url
    try:
        jobs.enqueue("tests.record", {"n": 8})
        assert client.llen(jobs.WAKE_KEY) == 0  # nothing before the commit
        db.session.commit()
        assert client.blpop([jobs.WAKE_KEY], timeout=2) is not None
    finally:
        app.config["REDIS_URL"] = ""
        client.delete(jobs.WAKE_KEY)


def test_on_sqlite_the_worker_waits_for_requests_in_flight():
    """The gate the embedded worker uses: a job never writes between a request's read and write."""
    gate = jobs.RequestGate()
    order: list[str] = []
    gate.enter_request()

    def worker() -> None:
        with gate.exclusive():
            order.append("job")

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join(timeout=0.2)
    assert order == [] and thread.is_alive()  # waits for the request
    order.append("request done")
    gate.leave_request()
    thread.join(timeout=2)
    assert order == ["request done", "job"]
