"""Listings test setup: each request of a test finds its own user (bearer, session or none)."""

from __future__ import annotations

import pytest
from flask import g, request_started
from flask_login.utils import _create_identifier

from marketplace.core.extensions import db


def _forget_user(sender, **extra) -> None:
    # The shared fixture keeps one app context for the whole test, so flask-login's per-request
    # cache (g._login_user) would otherwise carry the first caller into every later request.
    g.pop("_login_user", None)


@pytest.fixture(autouse=True)
def _fresh_user_per_request(app):
    request_started.connect(_forget_user, app)
    yield
    request_started.disconnect(_forget_user, app)


@pytest.fixture
def signed_in(app):
    """A browser signed in as the person. FlaskLoginClient alone leaves out the session
    identifier that "strong" session protection checks, which would sign the person out.

    What the test built so far is committed (a savepoint inside the test's transaction, still
    rolled back at the end) so that a view rolling back a failed form does not take the person
    and their company with it."""

    def make(person):
        db.session.commit()
        browser = app.test_client(user=person)
        with app.test_request_context(environ_base=browser.environ_base):
            identifier = _create_identifier()
        with browser.session_transaction() as session:
            session["_id"] = identifier
        return browser

    return make
