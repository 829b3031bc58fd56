"""The operator verifies companies: a request, a decision with a reason, the badge, and who may decide."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.companies import services as companies
from marketplace.companies.models import Company
from marketplace.core.extensions import db


def _ready(company: Company, owner) -> None:
    companies.update_profile(
        owner,
        company,
        {"legal_name": "Alpha Steel sp. z o.o.", "nip": "5260250274", "street": "ul. Stalowa 1"},
    )


def test_company_requests_operator_approves_and_badge_appears(
    client_a, owner_a, company_a, operator_client, client
):
    _ready(company_a, owner_a)
    assert (
        client_a.post("/company/verification", data={"message": "KRS attached"}).status_code == 302
    )
    db.session.refresh(company_a)
    assert company_a.verification_status == "pending"

    queue = operator_client.get("/admin/verifications")
    assert queue.status_code == 200 and "Alpha Steel" in queue.text and "KRS attached" in queue.text

    operator_client.post(f"/admin/companies/{company_a.id}/verify", data={"decision": "approve"})
    db.session.refresh(company_a)
    assert company_a.verification_status == "verified"
    assert "✔ Verified" in client.get("/companies/alpha-steel").text
    assert company_a.id in [
        c["id"] for c in client.get("/api/v1/companies?verified=true").json["items"]
    ]


def test_incomplete_company_cannot_request_verification(client, api_a, company_a):
    response = client.post("/api/v1/companies/me/verification", json={}, headers=api_a)
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"legal_name", "street", "vat_id"}
    db.session.refresh(company_a)
    assert company_a.verification_status == "unverified"


def test_rejection_needs_a_reason_which_the_company_then_sees(
    client, api_a, api_operator, owner_a, company_a, client_a
):
    _ready(company_a, owner_a)
    client.post("/api/v1/companies/me/verification", json={"message": "please"}, headers=api_a)

    no_reason = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": False},
        headers=api_operator,
    )
    assert no_reason.status_code == 422
    assert no_reason.json["errors"] == {"reason": ["Say why the company is rejected."]}
    db.session.refresh(company_a)
    assert company_a.verification_status == "pending"

    decided = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": False, "reason": "The KRS extract is older than 3 months."},
        headers=api_operator,
    )
    assert decided.status_code == 200
    mine = client.get("/api/v1/companies/me", headers=api_a).json
    assert mine["verification"]["status"] == "rejected"
    assert mine["verification"]["reason"] == "The KRS extract is older than 3 months."
    assert "The KRS extract is older than 3 months." in client_a.get("/dashboard").text
    # the public profile does not carry the reason
    assert "verification" not in client.get(f"/api/v1/companies/{company_a.id}").json


def test_only_operators_decide(client, api_a, api_b, company_a, client_a):
    response = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify", json={"approved": True}, headers=api_b
    )
    assert response.status_code == 403
    assert client_a.get("/admin/verifications").status_code == 404
    assert (
        client_a.post(
            f"/admin/companies/{company_a.id}/verify", data={"decision": "approve"}
        ).status_code
        == 404
    )
    db.session.refresh(company_a)
    assert company_a.verification_status == "unverified"


def test_verify_bad_input_and_unknown_company(client, api_operator, company_a):
    bad = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": "maybe"},
        headers=api_operator,
    )
    assert bad.status_code == 422 and "approved" in bad.json["errors"]
    missing = client.post(
        "/api/v1/admin/companies/999999/verify", json={"approved": True}, headers=api_operator
    )
    assert missing.status_code == 404


def test_suspended_company_disappears_from_directory_and_profile(
    client, operator_client, company_a
):
    operator_client.post(f"/admin/companies/{company_a.id}/status", data={"status": "suspended"})
    assert client.get("/companies/alpha-steel").status_code == 404
    assert client.get(f"/api/v1/companies/{company_a.id}").status_code == 404
    ids = [c["id"] for c in client.get("/api/v1/companies").json["items"]]
    assert company_a.id not in ids


def test_operator_can_be_created_from_the_command_line(app):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "accounts",
            "create-operator",
            "staff@market.example",
            "--password",
            "Operator-Pass-1",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Operator staff@market.example created" in result.output
    weak = runner.invoke(
        args=["accounts", "create-operator", "weak@market.example", "--password", "short"]
    )
    assert weak.exit_code != 0
    assert "password" in weak.output
    weak_user = db.session.execute(
        sa.select(User).where(User.email == "weak@market.example")
    ).scalar_one_or_none()
    assert weak_user is None


def test_a_request_without_legal_details_or_twice_is_refused_with_the_reason(
    client_a, owner_a, company_a, operator_client
):
    missing = client_a.post(
        "/company/verification", data={"message": ""}, follow_redirects=True
    ).text
    assert "Verification not requested:" in missing and "(legal_name, " in missing
    db.session.refresh(company_a)
    assert company_a.verification_status != "pending"
    _ready(company_a, owner_a)
    client_a.post("/company/verification", data={"message": "KRS attached"})
    again = client_a.post("/company/verification", data={"message": ""}, follow_redirects=True)
    assert (
        "Verification not requested: A verification request is already waiting for the operator."
        in again.text
    )


def test_a_rejection_without_a_reason_is_not_saved(client_a, owner_a, company_a, operator_client):
    _ready(company_a, owner_a)
    client_a.post("/company/verification", data={"message": "KRS attached"})
    response = operator_client.post(
        f"/admin/companies/{company_a.id}/verify",
        data={"decision": "reject", "reason": " "},
        follow_redirects=True,
    )
    assert "Not saved: Say why the company is rejected." in response.text
    db.session.refresh(company_a)
    assert company_a.verification_status == "pending"
