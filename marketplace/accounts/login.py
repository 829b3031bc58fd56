"""How flask-login finds the person: the session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from flask import Request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.core import security
from marketplace.core.extensions import db


def load_user(session_id: str) -> User | None:
    """The person of a session, unless their password changed since it began (see User.get_id)."""
    user_id, _sep, fingerprint = session_id.partition(":")
    try:
        user = db.session.get(User, int(user_id))
    except ValueError:
        return None
    if user is None or not user.is_active:
        return None
    if not security.constant_time_equal(fingerprint, user.session_fingerprint):
        return None
    return user


def load_user_from_request(request: Request) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return services.user_for_token(header.removeprefix("Bearer ").strip())


def init_login(manager: LoginManager) -> None:
    manager.user_loader(load_user)
    manager.request_loader(load_user_from_request)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to continue.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
