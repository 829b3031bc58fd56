"""How flask-login finds the person: the session cookie for pages, a bearer token for the API."""

from __future__ import annotations

from flask import Request, Response, flash, redirect, request
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager, login_url

from marketplace.accounts import services
from marketplace.accounts.models import User
from marketplace.core import credentials, security
from marketplace.core.api import problem
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
    """The owner of the request's bearer token. flask-login asks only when no session or remember
    cookie names someone, and a bearer request has no cookies (credentials.MarketRequest), so a
    token is never outvoted by a cookie the same request carries."""
    token = credentials.bearer_token(request)
    if not token:
        return None
    return services.user_for_token(token)


def is_background_request(req: Request) -> bool:
    """A request a page makes by itself (live stream, JSON poll), not one the person navigates to."""
    if req.headers.get("Sec-Fetch-Dest") == "empty":
        return True
    if not req.accept_mimetypes:  # no Accept header: anything goes, as for a page
        return False
    best = req.accept_mimetypes.best_match(["text/html", "application/json", "text/event-stream"])
    return best != "text/html"


def init_login(manager: LoginManager) -> None:
    def unauthorized() -> Response:
        """Pages send the person to sign in. A background request of a tab whose session ended gets
        a bare 401 that leaves the session cookie alone: a flash written there would replace the
        cookie holding the CSRF token of a sign-in form open in the same browser, and that sign-in
        would then fail. An event stream stops reconnecting on a 401."""
        if is_background_request(request):
            return problem(401, "Authentication required", str(_l("Please sign in to continue.")))
        flash(manager.login_message, manager.login_message_category)
        return redirect(login_url(manager.login_view, request.url))

    manager.user_loader(load_user)
    manager.request_loader(load_user_from_request)
    manager.unauthorized_handler(unauthorized)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to continue.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
