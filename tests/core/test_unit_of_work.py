"""One edge ends a unit of work: it commits what succeeded, rolls back what failed, and a writer that
lost a race with another one is told to try again (409, or 503 with Retry-After), never a 500."""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core import jobs, uow
from marketplace.core.db import configure_sqlite
from marketplace.core.errors import ConcurrentWrite, ValidationError
from marketplace.core.extensions import db
from marketplace.core.jobs import Job
from tests.accounts.test_signup import SIGNUP_FORM

SIGNUP_JSON = {
    "company": {"name": "Racing Pallets", "country": "SE"},
    "user": {"email": "astrid@nordic-pallets.example", "password": "Pallet-Stack-42",
             "full_name": "Astrid Lind"},
}  # fmt: skip


def _jobs_named(name: str) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Job).where(Job.name == name)
    ).scalar_one()


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


def test_what_the_block_did_is_committed(app):
    with uow.unit_of_work():
        db.session.add(Job(name="tests.kept"))
    db.session.rollback()  # nothing left to undo: the unit committed
    assert _jobs_named("tests.kept") == 1


def test_a_failing_block_leaves_nothing_and_the_error_goes_on(app):
    with pytest.raises(ValidationError), uow.unit_of_work():
        db.session.add(Job(name="tests.dropped"))
        db.session.flush()
        raise ValidationError({"name": ["No."]})
    assert _jobs_named("tests.dropped") == 0


def test_a_unit_never_opens_inside_another(app):
    with uow.unit_of_work():
        db.session.add(Job(name="tests.outer"))
        with pytest.raises(RuntimeError), uow.unit_of_work():
            pass
    assert _jobs_named("tests.outer") == 1  # the outer unit still ends once, as it should


def test_ending_a_read_refuses_to_drop_changes(app):
    """end_read() closes a read before a provider call; it never silently drops a change."""
    db.session.add(Job(name="tests.unsaved"))
    with pytest.raises(RuntimeError, match="after changes"):
        uow.end_read()
    with uow.unit_of_work(), pytest.raises(RuntimeError, match="inside a unit of work"):
        uow.end_read()
    assert _jobs_named("tests.unsaved") == 1  # the unit it stood in kept it
    uow.end_read()  # after a read alone: closed
    assert not db.session().in_transaction()


def test_a_slot_taken_twice_is_a_concurrent_write_and_nothing_is_kept(app):
    with pytest.raises(ConcurrentWrite) as caught, uow.unit_of_work():
        db.session.add(Job(name="tests.race", key="one-slot"))
        db.session.add(Job(name="tests.race", key="one-slot"))
    assert caught.value.status == 409
    assert isinstance(caught.value.__cause__, sa.exc.IntegrityError)
    assert _jobs_named("tests.race") == 0


def test_a_broken_row_stays_a_server_error(app):
    """A NOT NULL violation is a bug of ours, not a race: it is not dressed up as a conflict."""
    with pytest.raises(sa.exc.IntegrityError), uow.unit_of_work():
        db.session.execute(sa.insert(Job).values(name=None))


def test_a_job_is_a_unit_of_work_of_its_own(app, monkeypatch):
    """What a job's handler wrote commits with its "done"; a failing run keeps none of it, and a
    lost race is recorded like any failure and tried again."""

    def write_twice(payload: dict) -> None:
        db.session.add(Job(name="tests.written", key=payload["first"], status="done"))
        db.session.add(Job(name="tests.written", key=payload["second"], status="done"))

    monkeypatch.setitem(jobs._handlers, "tests.write", write_twice)
    clashing = jobs.enqueue("tests.write", {"first": "same", "second": "same"})
    fine = jobs.enqueue("tests.write", {"first": "a", "second": "b"})
    db.session.commit()
    assert jobs.run_pending() == 2
    db.session.expire_all()
    assert db.session.get(Job, fine.id).status == "done"
    failed = db.session.get(Job, clashing.id)
    assert failed.status == "pending" and "ConcurrentWrite" in failed.last_error
    assert _jobs_named("tests.written") == 2  # the fine job's two rows, none of the other's


# ------------------------------------------------------------- a database busy with another writer


@pytest.fixture
def locked_database(app):
    """SQLite: this test's requests get a connection of their own, while the test's own connection
    holds the write lock (its transaction began with BEGIN IMMEDIATE), as a long write of another
    process would. Their wait for the lock is cut from 5 s to 50 ms so the test is quick."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the write lock of a whole database is SQLite's")
    engine = sa.create_engine(db.engine.url)
    configure_sqlite(engine)

    @sa.event.listens_for(engine, "connect")
    def _impatient(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA busy_timeout=50")

    original = db.session
    db.session = scoped_session(sessionmaker(bind=engine))
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        engine.dispose()


def test_an_api_write_on_a_locked_database_answers_503_with_retry_after(client, locked_database):
    response = client.post("/api/v1/auth/signup", json=SIGNUP_JSON)
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1  # the rate limit's window may say later
    assert "Try again in a moment" in response.json["detail"]


def test_a_page_write_on_a_locked_database_shows_the_error_page(client, locked_database):
    response = client.post("/signup", data=SIGNUP_FORM)
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
    assert "Try again in a moment" in response.text


def test_a_lock_met_outside_a_unit_of_work_answers_the_same(client, locked_database):
    """Finding the token's person is the request's first read, before any unit of work."""
    response = client.get("/api/v1/auth/tokens", headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"


# ------------------------------------------------------------- a race with another writer (PostgreSQL)


def _waiting_on_a_lock(timeout: float = 10.0) -> bool:
    with db.engine.connect() as conn:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            waiting = conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            ).scalar_one()
            conn.rollback()
            if waiting:
                return True
            time.sleep(0.02)
    return False


def _race_sign_up(app, send) -> object:
    """Another sign-up with the same address is written but not yet committed when this one
    checks the address (so the check passes); this one's insert then waits on the unique index,
    and fails once the other commits."""
    other = Session(db.engine)
    other.add(
        User(
            email="astrid@nordic-pallets.example",
            password_hash="x",
            full_name="First",
            is_operator=True,
        )
    )  # a person without a company: the least to write
    other.flush()
    answers: list = []

    def sign_up() -> None:
        with app.app_context():
            try:
                answers.append(send(app.test_client()))
            finally:
                db.session.remove()

    thread = threading.Thread(target=sign_up)
    thread.start()
    try:
        assert _waiting_on_a_lock(), "the second sign-up never waited for the first"
        other.commit()
    finally:
        other.close()
        thread.join(timeout=30)
    return answers[0]


def test_an_api_sign_up_losing_a_race_answers_409(app, committed_session):
    response = _race_sign_up(app, lambda c: c.post("/api/v1/auth/signup", json=SIGNUP_JSON))
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert "Reload and try again" in response.json["detail"]
    assert _count(Company) == 0  # the loser's company went with its rollback
    assert _count(User) == 1


def test_a_page_sign_up_losing_a_race_shows_the_error_page(app, committed_session):
    response = _race_sign_up(app, lambda c: c.post("/signup", data=SIGNUP_FORM))
    assert response.status_code == 409
    assert "Reload and try again" in response.text
    assert _count(Company) == 0
