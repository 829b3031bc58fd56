"""Only someone whose e-mail address is confirmed may ask the operator to verify the company."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.companies import services as companies
from marketplace.companies.models import VerificationRequest
from marketplace.core.extensions import db

SIGNUP = {
    "company": {"name": "Lyon Textiles", "country": "FR"},
    "user": {"email": "claire@lyon.example", "password": "Textile-Lyon-1", "full_name": "Claire"},
}
DETAILS = {"legal_name": "Lyon Textiles SARL", "vat_id": "FR40303265045", "street": "1 rue X"}


def _signed_up(client):
    body = client.post("/api/v1/auth/signup", json=SIGNUP).json
    headers = {"Authorization": f"Bearer {body['token']}"}
    client.patch("/api/v1/companies/me", json={**DETAILS, "city": "Lyon"}, headers=headers)
    user = db.session.execute(
        sa.select(User).where(User.email == "claire@lyon.example")
    ).scalar_one()
    return user, headers


def _requests(company_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).where(VerificationRequest.company_id == company_id)
    ).scalar_one()


def test_an_unconfirmed_address_cannot_request_verification_over_the_api(client, sent_mail):
    user, headers = _signed_up(client)
    response = client.post("/api/v1/companies/me/verification", json={}, headers=headers)
    assert response.status_code == 403
    assert response.json["errors"]["email"][0].startswith("Confirm your e-mail address")
    assert _requests(user.company_id) == 0

    resent = client.post("/api/v1/me/confirmation", headers=headers)
    assert resent.status_code == 202
    link = re.search(r"http://market\.test(/\S+)", sent_mail[-1].get_content()).group(1)
    client.get(link)
    again = client.post("/api/v1/companies/me/verification", json={}, headers=headers)
    assert again.status_code == 201
    assert again.json["verification"]["status"] == "pending"


def test_the_dashboard_offers_the_confirmation_link_instead_of_the_request(app, client):
    user, _headers = _signed_up(client)
    browser = app.test_client(user=user)
    dashboard = browser.get("/dashboard").text
    assert "Confirm your e-mail address before asking for verification" in dashboard
    assert "Send the confirmation link again" in dashboard

    refused = browser.post("/company/verification", data={"message": ""}, follow_redirects=True)
    assert "Verification not requested: Confirm your e-mail address" in refused.text
    db.session.refresh(user.company)
    assert user.company.verification_status == "unverified"

    resent = browser.post("/confirm/resend", data={"next": "/dashboard"})
    assert resent.headers["Location"].endswith("/dashboard")


def test_a_confirmed_colleague_may_request(client_a, owner_a, company_a):
    companies.update_profile(owner_a, company_a, {**DETAILS, "vat_id": "PL5260250274"})
    assert client_a.post("/company/verification", data={"message": "Hi"}).status_code == 302
    db.session.refresh(company_a)
    assert company_a.verification_status == "pending"
