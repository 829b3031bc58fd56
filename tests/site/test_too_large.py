"""Uploads over the request limit are answered with the limit that was exceeded, not a bare 413."""

from __future__ import annotations

import io

import pytest


@pytest.fixture
def small_limit(app):
    original = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 3 * 1024 * 1024
    yield
    app.config["MAX_CONTENT_LENGTH"] = original


def _files(n: int, size: int) -> dict:
    return {"document": [(io.BytesIO(b"%PDF-" + b"0" * size), f"scan{i}.pdf") for i in range(n)]}


def test_five_full_size_attachments_fit_in_one_request(app):
    assert app.config["MAX_CONTENT_LENGTH"] > 5 * app.config["MAX_DOCUMENT_BYTES"]


def test_the_api_answers_problem_json_naming_the_limits(client, api_a, small_limit):
    response = client.post(
        "/api/v1/companies/me/certificates",
        data={"kind": "ce", "issuer": "EU", "number": "1", **_files(2, 2 * 1024 * 1024)},
        headers=api_a,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    assert "at most 3 MB at once, each file up to 10 MB" in response.json["detail"]
    assert client.get("/api/v1/companies/me", headers=api_a).json["certificates"] == []


def test_a_page_goes_back_to_the_form_and_says_which_limit(client_a, small_limit):
    response = client_a.post(
        "/company/certificates",
        data={"kind": "ce", "issuer": "EU", "number": "1", **_files(2, 2 * 1024 * 1024)},
        content_type="multipart/form-data",
        headers={"Referer": "http://market.test/company/profile"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/company/profile")
    page = client_a.get("/company/profile").text
    assert "What you sent is too large: at most 3 MB at once" in page


def test_without_a_form_to_go_back_to_the_page_explains_itself(client_a, small_limit):
    response = client_a.post(
        "/company/certificates",
        data={"kind": "ce", **_files(2, 2 * 1024 * 1024)},
        content_type="multipart/form-data",
        headers={"Referer": "https://elsewhere.example/"},
    )
    assert response.status_code == 413
    assert "each file up to 10 MB" in response.text


def test_one_huge_text_field_is_named_as_such(client_a, company_a):
    response = client_a.post(
        "/company/profile",
        data={"name": "Alpha Steel", "country": "PL", "description": "x" * 600_000},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "A text field is too long: at most 488 KB each." in response.text
