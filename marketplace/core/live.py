"""Live updates: publish small events on named channels and stream them to browsers as server-sent events.

How to use it (the whole surface):

    from marketplace.core import live

    live.publish_on_commit("thread:12", "message", {"id": 99})   # in a service: sent only if committed
    live.publish("tender:4", "bid", {...})                       # right now
    return live.stream(["company:3", "thread:12"])               # in a view: a text/event-stream response

Embedded default: an in-process broker (one process, e.g. `make run`). With REDIS_URL set, events go
through Redis pub/sub, so every process of a multi-process deployment receives them. Events carry
no secrets; a page fetches what changed through its normal, access-checked routes.
"""

from __future__ import annotations

import functools
import json
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import redis
from flask import Flask, Response, current_app, has_app_context

from marketplace.core.db import after_commit
from marketplace.core.extensions import db

log = logging.getLogger("marketplace.live")

PREFIX = "marketplace:live:"


class Subscription(Protocol):
    def get(self, timeout: float) -> tuple[str, str, dict] | None:
        """The next (channel, event, data), or None when nothing came within timeout seconds."""

    def close(self) -> None: ...


class Broker(Protocol):
    def publish(self, channel: str, event: str, data: dict) -> None: ...

    def subscribe(self, channels: Iterable[str]) -> Subscription: ...


class _LocalSubscription:
    def __init__(self, broker: LocalBroker, channels: list[str]) -> None:
        self.broker, self.channels = broker, channels
        self.queue: queue.Queue = queue.Queue(maxsize=1000)

    def get(self, timeout: float) -> tuple[str, str, dict] | None:
        try:
            return self.queue.get(timeout=timeout)
        except queue.Empty:
            return None

    def close(self) -> None:
        self.broker._remove(self)


class LocalBroker:
    """Fan-out to the subscribers of this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[str, set[_LocalSubscription]] = {}

    def publish(self, channel: str, event: str, data: dict) -> None:
        with self._lock:
            targets = list(self._subscribers.get(channel, ()))
        for subscription in targets:
            try:
                subscription.queue.put_nowait((channel, event, data))
            except queue.Full:
                log.warning("live subscriber on %s is not reading; event dropped", channel)

    def subscribe(self, channels: Iterable[str]) -> _LocalSubscription:
        subscription = _LocalSubscription(self, list(channels))
        with self._lock:
            for channel in subscription.channels:
                self._subscribers.setdefault(channel, set()).add(subscription)
        return subscription

    def _remove(self, subscription: _LocalSubscription) -> None:
        with self._lock:
            for channel in subscription.channels:
                members = self._subscribers.get(channel)
                if members:
                    members.discard(subscription)
                    if not members:
                        del self._subscribers[channel]


class _RedisSubscription:
    def __init__(self, client: redis.Redis, channels: list[str]) -> None:
        self.pubsub = client.pubsub(ignore_subscribe_messages=True)
        self.pubsub.subscribe(*[PREFIX + c for c in channels])

    def get(self, timeout: float) -> tuple[str, str, dict] | None:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            message = self.pubsub.get_message(timeout=remaining)
            if message and message.get("type") == "message":
                body = json.loads(message["data"])
                return body["channel"], body["event"], body["data"]

    def close(self) -> None:
        self.pubsub.close()


class RedisBroker:
    """Fan-out across processes through Redis pub/sub."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url)

    def publish(self, channel: str, event: str, data: dict) -> None:
        body = json.dumps({"channel": channel, "event": event, "data": data})
        self.client.publish(PREFIX + channel, body)

    def subscribe(self, channels: Iterable[str]) -> _RedisSubscription:
        return _RedisSubscription(self.client, list(channels))


_brokers: dict[str, Broker] = {}
_brokers_lock = threading.Lock()


def broker() -> Broker:
    """The broker chosen by configuration (one per process and URL)."""
    url = current_app.config.get("REDIS_URL") or ""
    with _brokers_lock:
        if url not in _brokers:
            _brokers[url] = RedisBroker(url) if url else LocalBroker()
        return _brokers[url]


def publish(channel: str, event: str, data: dict | None = None) -> None:
    """Send now; a broken Redis is logged, never turned into a failed request."""
    try:
        broker().publish(channel, event, data or {})
    except redis.RedisError:
        log.warning("live event on %s not published", channel, exc_info=True)


def publish_on_commit(channel: str, event: str, data: dict | None = None) -> None:
    """Send once the current transaction commits; nothing is sent if it rolls back."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(db.session(), functools.partial(_publish_in, app, channel, event, data or {}))


def _publish_in(app: Flask, channel: str, event: str, data: dict) -> None:
    if has_app_context():
        publish(channel, event, data)
        return
    with app.app_context():
        publish(channel, event, data)


def format_event(event: str, data: Any, event_id: str | None = None) -> str:
    lines = [f"event: {event}"]
    if event_id:
        lines.append(f"id: {event_id}")
    lines.append("data: " + json.dumps(data, separators=(",", ":")))
    return "\n".join(lines) + "\n\n"


# How often an open stream looks whether the server is stopping (close_streams).
STOP_CHECK_SECONDS = 1.0
_closing = threading.Event()


def close_streams() -> None:
    """End every open stream of this process within STOP_CHECK_SECONDS: the server is stopping.

    Called by the WSGI server as a worker begins to stop (deploy/gunicorn.conf.py), so the stop
    does not wait for streams that would stay open for up to LIVE_STREAM_SECONDS; the browsers'
    EventSource reconnects to a running worker."""
    _closing.set()


def stream(channels: Iterable[str], *, heartbeat: float = 15.0) -> Response:
    """A text/event-stream of the channels' events; ends after LIVE_STREAM_SECONDS (browsers reconnect)."""
    subscription = broker().subscribe(channels)
    lifetime = float(current_app.config.get("LIVE_STREAM_SECONDS", 55))

    def generate() -> Iterator[str]:
        deadline = time.monotonic() + lifetime
        try:
            yield "retry: 3000\n: connected\n\n"
            quiet_since = time.monotonic()
            while not _closing.is_set() and (now := time.monotonic()) < deadline:
                item = subscription.get(timeout=min(STOP_CHECK_SECONDS, deadline - now))
                if item is None:
                    if time.monotonic() - quiet_since >= heartbeat:
                        yield ": ping\n\n"
                        quiet_since = time.monotonic()
                    continue
                channel, event, data = item
                yield format_event(event, {"channel": channel, **data})
                quiet_since = time.monotonic()
        finally:
            subscription.close()

    response = Response(generate(), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
