"""A company representative registers their company and themselves, on the page and through the API."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.companies.models import Company
from marketplace.core.extensions import db


def _count(model) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


SIGNUP_FORM = {
    "company_name": "Nordic Pallets",
    "country": "SE",
    "full_name": "Astrid Lind",
    "email": "Astrid@Nordic-Pallets.example",
    "password": "Pallet-Stack-42",
    "accept_terms": "y",
}


def test_signup_page_creates_company_and_owner_and_signs_in(client, sent_mail):
    response = client.post("/signup", data=SIGNUP_FORM)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/company/profile")
    user = db.session.execute(
        sa.select(User).where(User.email == "astrid@nordic-pallets.example")
    ).scalar_one()
    assert user.role == "owner"
    assert user.company.name == "Nordic Pallets"
    assert user.company.slug == "nordic-pallets"
    assert user.password_hash.startswith("$argon2")
    assert not user.email_confirmed
    assert sent_mail[-1]["To"] == "astrid@nordic-pallets.example"
    assert "/confirm/" in sent_mail[-1].get_content()
    # the browser is now signed in
    assert client.get("/dashboard").status_code == 200


def test_signup_page_with_bad_input_shows_field_errors_and_writes_nothing(client):
    before = (_count(Company), _count(User))
    response = client.post(
        "/signup",
        data={**SIGNUP_FORM, "email": "not-an-address", "password": "short", "country": ""},
    )
    assert response.status_code == 422
    page = response.text
    assert 'id="email-error"' in page and "Enter a valid e-mail address." in page
    assert 'id="password-error"' in page
    assert 'id="country-error"' in page
    assert (_count(Company), _count(User)) == before


def test_signup_rejects_an_email_that_exists(client, owner_a):
    response = client.post("/signup", data={**SIGNUP_FORM, "email": owner_a.email.upper()})
    assert response.status_code == 422
    assert "An account with this e-mail already exists." in response.text


def test_api_signup_returns_company_user_and_a_working_token(client):
    response = client.post(
        "/api/v1/auth/signup",
        json={
            "company": {"name": "Ostrava Castings", "country": "CZ", "industries": ["metals"]},
            "user": {
                "email": "jan@castings.example",
                "password": "Castings-2026",
                "full_name": "Jan Novák",
            },
        },
    )
    assert response.status_code == 201
    body = response.json
    assert body["company"]["name"] == "Ostrava Castings"
    assert body["company"]["industries"] == ["metals"]
    assert body["user"]["role"] == "owner"
    assert "password" not in body["user"]
    me = client.get("/api/v1/companies/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json["id"] == body["company"]["id"]


def test_api_signup_bad_input_is_problem_json_naming_fields(client):
    before = (_count(Company), _count(User))
    response = client.post(
        "/api/v1/auth/signup",
        json={
            "company": {"name": "", "country": "XX", "nip": "1234567890"},
            "user": {"email": "nobody", "password": "weak"},
        },
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.json["errors"]
    assert errors["user.full_name"] == ["Missing data for required field."]
    assert "company.name" in errors
    assert (_count(Company), _count(User)) == before


def test_api_signup_service_rules_name_each_field(client):
    response = client.post(
        "/api/v1/auth/signup",
        json={
            "company": {"name": "Good Name", "country": "XX", "nip": "1234567890"},
            "user": {"email": "nobody", "password": "weakweakweak", "full_name": "N"},
        },
    )
    assert response.status_code == 422
    errors = response.json["errors"]
    assert errors["company.country"] == ["Choose a country (ISO code such as PL or DE)."]
    assert errors["company.nip"] == ["This NIP's check digit is wrong."]
    assert errors["user.email"] == ["Enter a valid e-mail address."]
    assert "user.password" in errors


def test_api_signup_rejects_a_body_that_is_not_an_object(client):
    response = client.post("/api/v1/auth/signup", data="[]", content_type="application/json")
    assert response.status_code == 422
    assert response.json["errors"] == {"_body": ["The request body must be a JSON object."]}


def test_fields_point_to_their_error_only_when_they_have_one(client):
    blank = client.get("/signup").text
    assert 'aria-invalid="false"' in blank and "aria-describedby" not in blank
    refused = client.post("/signup", data={"company_name": ""}).text
    assert 'aria-describedby="company_name-error"' in refused
    assert 'aria-describedby="None"' not in refused
