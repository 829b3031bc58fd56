"""A company that changes its legal name or tax identifiers is verified again before it shows the badge."""

from __future__ import annotations

from marketplace.companies import services as companies
from marketplace.companies import verification
from marketplace.core.extensions import db
from tests.companies.test_profile import PROFILE

IDENTITY = {
    "legal_name": "Alpha Steel sp. z o.o.",
    "vat_id": "PL 526-025-02-74",
    "nip": "5260250274",
    "street": "ul. Składowa 4",
}


def _verified(owner, company, operator) -> None:
    companies.update_profile(owner, company, IDENTITY)
    verification.request_verification(owner, company)
    verification.decide_verification(operator, company, approved=True)


def test_a_new_legal_name_removes_the_badge_and_the_api_says_why(
    client, api_a, owner_a, company_a, operator
):
    _verified(owner_a, company_a, operator)
    response = client.patch(
        "/api/v1/companies/me", json={"legal_name": "Alpha Holding S.A."}, headers=api_a
    )
    assert response.status_code == 200
    assert response.json["verified"] is False
    assert response.json["verification"]["status"] == "unverified"
    assert response.json["verification"]["decision"] == "revoked"
    assert "legal name or tax identifiers changed" in response.json["verification"]["reason"]
    assert client.get(f"/api/v1/companies/{company_a.id}").json["verified"] is False
    assert company_a.id not in [
        c["id"] for c in client.get("/api/v1/companies?verified=true").json["items"]
    ]


def test_a_new_tax_number_on_the_form_is_flashed_and_shown_on_the_dashboard(
    client_a, owner_a, company_a, operator
):
    _verified(owner_a, company_a, operator)
    page = client_a.get("/company/profile").text
    assert "removes the verified badge" in page

    saved = client_a.post(
        "/company/profile", data={**PROFILE, "regon": "012100784"}, follow_redirects=True
    )
    assert "The verified badge was removed" in saved.text
    db.session.refresh(company_a)
    assert company_a.verification_status == "unverified" and company_a.verified_at is None
    dashboard = client_a.get("/dashboard").text
    assert "The verified badge was removed" in dashboard
    assert "Request verification" in dashboard


def test_other_changes_and_the_same_identifiers_written_differently_keep_the_badge(
    client, client_a, api_a, owner_a, company_a, operator
):
    _verified(owner_a, company_a, operator)
    client.patch("/api/v1/companies/me", json={"city": "Gniezno"}, headers=api_a)
    client_a.post(
        "/company/profile",
        data={**PROFILE, "krs": "", "regon": "", "vat_id": "pl5260250274", "city": "Gniezno"},
    )
    db.session.refresh(company_a)
    assert company_a.verification_status == "verified"
    assert client.get(f"/api/v1/companies/{company_a.id}").json["verified"] is True


def test_an_identity_change_while_waiting_withdraws_the_request(
    client, api_a, owner_a, company_a, operator_client
):
    companies.update_profile(owner_a, company_a, IDENTITY)
    verification.request_verification(owner_a, company_a, "KRS attached")
    assert "Alpha Steel" in operator_client.get("/admin/verifications").text

    response = client.patch("/api/v1/companies/me", json={"nip": "7740001454"}, headers=api_a)
    assert response.status_code == 200
    assert response.json["verification"]["status"] == "unverified"
    assert response.json["verification"]["decision"] == "withdrawn"
    assert "withdrawn" in response.json["verification"]["reason"]
    assert "Alpha Steel" not in operator_client.get("/admin/verifications").text
    again = client.post("/api/v1/companies/me/verification", json={}, headers=api_a)
    assert again.status_code == 201
    assert again.json["verification"]["status"] == "pending"
