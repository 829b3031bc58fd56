"""A request that rides on the browser's cookies needs the page's CSRF token, on pages and on the JSON
API alike: a forged request from another site is refused and writes nothing."""

from __future__ import annotations

import json

import sqlalchemy as sa

from listings.models import Offer
from marketplace.core.extensions import db
from tests.factories import PASSWORD
from tests.listings.test_offer_api import BODY as OFFER

EVIL = {"Origin": "https://evil.example", "Referer": "https://evil.example/win-a-prize"}


def _offer_count() -> int:
    return db.session.execute(sa.select(sa.func.count(Offer.id))).scalar_one()


def test_a_json_call_on_the_session_cookie_needs_the_pages_token(client_a):
    refused = client_a.post("/api/v1/offers", json=OFFER)
    assert refused.status_code == 400
    assert refused.mimetype == "application/problem+json"
    assert refused.json["title"] == "CSRF check failed"
    assert "CSRF token is missing" in refused.json["detail"]
    wrong = client_a.post("/api/v1/offers", json=OFFER, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    assert _offer_count() == 0

    # What static/js/app.js sends: the csrf-token meta tag of a page it runs on.
    token = client_a.meta_csrf_token("/dashboard")
    created = client_a.post("/api/v1/offers", json=OFFER, headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.json
    assert _offer_count() == 1


def test_a_token_from_another_browsers_page_does_not_pass(app, client_a, owner_b):
    other = app.test_client(user=owner_b)
    token = other.meta_csrf_token("/dashboard")
    refused = client_a.post("/api/v1/offers", json=OFFER, headers={"X-CSRFToken": token})
    assert refused.status_code == 400
    assert _offer_count() == 0


def test_a_cross_site_form_post_with_a_signed_in_cookie_is_refused(client_a):
    form = {"title": "Cheap steel", "category": "polymer-granules", "unit": "kg", "moq": "1"}
    page = client_a.post("/offers/new", data=form, headers=EVIL, csrf=False)
    assert page.status_code == 400
    # The API behind the same cookie, by the bodies a plain HTML form can send (no preflight).
    as_text = client_a.post(
        "/api/v1/offers", data=json.dumps(OFFER), content_type="text/plain", headers=EVIL
    )
    as_form = client_a.post("/api/v1/offers", data=form, headers=EVIL, csrf=False)
    for answer in (as_text, as_form):
        assert answer.status_code == 400
        assert answer.mimetype == "application/problem+json"
    assert _offer_count() == 0


def test_the_remember_cookie_alone_still_needs_the_token(app, owner_a):
    browser = app.test_client()
    browser.post("/login", data={"email": owner_a.email, "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token", domain="market.test")
    returning = app.test_client()  # the browser was closed: only the remember cookie is left
    returning.set_cookie("remember_token", remember.value, domain=remember.domain)
    refused = returning.post("/api/v1/offers", json=OFFER)
    assert refused.status_code == 400
    assert _offer_count() == 0


def test_a_request_without_cookies_has_no_one_to_act_for(curl):
    """What the exemption gives a forger who cannot make the browser send its cookies: nothing."""
    answer = curl.post("/api/v1/offers", data=json.dumps(OFFER), content_type="text/plain")
    assert answer.status_code == 401
    assert _offer_count() == 0


def test_a_page_form_needs_the_token_even_without_a_cookie(client, owner_a):
    """Another site cannot sign a visitor in to its own account (login CSRF) by posting the form."""
    answer = client.post("/login", data={"email": owner_a.email, "password": PASSWORD}, csrf=False)
    assert answer.status_code == 400
    assert client.get("/dashboard").status_code == 302  # still signed out


def test_a_bearer_token_does_not_open_the_pages_forms_without_the_token(client_a, api_a):
    form = {"title": "Cheap steel", "category": "polymer-granules", "unit": "kg", "moq": "1"}
    answer = client_a.post("/offers/new", data=form, headers=api_a, csrf=False)
    assert answer.status_code == 400
    assert _offer_count() == 0
