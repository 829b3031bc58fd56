"""Signing in on the page, API tokens (issued, listed, revoked, hashed at rest) and rate limits."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts import services
from marketplace.accounts.models import ApiToken
from marketplace.core.extensions import db
from tests.factories import PASSWORD


def test_login_with_the_right_password_opens_the_dashboard(client, owner_a):
    response = client.post("/login", data={"email": "OWNER@alpha.example ", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert "Alpha Steel" in client.get("/dashboard").text


def test_login_with_a_wrong_password_says_so_without_telling_which(client, owner_a):
    response = client.post("/login", data={"email": owner_a.email, "password": "wrong-Password-1"})
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    unknown = client.post(
        "/login", data={"email": "ghost@example.com", "password": "wrong-Password-1"}
    )
    assert "Wrong e-mail or password." in unknown.text


def test_login_keeps_the_next_page_but_not_a_foreign_site(client, owner_a):
    ok = client.post(
        "/login?next=/company/members", data={"email": owner_a.email, "password": PASSWORD}
    )
    assert ok.headers["Location"].endswith("/company/members")
    client.post("/logout")
    evil = client.post(
        "/login?next=//evil.example/x", data={"email": owner_a.email, "password": PASSWORD}
    )
    assert "evil.example" not in evil.headers["Location"]
    client.post("/logout")
    backslash = client.post(
        "/login?next=/%5Cevil.example/x", data={"email": owner_a.email, "password": PASSWORD}
    )
    assert (
        "evil.example" not in backslash.headers["Location"]
    )  # browsers read "/\\host" as "//host"


def test_disabled_people_cannot_sign_in(client, owner_a, viewer_a):
    client_owner = client
    client_owner.post("/login", data={"email": owner_a.email, "password": PASSWORD})
    client_owner.post(f"/company/members/{viewer_a.id}/disable", data={"disabled": "1"})
    client_owner.post("/logout")
    response = client.post("/login", data={"email": viewer_a.email, "password": PASSWORD})
    assert response.status_code == 401
    assert "This account is disabled." in response.text


def test_token_is_shown_once_stored_hashed_and_revocable(client, owner_a):
    response = client.post(
        "/api/v1/auth/tokens", json={"email": owner_a.email, "password": PASSWORD, "name": "ERP"}
    )
    assert response.status_code == 201
    clear = response.json["token"]
    assert clear.startswith("mkt_")
    stored = db.session.execute(sa.select(ApiToken).where(ApiToken.name == "ERP")).scalar_one()
    assert stored.token_hash != clear and clear not in stored.token_hash
    headers = {"Authorization": f"Bearer {clear}"}
    listed = client.get("/api/v1/auth/tokens", headers=headers).json
    assert [t["name"] for t in listed] == ["ERP"]
    assert "token" not in listed[0]
    assert client.delete(f"/api/v1/auth/tokens/{stored.id}", headers=headers).status_code == 204
    after = client.get("/api/v1/companies/me", headers=headers)
    assert after.status_code == 401
    assert after.mimetype == "application/problem+json"


def test_token_request_with_bad_credentials_names_the_field(client, owner_a):
    response = client.post("/api/v1/auth/tokens", json={"email": owner_a.email, "password": "nope"})
    assert response.status_code == 401
    assert response.json["errors"] == {"password": ["Wrong e-mail or password."]}
    missing = client.post("/api/v1/auth/tokens", json={"email": owner_a.email})
    assert missing.status_code == 422
    assert "password" in missing.json["errors"]


def test_tokens_page_lists_and_revokes(client_a, owner_a):
    created = client_a.post("/account/tokens", data={"name": "Warehouse scanner"})
    assert created.status_code == 200
    assert "Copy your new token now" in created.text
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.user_id == owner_a.id)
    ).scalar_one()
    client_a.post(f"/account/tokens/{token.id}/revoke")
    db.session.refresh(token)
    assert token.revoked_at is not None


def test_someone_elses_token_cannot_be_revoked(client_b, owner_a):
    token, _clear = services.issue_token(owner_a, "mine")
    response = client_b.post(f"/account/tokens/{token.id}/revoke")
    assert response.status_code == 404
    db.session.refresh(token)
    assert token.revoked_at is None


def test_login_is_rate_limited(client, curl, owner_a):
    # The production limit, 10 a minute per address, on the page and on the API alike.
    codes = [
        client.post(
            "/login", data={"email": owner_a.email, "password": "wrong-Password-1"}
        ).status_code
        for _ in range(11)
    ]
    api = [
        curl.post("/api/v1/auth/tokens", json={"email": owner_a.email, "password": "x"})
        for _ in range(11)
    ]
    assert codes[:10] == [401] * 10
    assert codes[10] == 429
    assert [answer.status_code for answer in api[:10]] == [401] * 10
    assert api[10].status_code == 429
    assert api[10].mimetype == "application/problem+json"


def test_session_cookie_is_http_only_and_same_site(client, owner_a):
    response = client.post("/login", data={"email": owner_a.email, "password": PASSWORD})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_forms_reject_posts_without_the_csrf_token(client, owner_a):
    client.get("/login")  # the browser holds a session cookie now
    response = client.post(
        "/login", data={"email": owner_a.email, "password": PASSWORD}, csrf=False
    )
    api_with_cookie_only = client.post(
        "/api/v1/auth/tokens", json={"email": owner_a.email, "password": PASSWORD}
    )
    assert response.status_code == 400
    assert api_with_cookie_only.status_code == 400
    assert api_with_cookie_only.mimetype == "application/problem+json"
    assert client.get("/dashboard").status_code == 302  # not signed in
    assert db.session.execute(sa.select(sa.func.count()).select_from(ApiToken)).scalar_one() == 0
