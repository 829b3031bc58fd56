"""Pages and API answers carry the browser security headers."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from marketplace.core.headers import PAGE_POLICY


def test_pages_cannot_be_framed_sniffed_or_run_foreign_scripts(client):
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "script-src 'self' https://js.stripe.com" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]


def test_signed_in_pages_and_error_pages_carry_them_too(client_a):
    for path in ("/dashboard", "/no-such-page"):
        response = client_a.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"], path


def test_api_answers_run_nothing(client):
    response = client.get("/api/v1/companies")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        response.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    )


def _templates(app) -> list[tuple[str, str]]:
    root = Path(app.template_folder)
    return [(str(p.relative_to(root)), p.read_text()) for p in root.rglob("*.html")]


def test_our_templates_have_no_inline_script_the_policy_would_block(app):
    """Scripts live in static/: an inline <script> block would not run under the policy."""
    inline = [name for name, text in _templates(app) if re.search(r"<script(?![^>]*\ssrc=)", text)]
    assert inline == []


def test_every_inline_event_handler_is_allowed_by_its_hash(app):
    handlers = {
        code
        for _name, text in _templates(app)
        for code in re.findall(r"\son[a-z]+=\"([^\"]*)\"", text)
    }
    for code in handlers:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in PAGE_POLICY, code
