"""Fixtures for messaging: a real local SMTP server, a context resolver, a third company."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from messaging import contexts
from tests import factories


class _Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.port = _free_port()
        self.inbox = _Inbox()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self) -> list:
        return self.inbox.messages

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(app):
    """A real SMTP server on a free port; the app sends mail to it while the test runs."""
    server = SmtpServer()
    server.start()
    previous = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = server.url
    try:
        yield server
    finally:
        server.stop()
        app.config["MAIL_URL"] = previous


@pytest.fixture
def company_c():
    return factories.company(name="Gamma Logistics", country="CZ")


@pytest.fixture
def owner_c(company_c):
    return factories.user(company_c, role="owner", email="owner@gamma.example")


@pytest.fixture
def offer_context(company_b):
    """A stand-in resolver for the 'offer' context: offer 7 belongs to Beta (listings wires the real one)."""
    offers = {
        7: {"title": "Sodium carbonate, 25 kg bags", "url": "/offers/7", "company_id": company_b.id}
    }
    previous = contexts._resolvers.get("offer")
    contexts.register("offer", lambda object_id, viewer: offers.get(object_id))
    yield offers
    if previous is None:
        contexts.unregister("offer")
    else:
        contexts.register("offer", previous)
