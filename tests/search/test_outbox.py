"""Keeping the index true: changes travel through the outbox, and only committed ones arrive."""

from __future__ import annotations

import socket

import pytest
import sqlalchemy as sa

from marketplace.core.extensions import db
from search import engine, outbox, service
from search.backends.elastic import ElasticsearchBackend
from search.models import OutboxEntry
from tests.search import factories as f


def waiting() -> list[tuple[str, int]]:
    return [
        tuple(r) for r in db.session.execute(sa.select(OutboxEntry.kind, OutboxEntry.object_id))
    ]


def test_a_change_is_recorded_in_the_same_transaction(backend):
    company = f.supplier("Outbox Co")
    offer = f.offer(company, "Copper wire")
    assert ("offer", offer.id) in waiting()
    assert ("company", company.id) in waiting()


def test_a_rolled_back_transaction_never_touches_the_index(backend, index):
    company = f.supplier("Steady")
    index()
    savepoint = db.session.begin_nested()
    f.offer(company, "Phantom anvil")
    assert any(kind == "offer" for kind, _ in waiting())
    savepoint.rollback()
    assert waiting() == []
    index()
    assert service.run(service.build_query("offers", {"q": "anvil"})).total == 0


def test_publishing_succeeds_while_the_backend_is_down(app, backend, index):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]  # closed again: nothing listens there
    down = ElasticsearchBackend(f"http://127.0.0.1:{dead_port}", prefix="down")
    engine.use_backend(app, down)
    company = f.supplier("Patient")
    offer = f.offer(company, "Brass valves")
    db.session.commit()  # the seller's publish commits whatever the index does
    assert engine.drain_now() == 0  # the backend refused; nothing lost
    assert ("offer", offer.id) in waiting()
    engine.use_backend(app, backend)
    assert index() >= 1
    assert waiting() == []
    assert [h.id for h in service.run(service.build_query("offers", {"q": "valves"})).hits] == [
        offer.id
    ]


def test_a_committed_request_is_searchable_right_after(app, backend, owner_a, client_a):
    """The embedded default drains in-process after the request that committed the change."""
    company = owner_a.company
    offer = f.offer(company, "Titanium sheet", status="draft")
    db.session.commit()
    engine.drain_now()
    offer.status = "published"
    db.session.commit()  # as the publish request would
    db.session.info[outbox.DUE] = True
    client_a.get("/search?q=titanium")  # any request ends with the drain
    found = service.run(service.build_query("offers", {"q": "titanium"}))
    assert [h.id for h in found.hits] == [offer.id]


def test_lag_reports_waiting_changes(backend):
    f.supplier("Lagging")
    count, age = outbox.lag(db.session)
    assert count >= 1 and age is not None


def test_search_while_the_backend_is_down_answers_503(app, client, backend):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead_port = sock.getsockname()[1]
    engine.use_backend(app, ElasticsearchBackend(f"http://127.0.0.1:{dead_port}", prefix="down"))
    response = client.get("/api/v1/search/offers", query_string={"q": "valves"})
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert client.get("/search", query_string={"q": "valves"}).status_code == 503
    engine.use_backend(app, backend)


def test_draining_never_commits_a_requests_unfinished_work(app, backend):
    """Draining commits; it must wait while the session holds flushed, uncommitted changes.

    The end of a request is run directly: the test client would hand the test's own setup to
    the request as committed data first (tests/conftest.py)."""
    company = f.supplier("Half Done")
    company_id = company.id
    db.session.info[outbox.DUE] = True
    with app.test_request_context("/search"):
        engine._after_request(app.response_class())
    db.session.rollback()
    assert db.session.get(type(company), company_id) is None


def test_a_released_savepoint_is_not_a_commit(app, backend):
    """Services use savepoints inside a request (placing an order, claiming an idempotency key);
    releasing one must not let the end of the request drain, and so commit, unfinished work."""
    company = f.supplier("Half Done Inside")
    company_id = company.id
    with db.session.begin_nested():
        company.description = "changed inside a savepoint"
    assert db.session.info.get(outbox.UNCOMMITTED)
    db.session.info[outbox.DUE] = True
    with app.test_request_context("/search"):
        engine._after_request(app.response_class())
    db.session.rollback()
    assert db.session.get(type(company), company_id) is None


def test_the_sync_mode_comes_from_the_environment(monkeypatch, tmp_path):
    from marketplace.app import create_app  # noqa: PLC0415

    def built(**env):
        for name in ("SEARCH_SYNC", "SEARCH_BACKEND"):
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return create_app({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "x"})

    assert engine.inline_sync(built())  # the embedded default ships changes after each request
    assert not engine.inline_sync(built(SEARCH_SYNC="worker"))  # `flask search worker` does
    assert not engine.inline_sync(built(SEARCH_BACKEND="elasticsearch"))


@pytest.fixture
def tube_offer(backend, index):
    offer = f.offer(f.supplier("Category Mill"), "Welded tube 40x40")
    index()
    yield offer
    service.forget_cached()  # category names read during the test were changed ones


def _found(**args) -> list[int]:
    return [h.id for h in service.run(service.build_query("offers", args)).hits]


def test_a_renamed_category_reaches_the_offers_in_it_and_below(tube_offer, index):
    assert _found(q="conduits") == []
    industry = f.category("metals")  # the offer's category is a child of this industry
    industry.name_en = "Metals and conduits"
    db.session.flush()
    index()
    assert _found(q="conduits") == [tube_offer.id]


def test_a_category_moved_to_another_industry_moves_its_offers(tube_offer, index):
    f.category("steel-pipes-tubes").parent_id = f.category("chemicals").id  # as load-categories
    db.session.flush()
    db.session.expire_all()  # the change is shipped after its commit, from freshly loaded rows
    index()
    assert _found(category="chemicals") == [tube_offer.id]
    assert _found(industry="chemicals") == [tube_offer.id]
    assert _found(category="metals") == []


def test_a_category_change_the_index_does_not_show_queues_nothing(tube_offer, index):
    f.category("steel-pipes-tubes").position = 99
    db.session.flush()
    assert waiting() == []
