"""Security headers on every answer: no framing by other sites, no MIME sniffing, a strict
referrer policy, and a Content-Security-Policy that lets pages run only our own scripts."""

from __future__ import annotations

from flask import Flask, Response

# Our pages load scripts only from static/ (no inline <script>), plus Stripe.js for card
# payments, which also needs its frames and API. Style attributes are used by templates.
# The one inline handler (the calendar feed field's onfocus="this.select()") is allowed by its
# hash; any other inline script is refused, which is the point.
PAGE_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' https://js.stripe.com https://*.js.stripe.com 'unsafe-hashes' "
        "'sha256-biFQTroSCI3Z5BmsMGyEE2jFZdwjjG1Oe7JLytgH6jM='",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self' https://api.stripe.com",
        "frame-src https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
# JSON, event streams and the like run nothing; uploads.send sets its own, stricter policy.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault(
        "Content-Security-Policy",
        PAGE_POLICY if response.mimetype == "text/html" else DATA_POLICY,
    )
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
