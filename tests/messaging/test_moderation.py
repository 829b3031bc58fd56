"""Blocking a company from a thread page returns to that page, and never to another site."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from marketplace.core.extensions import db
from tests.messaging import factories as mf


@pytest.mark.parametrize("action", ["block", "unblock"])
@pytest.mark.parametrize(
    "target", ["https://evil.example/login", "//evil.example/login", "/\\evil.example"]
)
def test_block_buttons_ignore_a_next_address_on_another_site(client_b, company_a, action, target):
    response = client_b.post(f"/messages/{action}/{company_a.id}", data={"next": target})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "market.test") and location.path == "/messages"


def test_block_button_returns_to_the_thread_it_was_pressed_on(
    client_b, owner_a, company_a, company_b
):
    thread = mf.thread(owner_a, company_b)
    db.session.commit()
    page = f"/messages/{thread.id}"
    response = client_b.post(f"/messages/block/{company_a.id}", data={"next": page})
    assert urlsplit(response.headers["Location"]).path == page
