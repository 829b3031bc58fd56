"""Members of a suspended company lose access at once: pages, sign-in and API tokens."""

from __future__ import annotations

from marketplace.companies.models import CompanyStatus
from marketplace.core.extensions import db
from tests import factories
from tests.factories import PASSWORD

SUSPENDED = "Your company's account is suspended"


def _suspend(operator_client, company) -> None:
    response = operator_client.post(
        f"/admin/companies/{company.id}/status", data={"status": "suspended"}
    )
    assert response.status_code == 302
    db.session.refresh(company)
    assert company.status == CompanyStatus.SUSPENDED


def test_a_signed_in_member_is_signed_out_when_the_company_is_suspended(
    client_a, operator_client, company_a
):
    assert client_a.get("/dashboard").status_code == 200
    _suspend(operator_client, company_a)
    response = client_a.get("/dashboard")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_member_of_a_suspended_company_cannot_sign_in_and_is_told_why(
    client, curl, owner_a, operator_client, company_a
):
    _suspend(operator_client, company_a)
    page = client.post("/login", data={"email": owner_a.email, "password": PASSWORD})
    assert page.status_code == 401
    assert SUSPENDED in page.text.replace("&#39;", "'")
    token = curl.post("/api/v1/auth/tokens", json={"email": owner_a.email, "password": PASSWORD})
    assert token.status_code == 401
    assert token.json["errors"]["email"][0].startswith(SUSPENDED)


def test_existing_tokens_stop_working_and_change_nothing(client, api_a, operator_client, company_a):
    _suspend(operator_client, company_a)
    response = client.patch("/api/v1/companies/me", json={"city": "Gniezno"}, headers=api_a)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    db.session.refresh(company_a)
    assert company_a.city == "Poznań"


def test_access_returns_when_the_company_is_reactivated(
    client, api_a, operator_client, company_a, owner_a
):
    _suspend(operator_client, company_a)
    operator_client.post(f"/admin/companies/{company_a.id}/status", data={"status": "active"})
    assert client.get("/api/v1/companies/me", headers=api_a).status_code == 200
    login = client.post("/login", data={"email": owner_a.email, "password": PASSWORD})
    assert login.status_code == 302


def test_an_operator_who_belongs_to_a_suspended_company_keeps_access(
    app, operator_client, company_a
):
    staff = factories.user(company_a, role="viewer", email="staff@alpha.example", is_operator=True)
    _suspend(operator_client, company_a)
    staff_client = app.test_client(user=staff)
    assert staff_client.get("/admin/").status_code == 200
    api = factories.bearer(staff)
    assert staff_client.get("/api/v1/me", headers=api).status_code == 200
