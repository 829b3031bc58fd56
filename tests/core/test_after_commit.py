"""Work outside the database (live events, file removal, worker wake-ups) waits for a real commit."""

from __future__ import annotations

from marketplace.core.db import after_commit
from marketplace.core.extensions import db


def test_runs_once_the_transaction_commits_and_not_at_a_savepoint_release(app):
    done: list[str] = []
    session = db.session()
    with session.begin_nested():
        after_commit(session, lambda: done.append("inner"))
    assert done == []  # the savepoint was released; nothing is committed yet
    after_commit(session, lambda: done.append("outer"))
    session.commit()
    assert done == ["inner", "outer"]


def test_a_rollback_drops_the_work_and_a_rolled_back_savepoint_only_its_own(app):
    done: list[str] = []
    session = db.session()
    after_commit(session, lambda: done.append("kept"))
    savepoint = session.begin_nested()
    after_commit(session, lambda: done.append("undone"))
    savepoint.rollback()
    session.commit()
    assert done == ["kept"]

    after_commit(session, lambda: done.append("rolled back"))
    session.rollback()
    session.commit()
    assert done == ["kept"]


def test_a_key_runs_the_work_once_per_transaction(app):
    done: list[int] = []
    session = db.session()
    for n in range(3):
        after_commit(session, lambda n=n: done.append(n), key="wake")
    session.commit()
    assert done == [0]


def test_a_failing_callback_is_logged_and_the_rest_still_runs(app, caplog):
    done: list[str] = []
    session = db.session()
    after_commit(session, lambda: 1 / 0)
    after_commit(session, lambda: done.append("next"))
    session.commit()
    assert done == ["next"]
    assert "after-commit work failed" in caplog.text
