"""An ERP, a script or curl uses the API with no browser: it signs up, gets a token and writes with
it, sending plain JSON and keeping no cookies; and a bearer request is that token's, whatever
cookies ride along."""

from __future__ import annotations

import re

import sqlalchemy as sa

from listings.models import Offer
from marketplace.accounts import services
from marketplace.accounts.models import ApiToken
from marketplace.core.extensions import db
from tests import factories
from tests.factories import PASSWORD
from tests.listings.test_offer_api import BODY as OFFER

SIGNUP = {
    "company": {"name": "Ostrava Castings", "country": "CZ", "industries": ["metals"]},
    "user": {
        "email": "jan@castings.example",
        "password": "Castings-2026",
        "full_name": "Jan Novák",
    },
}


def _offers() -> list[Offer]:
    return list(db.session.execute(sa.select(Offer)).scalars())


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_script_signs_up_gets_a_token_and_writes_with_it(curl, sent_mail):
    signup = curl.post("/api/v1/auth/signup", json=SIGNUP)
    assert signup.status_code == 201, signup.json
    assert "Set-Cookie" not in signup.headers  # no session is started for a script
    issued = curl.post(
        "/api/v1/auth/tokens",
        json={"email": "jan@castings.example", "password": "Castings-2026", "name": "ERP"},
    )
    assert issued.status_code == 201, issued.json
    assert issued.json["name"] == "ERP"
    assert "Set-Cookie" not in issued.headers

    created = curl.post("/api/v1/offers", json=OFFER, headers=_bearer(issued.json["token"]))
    assert created.status_code == 201, created.json
    [offer] = _offers()
    assert offer.company_id == signup.json["company"]["id"]
    me = curl.get("/api/v1/me", headers=_bearer(signup.json["token"]))
    assert me.json["email"] == "jan@castings.example"
    assert me.json["email_confirmed"] is False


def test_a_script_confirms_the_address_by_opening_the_mailed_link(curl, sent_mail):
    token = curl.post("/api/v1/auth/signup", json=SIGNUP).json["token"]

    def ask_for_verification():
        return curl.post("/api/v1/companies/me/verification", json={}, headers=_bearer(token))

    # Only asking the operator for verification waits for the confirmed address.
    assert "email" in ask_for_verification().json["errors"]
    link = re.search(r"http://market\.test(/confirm/\S+)", sent_mail[-1].get_content()).group(1)
    assert curl.get(link).status_code == 302
    assert curl.get("/api/v1/me", headers=_bearer(token)).json["email_confirmed"] is True
    asked = ask_for_verification()
    assert asked.status_code == 422  # now it is the profile that is incomplete
    assert "email" not in asked.json["errors"] and "legal_name" in asked.json["errors"]


def test_a_wrong_password_gets_no_token_and_problem_json(curl, owner_a):
    refused = curl.post("/api/v1/auth/tokens", json={"email": owner_a.email, "password": "x"})
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert db.session.execute(sa.select(sa.func.count(ApiToken.id))).scalar_one() == 0


def test_a_bearer_request_is_the_tokens_even_with_another_persons_session_cookie(
    client_a, owner_b, api_b
):
    me = client_a.get("/api/v1/me", headers=api_b)
    assert me.json["email"] == owner_b.email
    # No X-CSRFToken: the token authenticates the call, the cookie is not read at all.
    created = client_a.post("/api/v1/offers", json=OFFER, headers=api_b)
    assert created.status_code == 201, created.json
    assert [offer.company_id for offer in _offers()] == [owner_b.company_id]
    assert "Set-Cookie" not in created.headers  # the browser's session is left as it was


def test_a_wrong_token_is_not_rescued_by_the_session_cookie(client_a, owner_a):
    token, clear = services.issue_token(owner_a, "old ERP")
    services.revoke_token(owner_a, token.id)
    revoked = _bearer(clear)
    for headers in (revoked, _bearer("mkt_not-a-token"), {"Authorization": "bearer "}):
        assert client_a.get("/api/v1/me", headers=headers).status_code == 401
        answer = client_a.post("/api/v1/offers", json=OFFER, headers=headers)
        assert answer.status_code == 401
        assert answer.mimetype == "application/problem+json"
    assert _offers() == []
    assert client_a.get("/dashboard").status_code == 200  # the browser itself is still signed in


def test_a_wrong_token_is_not_rescued_by_the_remember_cookie(app, owner_a):
    browser = app.test_client()
    browser.post("/login", data={"email": owner_a.email, "password": PASSWORD, "remember": "y"})
    remember = browser.get_cookie("remember_token", domain="market.test")
    returning = app.test_client()  # the session is gone, the remember cookie stays
    returning.set_cookie("remember_token", remember.value, domain=remember.domain)
    assert returning.get("/api/v1/me").json["email"] == owner_a.email
    answer = returning.post("/api/v1/offers", json=OFFER, headers=_bearer("mkt_not-a-token"))
    assert answer.status_code == 401
    assert _offers() == []


def test_the_scheme_is_read_the_same_way_for_the_token_and_the_csrf_rule(curl, owner_a):
    token = factories.bearer(owner_a)["Authorization"].removeprefix("Bearer ")
    answer = curl.post("/api/v1/offers", json=OFFER, headers={"Authorization": f"bearer {token}"})
    assert answer.status_code == 201, answer.json
    assert [offer.company_id for offer in _offers()] == [owner_a.company_id]
