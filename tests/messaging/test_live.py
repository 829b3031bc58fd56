"""New messages reach an open page at once: the server-sent event stream and the fan-out behind it."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
import redis

from marketplace.core import live
from marketplace.core.extensions import db
from messaging import services
from tests.components import unavailable
from tests.messaging import factories as mf


def _next_event(chunks) -> str:
    """Read the stream until a real event (not a comment or heartbeat) arrives."""
    for chunk in chunks:
        text = chunk.decode() if isinstance(chunk, bytes) else chunk
        if text.startswith("event:") or "\nevent:" in text:
            return text
    raise AssertionError("the stream ended without an event")


def test_an_open_thread_receives_the_partners_message_as_an_event(app, owner_a, company_b, owner_b):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    reader = app.test_client(user=owner_a)
    response = reader.get(f"/live?thread={thread.id}", buffered=False)
    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    chunks = response.response.__iter__()
    assert "connected" in next(chunks).decode()

    writer = app.test_client(user=owner_b)
    assert (
        writer.post(f"/messages/{thread.id}/reply", data={"body": "Answer from Beta"}).status_code
        == 302
    )

    event = _next_event(chunks)
    assert "event: " in event and f'"thread_id":{thread.id}' in event
    # the page then fetches the new message through the access-checked fragment route
    fragment = reader.get(f"/messages/{thread.id}/since?after={thread.messages[0].id}")
    assert "Answer from Beta" in fragment.text
    assert int(fragment.headers["X-Last-Message-Id"]) > thread.messages[0].id
    response.close()


def test_nothing_is_published_when_the_transaction_rolls_back(app, owner_a, company_b):
    db.session.commit()
    subscription = live.broker().subscribe([f"company:{company_b.id}"])
    try:
        mf.thread(owner_a, company_b)
        db.session.rollback()
        assert subscription.get(timeout=0.2) is None
        thread = mf.thread(owner_a, company_b)
        db.session.commit()
        channel, event, data = subscription.get(timeout=1)
        assert (channel, event, data["thread_id"]) == (
            f"company:{company_b.id}",
            "unread",
            thread.id,
        )
    finally:
        subscription.close()


def test_the_stream_ends_so_browsers_reconnect(app, owner_a):
    app.config["LIVE_STREAM_SECONDS"] = 0.2
    try:
        response = app.test_client(user=owner_a).get("/live")
        assert response.status_code == 200 and "retry: 3000" in response.text
    finally:
        app.config.pop("LIVE_STREAM_SECONDS")


def test_live_needs_sign_in(client):
    assert client.get("/live", headers={"Accept": "text/event-stream"}).status_code == 401


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.RedisError as exc:
        unavailable(f"no Redis at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_redis_broker_fans_out_across_processes(app, redis_url):
    """Two brokers stand for two processes: what one publishes, the other's subscriber receives."""
    channel = f"test:{uuid.uuid4().hex}"
    publisher, receiver = live.RedisBroker(redis_url), live.RedisBroker(redis_url)
    subscription = receiver.subscribe([channel])
    try:
        subscription.get(timeout=0.2)  # let the subscription settle
        threading.Timer(0.1, publisher.publish, args=(channel, "bid", {"amount": 100})).start()
        assert subscription.get(timeout=3) == (channel, "bid", {"amount": 100})
    finally:
        subscription.close()


def test_with_redis_configured_a_reply_reaches_the_stream(
    app, redis_url, owner_a, company_b, owner_b
):
    app.config["REDIS_URL"] = redis_url
    try:
        thread = mf.thread(owner_a, company_b)
        db.session.commit()
        response = app.test_client(user=owner_a).get(f"/live?thread={thread.id}", buffered=False)
        chunks = response.response.__iter__()
        next(chunks)
        services.post_message(owner_b, thread, {"body": "via redis"})
        db.session.commit()
        assert f'"thread_id":{thread.id}' in _next_event(chunks)
        response.close()
    finally:
        app.config["REDIS_URL"] = ""


def test_a_released_savepoint_publishes_nothing_until_the_commit(app, owner_a, company_b):
    db.session.commit()
    subscription = live.broker().subscribe([f"company:{company_b.id}"])
    try:
        with db.session.begin_nested():
            thread = mf.thread(owner_a, company_b)
        assert subscription.get(timeout=0.2) is None  # released, not committed
        db.session.commit()
        channel, _event, data = subscription.get(timeout=1)
        assert (channel, data["thread_id"]) == (f"company:{company_b.id}", thread.id)
    finally:
        subscription.close()


def test_a_stopping_server_ends_open_streams_at_once(app, owner_a, monkeypatch):
    """gunicorn calls close_streams as a worker begins to stop (deploy/gunicorn.conf.py); the
    stop then need not wait the 55 s a stream would otherwise stay open."""
    monkeypatch.setattr(live, "_closing", threading.Event())
    response = app.test_client(user=owner_a).get("/live", buffered=False)
    chunks = response.response.__iter__()
    assert "connected" in next(chunks).decode()
    threading.Timer(0.3, live.close_streams).start()
    started = time.monotonic()
    rest = b"".join(chunks)
    assert time.monotonic() - started < live.STOP_CHECK_SECONDS + 1.5
    assert b"event:" not in rest
    response.close()
