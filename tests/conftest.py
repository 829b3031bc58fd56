"""Fixtures for every package's tests: one app and schema per run, one rolled-back transaction per test.

The suite runs on SQLite; with TEST_DATABASE_URL set (CI exports the local PostgreSQL) the same
tests run against that database instead.
"""

from __future__ import annotations

import collections.abc
import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import g, request_finished, request_started
from flask_migrate import upgrade
from sqlalchemy.orm import scoped_session, sessionmaker

from marketplace.app import create_app
from marketplace.core import clock, jobs, mail
from marketplace.core.extensions import db, limiter
from tests import factories
from tests.clients import BrowserClient


class _TestSession(scoped_session):
    """The request's teardown rolls back what it left unfinished instead of closing the session,
    so objects a test holds stay usable across requests (everything lives in the test's transaction)."""

    def remove(self) -> None:
        if self.registry.has():
            self.registry().rollback()


def _reset_schema(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory):
    instance = tmp_path_factory.mktemp("instance")
    database_url = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{instance / 'test.db'}"
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(instance),
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "UPLOAD_DIR": str(instance / "uploads"),
            "SERVER_NAME": "market.test",
            "MAIL_URL": "",
        }
    )
    application.test_client_class = BrowserClient
    with application.app_context():
        _reset_schema(db.engine)
        upgrade(directory=str(Path(__file__).resolve().parents[1] / "migrations"))
    return application


def _start_of_request(sender, **_extra) -> None:
    """What the test set up before a request is in the database for that request, as in life."""
    db.session.commit()


def _end_of_request(sender, **_extra) -> None:
    """Requests in tests share the test's app context; give each the clean end it has in
    production: unfinished work rolled back and per-request globals (the signed-in user) dropped."""
    db.session.rollback()
    for name in list(vars(g)):
        delattr(g, name)


@pytest.fixture(autouse=True)
def _db_transaction(app):
    """Everything a test writes, the app's commits included, is rolled back afterwards."""
    ctx = app.app_context()
    ctx.push()
    connection = db.engine.connect()
    transaction = connection.begin()
    original = db.session
    db.session = _TestSession(
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=True
        )
    )
    limiter.reset()
    mail.outbox_log.clear()
    request_started.connect(_start_of_request, app)
    request_finished.connect(_end_of_request, app)
    try:
        yield
    finally:
        request_started.disconnect(_start_of_request, app)
        request_finished.disconnect(_end_of_request, app)
        db.session.registry().close()
        db.session = original
        transaction.rollback()
        connection.close()
        clock.reset()
        ctx.pop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def curl(app):
    """A client without a browser (a script, an ERP, curl): it keeps no cookies."""
    return app.test_client(use_cookies=False)


@pytest.fixture
def company_a():
    return factories.company(name="Alpha Steel", country="PL", city="Poznań")


@pytest.fixture
def company_b():
    return factories.company(name="Beta Chemicals", country="DE", city="Leipzig")


@pytest.fixture
def owner_a(company_a):
    return factories.user(company_a, role="owner", email="owner@alpha.example")


@pytest.fixture
def viewer_a(company_a):
    return factories.user(company_a, role="viewer", email="viewer@alpha.example")


@pytest.fixture
def owner_b(company_b):
    return factories.user(company_b, role="owner", email="owner@beta.example")


@pytest.fixture
def operator():
    return factories.operator()


@pytest.fixture
def client_a(app, owner_a):
    return app.test_client(user=owner_a)


@pytest.fixture
def client_b(app, owner_b):
    return app.test_client(user=owner_b)


@pytest.fixture
def operator_client(app, operator):
    return app.test_client(user=operator)


@pytest.fixture
def api_a(owner_a):
    return factories.bearer(owner_a)


@pytest.fixture
def api_b(owner_b):
    return factories.bearer(owner_b)


@pytest.fixture
def api_operator(operator):
    return factories.bearer(operator)


class _SentMail(collections.abc.Sequence):
    """The log of sent messages, read after the background worker has run the waiting jobs
    (services queue mail; in a served app the worker thread sends it right after the commit)."""

    def _messages(self) -> list:
        jobs.run_pending()
        return mail.outbox_log

    def __getitem__(self, index):
        return self._messages()[index]

    def __len__(self) -> int:
        return len(self._messages())

    def __eq__(self, other: object) -> bool:
        return list(self._messages()) == other


@pytest.fixture
def sent_mail():
    """Messages the app 'sent' on the embedded default (printed to the log)."""
    return _SentMail()


@pytest.fixture
def committed_session(app):
    """Threads cannot share the usual per-test transaction: a concurrency test commits its own
    data through sessions of its own, and its data is removed afterwards (only from tables that
    were empty before). PostgreSQL only: its row locks are what such tests check."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("concurrency is checked on PostgreSQL (set TEST_DATABASE_URL)")
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.connect() as conn:
        # table names come from our own metadata, not from input
        empty = [
            t
            for t in tables
            if conn.execute(sa.text(f'SELECT 1 FROM "{t}" LIMIT 1')).first() is None  # noqa: S608
        ]
    original = db.session
    db.session = scoped_session(sessionmaker(bind=db.engine, expire_on_commit=False))
    try:
        yield
    finally:
        db.session.remove()
        db.session = original
        with db.engine.begin() as conn:
            conn.execute(sa.text("TRUNCATE " + ", ".join(f'"{t}"' for t in empty) + " CASCADE"))
