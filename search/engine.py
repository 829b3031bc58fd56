"""Chooses the backend from configuration and keeps the index in step after each committed request."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app

from marketplace.core.extensions import db
from marketplace.core.uow import unit_of_work
from search import outbox
from search.backends import SearchBackend
from search.backends.elastic import ElasticsearchBackend
from search.backends.tantivy_backend import TantivyBackend

log = logging.getLogger(__name__)
EXTENSION = "search_backend"
_pending_check = outbox.Throttle(5.0)


def make_backend(config: dict) -> SearchBackend:
    if config.get("SEARCH_BACKEND") == "elasticsearch":
        return ElasticsearchBackend(
            config["ELASTICSEARCH_URL"], prefix=config.get("SEARCH_INDEX_PREFIX", "market")
        )
    return TantivyBackend(config["SEARCH_INDEX_PATH"])


def backend() -> SearchBackend:
    app = current_app
    found = app.extensions.get(EXTENSION)
    if found is None:
        found = app.extensions[EXTENSION] = make_backend(app.config)
    return found


def use_backend(app: Flask, chosen: SearchBackend) -> None:
    """Swap the backend (tests point each case at a fresh index)."""
    app.extensions[EXTENSION] = chosen


def inline_sync(app: Flask) -> bool:
    """The embedded default ships changes in-process; at scale `flask search worker` does."""
    mode = app.config.get("SEARCH_SYNC") or (
        "inline" if app.config.get("SEARCH_BACKEND", "tantivy") == "tantivy" else "worker"
    )
    return mode == "inline"


def drain_now(batch: int = 500) -> int:
    """Ship waiting changes in a transaction of their own; a failing backend leaves them waiting."""
    try:
        with unit_of_work():
            shipped = outbox.drain(db.session, backend(), batch)
        return shipped
    except Exception:  # noqa: BLE001 - the index is never worth failing a request for (rolled back)
        log.warning("search: index update deferred; changes stay in the outbox", exc_info=True)
        return 0


def _after_request(response: Response) -> Response:
    """Ship what this request committed (and, now and then, what commands left waiting).

    Never when the request flushed work it did not commit: draining commits, and must not
    commit someone's half-done change.
    """
    session = db.session
    if session.info.get(outbox.UNCOMMITTED):
        return response
    due = session.info.pop(outbox.DUE, False)
    if not due and _pending_check.ready():
        try:
            with unit_of_work():
                due = outbox.lag(session)[0] > 0
        except Exception:  # noqa: BLE001 - a busy database fails no answered request; later ones ship
            log.warning("search: could not read the outbox lag", exc_info=True)
    if due:
        while drain_now() >= 500:
            pass
    return response


def init_app(app: Flask) -> None:
    """Ship after each request on the embedded default (the outbox's session events, which record
    the changes, are registered by create_app's register_signal_receivers)."""
    if inline_sync(app):
        app.after_request(_after_request)
