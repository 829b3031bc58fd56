"""Deployment settings read from the environment: secure cookies follow https, not the database."""

from __future__ import annotations

import pytest

from marketplace.core.config import load_config
from tests.factories import PASSWORD


@pytest.fixture
def settings(monkeypatch, tmp_path):
    for name in ("DATABASE_URL", "PREFERRED_URL_SCHEME", "SESSION_COOKIE_SECURE"):
        monkeypatch.delenv(name, raising=False)

    def load(**env: str) -> dict:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})

    return load


def test_plain_http_sends_cookies_without_secure_whatever_the_database(settings):
    on_postgres = settings(DATABASE_URL="postgresql://user@db/market")
    assert on_postgres["SESSION_COOKIE_SECURE"] is False
    assert on_postgres["REMEMBER_COOKIE_SECURE"] is False


def test_https_sites_send_secure_cookies_also_on_sqlite(settings):
    config = settings(PREFERRED_URL_SCHEME="https")
    assert config["EMBEDDED"] is True
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["REMEMBER_COOKIE_SECURE"] is True
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_the_explicit_setting_wins(settings):
    assert settings(SESSION_COOKIE_SECURE="1")["SESSION_COOKIE_SECURE"] is True
    off = settings(PREFERRED_URL_SCHEME="https", SESSION_COOKIE_SECURE="0")
    assert off["SESSION_COOKIE_SECURE"] is False and off["REMEMBER_COOKIE_SECURE"] is False


def test_secure_cookies_reach_the_browser_with_http_only_and_same_site(app, client, owner_a):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        response = client.post(
            "/login", data={"email": owner_a.email, "password": PASSWORD, "remember": "y"}
        )
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("session", "remember_token"):
        assert "; Secure" in cookies[name], name
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name], name
