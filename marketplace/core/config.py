"""Configuration read from environment variables, with embedded defaults that need only Python."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]

LANGUAGES = {"en": "English", "pl": "Polski"}
# The X-Forwarded-<header>s ProxyFix may read, each set by PROXY_FIX_X_<HEADER> (trusted hops).
PROXY_HEADERS = ("for", "proto", "host", "port", "prefix")
log = logging.getLogger(__name__)


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path) -> str:
    """Generate the secret once and keep it in the instance folder."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


def normalize_database_url(url: str) -> str:
    """postgres:// and postgresql:// mean PostgreSQL through psycopg 3, the driver we install."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def load_config(overrides: dict | None = None) -> dict:
    """Build the app's settings: environment first, then embedded defaults, then overrides."""
    overrides = dict(overrides or {})
    env = os.environ
    instance_path = Path(
        overrides.pop("INSTANCE_PATH", None)
        or env.get("INSTANCE_PATH")
        or PROJECT_ROOT / "instance"
    )
    instance_path.mkdir(parents=True, exist_ok=True)
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'marketplace.db'}"
    embedded = database_url.startswith("sqlite")
    # Cookies are Secure when the site is served over https (PREFERRED_URL_SCHEME=https, which
    # also makes links in mails https), or when SESSION_COOKIE_SECURE says so; the database in
    # use says nothing about TLS.
    scheme = (env.get("PREFERRED_URL_SCHEME") or "http").strip().lower()
    secure_cookies = _bool(env.get("SESSION_COOKIE_SECURE"), scheme == "https")
    config = {
        "INSTANCE_PATH": str(instance_path),
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not embedded},
        "UPLOAD_DIR": env.get("UPLOAD_DIR") or str(instance_path / "uploads"),
        # A whole request: a message may carry 5 attachments of MAX_DOCUMENT_BYTES, plus its text.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", 60 * 1024 * 1024)),
        "MAX_IMAGE_BYTES": int(env.get("MAX_IMAGE_BYTES", 5 * 1024 * 1024)),
        "MAX_DOCUMENT_BYTES": int(env.get("MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)),
        "MAIL_URL": env.get("MAIL_URL", ""),
        "MAIL_FROM": env.get("MAIL_FROM", "Marketplace <no-reply@marketplace.local>"),
        "REDIS_URL": env.get("REDIS_URL", ""),
        "SEARCH_BACKEND": env.get("SEARCH_BACKEND", "tantivy"),
        "ELASTICSEARCH_URL": env.get("ELASTICSEARCH_URL", ""),
        # inline: ship index changes after each request; worker: `flask search worker` does.
        # Empty: inline on tantivy, worker on Elasticsearch.
        "SEARCH_SYNC": env.get("SEARCH_SYNC", ""),
        "SEARCH_INDEX_PATH": env.get("SEARCH_INDEX_PATH") or str(instance_path / "search"),
        "STRIPE_SECRET_KEY": env.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": env.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": env.get("STRIPE_WEBHOOK_SECRET", ""),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": LANGUAGES,
        "PREFERRED_URL_SCHEME": scheme,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": secure_cookies,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": secure_cookies,
        "WTF_CSRF_TIME_LIMIT": None,
        # Behind a reverse proxy: how many proxies in front set each X-Forwarded-* header. 0 (the
        # default) trusts none, so a client cannot pick its own address for the rate limits.
        **{
            f"PROXY_FIX_X_{part.upper()}": int(env.get(f"PROXY_FIX_X_{part.upper()}") or 0)
            for part in PROXY_HEADERS
        },
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL") or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "AUTH_RATE_LIMIT": env.get("AUTH_RATE_LIMIT", "10 per minute"),
        "EMAIL_TOKEN_MAX_AGE": int(env.get("EMAIL_TOKEN_MAX_AGE", 3 * 24 * 3600)),
        "RESET_TOKEN_MAX_AGE": int(env.get("RESET_TOKEN_MAX_AGE", 3600)),
        "INVITATION_MAX_AGE": int(env.get("INVITATION_MAX_AGE", 14 * 24 * 3600)),
        # Escrow and orders (see marketplace/payments/services.py for the fee's rounding rule).
        "ESCROW_FEE_BASIS_POINTS": int(env.get("ESCROW_FEE_BASIS_POINTS", 250)),
        "ESCROW_BANK_BENEFICIARY": env.get(
            "ESCROW_BANK_BENEFICIARY", "Marketplace Escrow Sp. z o.o."
        ),
        "ESCROW_BANK_IBAN": env.get("ESCROW_BANK_IBAN", "PL61 1090 1014 0000 0712 1981 2874"),
        "ESCROW_BANK_BIC": env.get("ESCROW_BANK_BIC", "WBKPPLPP"),
        "ORDER_AUTO_DELIVERY_DAYS": int(env.get("ORDER_AUTO_DELIVERY_DAYS", 14)),
        "ORDER_DISPUTE_WINDOW_DAYS": int(env.get("ORDER_DISPUTE_WINDOW_DAYS", 7)),
        "PAGE_SIZE": 20,
        "API_MAX_PAGE_SIZE": 100,
        "EMBEDDED": embedded,
    }
    config.update(overrides)
    if "SESSION_COOKIE_SECURE" in overrides and "REMEMBER_COOKIE_SECURE" not in overrides:
        config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    config["EMBEDDED"] = config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    if not config["SECRET_KEY"]:
        config["SECRET_KEY"] = _secret_key(Path(config["INSTANCE_PATH"]))
    if not config["EMBEDDED"] and not config["SESSION_COOKIE_SECURE"]:
        log.warning(
            "Session cookies are sent without the Secure flag; behind TLS set "
            "PREFERRED_URL_SCHEME=https (or SESSION_COOKIE_SECURE=1)."
        )
    return config
