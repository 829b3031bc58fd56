"""The suite's test client: signs a person in as flask-login's does, and posts forms the way a browser
does, with the CSRF token of a page the server rendered for the same session."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from flask_login import FlaskLoginClient
from werkzeug.datastructures import MultiDict

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The two places our pages put the token: a form's hidden input and the layout's meta tag (read by
# static/js/app.js for the site's own fetch calls).
_HIDDEN_INPUT = re.compile(r'<input\b[^>]*\bname="csrf_token"[^>]*>')
_VALUE = re.compile(r'\bvalue="([^"]+)"')
_META_TAG = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def token_in_page(html: str) -> str | None:
    """The CSRF token a browser would send from this page: its form's hidden field, else the meta tag."""
    field = _HIDDEN_INPUT.search(html)
    match = _VALUE.search(field.group(0)) if field else _META_TAG.search(html)
    return match.group(1) if match else None


class BrowserClient(FlaskLoginClient):
    """A form POST (PUT, PATCH, DELETE) to a page that carries no csrf_token first loads a page in
    the same session and sends the token read from it, like a person who opened the form before
    submitting it. JSON API calls get no token: they show what a script or the site's fetch sends.

    client.post(url, data=..., csrf=False) posts without a token (a forged request);
    client.csrf_token(path) and client.meta_csrf_token(path) read a given page's token by hand."""

    form_page = "/"  # every page renders the session's token; the home page is where a visit starts

    def csrf_token(self, path: str | None = None) -> str:
        response = self.get(path or self.form_page)
        token = token_in_page(response.get_data(as_text=True))
        assert token, f"GET {path or self.form_page} ({response.status}) rendered no CSRF token"
        return token

    def meta_csrf_token(self, path: str) -> str:
        """The token of the page's csrf-token meta tag, which the site's own fetch calls send as
        X-CSRFToken (static/js/app.js)."""
        response = self.get(path)
        match = _META_TAG.search(response.get_data(as_text=True))
        assert match, f"GET {path} ({response.status}) rendered no csrf-token meta tag"
        return match.group(1)

    def open(self, *args: Any, csrf: bool = True, **kwargs: Any):
        if csrf and self._is_form_post_without_token(args, kwargs):
            kwargs["data"] = _with_token(kwargs.get("data"), self.csrf_token())
        return super().open(*args, **kwargs)

    @staticmethod
    def _is_form_post_without_token(args: tuple, kwargs: dict) -> bool:
        # Redirects and prepared requests come as an EnvironBuilder or environ: left as they are.
        path = args[0] if args else kwargs.get("path", "/")
        if not isinstance(path, str) or kwargs.get("method", "GET").upper() not in UNSAFE_METHODS:
            return False
        if urlsplit(path).path.startswith("/api/") or "json" in kwargs:
            return False
        data = kwargs.get("data")
        if data is not None and not isinstance(data, dict):
            return False  # a raw body the test wrote itself
        return "csrf_token" not in (data or {})


def _with_token(data: dict | None, token: str) -> dict:
    if isinstance(data, MultiDict):
        filled = data.copy()
        filled["csrf_token"] = token
        return filled
    return {**(data or {}), "csrf_token": token}
