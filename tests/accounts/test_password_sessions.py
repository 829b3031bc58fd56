"""A new password ends the other sessions; a reset also cuts off the account's API tokens."""

from __future__ import annotations

import re

from tests.factories import PASSWORD

NEW_PASSWORD = "Brand-New-Pass-7"


def _signed_in(app, user):
    browser = app.test_client()
    response = browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, owner_a):
    laptop = _signed_in(app, owner_a)
    phone = _signed_in(app, owner_a)

    changed = laptop.post(
        "/account",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-new_password": NEW_PASSWORD,
        },
        follow_redirects=True,
    )
    assert "You are signed out everywhere else." in changed.text

    assert laptop.get("/account").status_code == 200
    other = phone.get("/account")
    assert other.status_code == 302 and "/login" in other.headers["Location"]


def test_a_remembered_browser_is_forgotten_after_a_password_change(app, owner_a):
    remembered = app.test_client()
    remembered.post("/login", data={"email": owner_a.email, "password": PASSWORD, "remember": "y"})
    cookie = remembered.get_cookie("remember_token", domain="market.test")
    assert cookie is not None

    def comes_back():
        # A browser that returns later with only the remember cookie (its session is gone).
        returning = app.test_client()
        returning.set_cookie("remember_token", cookie.value, domain=cookie.domain)
        return returning.get("/account")

    assert comes_back().status_code == 200
    laptop = _signed_in(app, owner_a)
    laptop.post(
        "/account",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-new_password": NEW_PASSWORD,
        },
    )
    response = comes_back()
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_password_reset_ends_sessions_and_revokes_api_tokens(
    app, client, curl, owner_a, api_a, sent_mail
):
    browser = _signed_in(app, owner_a)
    assert client.get("/api/v1/me", headers=api_a).status_code == 200

    client.post("/password/forgot", data={"email": owner_a.email})
    link = re.search(r"http://market\.test(/\S+)", sent_mail[-1].get_content()).group(1)
    done = client.post(link, data={"password": NEW_PASSWORD}, follow_redirects=True)
    assert "API token of your account has ended" in done.text

    assert browser.get("/account").status_code == 302
    revoked = client.get("/api/v1/me", headers=api_a)
    assert revoked.status_code == 401
    tokens = curl.post(
        "/api/v1/auth/tokens", json={"email": owner_a.email, "password": NEW_PASSWORD}
    )
    assert tokens.status_code == 201
