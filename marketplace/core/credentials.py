"""What a request authenticates with (a bearer token, or the browser's cookies, never both) and the
CSRF rule that follows from it.

DESIGN.md: "a request with a bearer token, or with no session cookie at all, needs no CSRF token; a
request that rides on the session cookie does". A forged cross-site request works only through
credentials the browser adds by itself, and those are cookies: a page on another site can neither
set an Authorization header on a form post nor read a token it would need. So the JSON API skips
the CSRF check exactly when no credential cookie reaches the app, and a bearer request is read as
if it carried no cookies at all; that keeps the two halves of the rule from meeting in one request.
"""

from __future__ import annotations

from flask import Flask, Request, current_app, request
from flask_login.config import COOKIE_NAME as REMEMBER_COOKIE_NAME
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

from marketplace.core.extensions import csrf, is_api_request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def bearer_token(req: Request) -> str | None:
    """The token of an 'Authorization: Bearer <token>' header (the scheme is case-insensitive, as
    in RFC 9110), or None when the request sends no bearer credentials."""
    scheme, _sep, value = req.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


class MarketRequest(Request):
    """The app's request: a request with a bearer token has no cookies. The token alone then says
    who calls: neither the session nor flask-login's remember cookie can stand in for a wrong or
    revoked token, and a browser's cookies cannot ride on a call the CSRF check lets through."""

    @cached_property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        if bearer_token(self) is not None:
            return ImmutableMultiDict()
        return super().cookies


def rides_on_cookie(req: Request) -> bool:
    """Whether the request carries the session or the remember cookie, the credentials a browser
    sends by itself (the app sets no other cookie that says who someone is)."""
    config = current_app.config
    names = (
        config["SESSION_COOKIE_NAME"],
        config.get("REMEMBER_COOKIE_NAME", REMEMBER_COOKIE_NAME),
    )
    return any(name in req.cookies for name in names)


def protect_csrf() -> None:
    """before_request: every unsafe request needs the page's CSRF token (form field csrf_token or
    header X-CSRFToken), except a JSON API call that no credential cookie reaches (curl, an ERP, a
    bearer token) and views that authenticate each request themselves (signed webhooks). HTML
    pages always check it, cookie or not: that also keeps another site from signing a visitor in."""
    if request.method in SAFE_METHODS:
        return
    view = current_app.view_functions.get(request.endpoint or "")
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or getattr(view, "_csrf_exempt", False):
        return
    if is_api_request() and not rides_on_cookie(request):
        return
    csrf.protect()


def init_app(app: Flask) -> None:
    app.request_class = MarketRequest
    app.before_request(protect_csrf)
