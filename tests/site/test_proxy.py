"""Behind a configured reverse proxy, rate limits count each client, not the proxy."""

from __future__ import annotations

import pytest

from marketplace.app import register_proxy_fix
from marketplace.core.config import load_config
from tests.factories import PASSWORD


@pytest.fixture
def limited(app):
    original_app, original_limit = app.wsgi_app, app.config["AUTH_RATE_LIMIT"]
    app.config["AUTH_RATE_LIMIT"] = "2 per minute"
    yield app
    app.wsgi_app = original_app
    app.config.update(AUTH_RATE_LIMIT=original_limit, PROXY_FIX_X_FOR=0, PROXY_FIX_X_PROTO=0)


def _attempts(app, client_address: str, n: int) -> list[int]:
    proxy = app.test_client()
    headers = {"X-Forwarded-For": client_address}
    return [
        proxy.post(
            "/login",
            data={"email": "someone@example.com", "password": PASSWORD},
            headers=headers,
            environ_base={"REMOTE_ADDR": "10.0.0.2"},
        ).status_code
        for _ in range(n)
    ]


def test_with_one_trusted_proxy_each_client_has_its_own_limit(limited):
    limited.config.update(PROXY_FIX_X_FOR=1, PROXY_FIX_X_PROTO=1)
    register_proxy_fix(limited)
    assert _attempts(limited, "203.0.113.7", 3) == [401, 401, 429]
    assert _attempts(limited, "198.51.100.9", 1) == [401]


def test_without_the_setting_forwarded_addresses_are_not_believed(limited):
    register_proxy_fix(limited)
    assert _attempts(limited, "203.0.113.7", 2) == [401, 401]
    # a client cannot escape its limit by sending a header of its own
    assert _attempts(limited, "198.51.100.9", 1) == [429]


def test_the_setting_is_read_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PROXY_FIX_X_FOR", "1")
    config = load_config({"INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "k"})
    assert config["PROXY_FIX_X_FOR"] == 1 and config["PROXY_FIX_X_PROTO"] == 0
