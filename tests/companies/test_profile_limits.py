"""Too much text in a profile is refused naming the field, never cut (a cut could break the HTML)."""

from __future__ import annotations

from marketplace.companies.reference import INDUSTRIES
from marketplace.core.extensions import db
from tests.companies.test_profile import PROFILE

LONG_DESCRIPTION = "<p>" + "Laser cutting. " * 1400 + "</p>"  # 21,007 characters


def test_the_api_refuses_a_description_over_the_limit_and_keeps_the_old_one(
    client, api_a, company_a
):
    client.patch("/api/v1/companies/me", json={"description": "<p>Before</p>"}, headers=api_a)
    response = client.patch(
        "/api/v1/companies/me",
        json={"description": LONG_DESCRIPTION, "city": "Gniezno"},
        headers=api_a,
    )
    assert response.status_code == 422
    assert response.json["errors"]["description"] == ["Longer than maximum length 20000."]
    db.session.refresh(company_a)
    assert company_a.description == "<p>Before</p>" and company_a.city == "Poznań"


def test_a_description_at_the_limit_is_stored_whole(client, api_a, company_a):
    text = "<p>" + "x" * (20000 - len("<p></p>")) + "</p>"
    response = client.patch("/api/v1/companies/me", json={"description": text}, headers=api_a)
    assert response.status_code == 200
    db.session.refresh(company_a)
    assert company_a.description == text


def test_the_form_refuses_a_long_description_beside_the_field(client_a, company_a):
    response = client_a.post("/company/profile", data={**PROFILE, "description": LONG_DESCRIPTION})
    assert response.status_code == 422
    assert "20000 characters" in response.text
    db.session.refresh(company_a)
    assert company_a.legal_name is None


def test_more_than_thirty_capabilities_are_refused_not_dropped(client, client_a, api_a, company_a):
    many = [f"Capability {n}" for n in range(31)]
    api = client.patch("/api/v1/companies/me", json={"capabilities": many}, headers=api_a)
    assert api.status_code == 422 and "capabilities" in api.json["errors"]
    page = client_a.post("/company/profile", data={**PROFILE, "capabilities": "\n".join(many)})
    assert page.status_code == 422
    assert "List at most 30 capabilities." in page.text
    too_long = client_a.post("/company/profile", data={**PROFILE, "capabilities": "x" * 81})
    assert "Each capability has at most 80 characters." in too_long.text
    db.session.refresh(company_a)
    assert company_a.capabilities == []


def test_more_than_ten_industries_are_refused(client, api_a, company_a):
    response = client.patch(
        "/api/v1/companies/me", json={"industries": list(INDUSTRIES)[:11]}, headers=api_a
    )
    assert response.status_code == 422 and "industries" in response.json["errors"]
    db.session.refresh(company_a)
    assert company_a.industries == ["metals"]


def test_a_long_certificate_name_sent_as_a_form_is_refused_not_cut(client, api_a, company_a):
    response = client.post(
        "/api/v1/companies/me/certificates",
        data={"kind": "ce", "issuer": "EU body", "number": "CE-1", "name": "N" * 201},
        headers=api_a,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.json["errors"] == {"name": ["At most 200 characters."]}
    assert client.get("/api/v1/companies/me", headers=api_a).json["certificates"] == []
