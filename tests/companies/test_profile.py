"""A company fills in its public profile; colleagues without rights and other companies cannot change it."""

from __future__ import annotations

import io

from PIL import Image

from marketplace.core.extensions import db
from tests.factories import bearer


def _png(size=(64, 64)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (15, 95, 168)).save(buffer, format="PNG")
    return buffer.getvalue()


PROFILE = {
    "name": "Alpha Steel",
    "legal_name": "Alpha Steel sp. z o.o.",
    "vat_id": "PL 526-025-02-74",
    "nip": "5260250274",
    "krs": "0000012345",
    "regon": "012100784",
    "description": '<p>Laser cutting <b>fast</b></p><script>steal()</script><img src=x onerror="alert(1)">',
    "industries": ["metals", "machinery"],
    "capabilities": "Laser cutting\nCNC bending\nLaser cutting",
    "languages": ["pl", "en"],
    "size": "50-249",
    "year_founded": "1994",
    "website": "alpha-steel.example",
    "email": "sales@alpha-steel.example",
    "country": "PL",
    "city": "Poznań",
    "street": "ul. Składowa 4",
    "postal_code": "61-001",
    "latitude": "52.4064",
    "longitude": "16.9252",
}


def test_owner_fills_in_the_profile_and_it_shows_publicly(client_a, company_a, client):
    response = client_a.post("/company/profile", data=PROFILE)
    assert response.status_code == 302
    db.session.refresh(company_a)
    assert company_a.vat_id == "PL5260250274"
    assert sorted(company_a.industries) == ["machinery", "metals"]
    assert company_a.capabilities == ["Laser cutting", "CNC bending"]
    assert company_a.website == "https://alpha-steel.example"
    assert company_a.latitude == 52.4064
    assert "<script>" not in company_a.description and "onerror" not in company_a.description
    assert "<b>fast</b>" in company_a.description

    page = client.get("/companies/alpha-steel").text
    assert "Alpha Steel sp. z o.o." in page
    assert "Laser cutting" in page and "Machinery and equipment" in page
    assert "steal()" not in page


def test_profile_form_with_bad_identifiers_shows_each_error_and_writes_nothing(client_a, company_a):
    response = client_a.post(
        "/company/profile",
        data={
            **PROFILE,
            "nip": "5260250275",
            "regon": "12",
            "year_founded": "1700",
            "website": "not a url",
            "industries": ["space"],
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "This NIP&#39;s check digit is wrong." in page
    assert "A REGON has 9 or 14 digits." in page
    assert "Enter a year between 1800 and" in page
    assert "Enter a web address such as https://example.com." in page
    db.session.refresh(company_a)
    assert company_a.nip is None and company_a.legal_name is None


def test_a_viewer_cannot_edit_the_profile(app, viewer_a, company_a):
    viewer = app.test_client(user=viewer_a)
    assert viewer.get("/company/profile").status_code == 403
    assert viewer.post("/company/profile", data=PROFILE).status_code == 403
    db.session.refresh(company_a)
    assert company_a.legal_name is None


def test_api_patch_changes_only_given_fields(client, api_a, company_a):
    response = client.patch(
        "/api/v1/companies/me", json={"city": "Gniezno", "industries": ["packaging"]}, headers=api_a
    )
    assert response.status_code == 200
    assert response.json["city"] == "Gniezno"
    assert response.json["industries"] == ["packaging"]
    assert response.json["name"] == "Alpha Steel"


def test_api_patch_bad_input_is_problem_json_and_writes_nothing(client, api_a, company_a):
    response = client.patch(
        "/api/v1/companies/me",
        json={"city": "Gniezno", "country": "ZZ", "latitude": 91, "year_founded": "nineteen"},
        headers=api_a,
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "year_founded" in response.json["errors"]
    second = client.patch(
        "/api/v1/companies/me",
        json={"city": "Gniezno", "country": "ZZ", "latitude": 91},
        headers=api_a,
    )
    assert set(second.json["errors"]) == {"country", "latitude", "longitude"}
    db.session.refresh(company_a)
    assert company_a.city == "Poznań"


def test_api_viewer_gets_403_on_patch(client, viewer_a, company_a):
    response = client.patch("/api/v1/companies/me", json={"city": "X"}, headers=bearer(viewer_a))
    assert response.status_code == 403
    assert client.get("/api/v1/companies/me", headers=bearer(viewer_a)).status_code == 200


def test_logo_upload_is_sniffed_and_stored_privately(app, client_a, company_a, client):
    response = client_a.post(
        "/company/logo",
        data={"logo": (io.BytesIO(_png()), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(company_a)
    assert company_a.logo_key and company_a.logo_key.endswith(".png")
    assert company_a.logo_key != "logo.png"
    served = client.get(f"/companies/{company_a.id}/logo")
    assert served.status_code == 200
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/static/{company_a.logo_key}").status_code == 404


def test_a_disguised_executable_is_refused_as_logo(client_a, company_a):
    response = client_a.post(
        "/company/logo",
        data={"logo": (io.BytesIO(b"MZ\x90\x00" + b"\x00" * 100), "logo.png")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "This type of file is not accepted." in response.text
    db.session.refresh(company_a)
    assert company_a.logo_key is None


def test_an_oversized_logo_is_refused(app, client, api_a, company_a):
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (app.config["MAX_IMAGE_BYTES"] + 10)
    response = client.post(
        "/api/v1/companies/me/logo",
        data={"logo": (io.BytesIO(big), "big.png")},
        headers=api_a,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.json["errors"]["logo"][0].startswith("The file is larger than")


def test_certificates_with_document_and_validation(client, api_a, company_a):
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    response = client.post(
        "/api/v1/companies/me/certificates",
        data={
            "kind": "iso-9001",
            "issuer": "TÜV",
            "number": "Q-123",
            "valid_until": "2030-01-31",
            "document": (io.BytesIO(pdf), "iso.pdf"),
        },
        headers=api_a,
        content_type="multipart/form-data",
    )
    assert response.status_code == 201
    assert response.json["name"] == "ISO 9001"
    assert response.json["document_url"].endswith("/document")
    document = client.get(response.json["document_url"].replace("http://market.test", ""))
    assert document.status_code == 200 and document.data.startswith(b"%PDF")

    bad = client.post(
        "/api/v1/companies/me/certificates",
        json={"kind": "iso-9001", "issuer": "", "number": "Q-1", "valid_until": "2001-01-01"},
        headers=api_a,
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]) == {"issuer", "valid_until"}
    assert len(client.get("/api/v1/companies/me", headers=api_a).json["certificates"]) == 1


def test_another_companys_certificate_answers_404(client, api_a, api_b, company_a):
    created = client.post(
        "/api/v1/companies/me/certificates",
        json={"kind": "ce", "issuer": "EU body", "number": "CE-1"},
        headers=api_a,
    ).json
    assert (
        client.delete(
            f"/api/v1/companies/me/certificates/{created['id']}", headers=api_b
        ).status_code
        == 404
    )
    assert (
        client.delete(
            f"/api/v1/companies/me/certificates/{created['id']}", headers=api_a
        ).status_code
        == 204
    )


def test_deleting_another_companys_certificate_on_the_page_is_404(client, api_b, client_a):
    created = client.post(
        "/api/v1/companies/me/certificates",
        json={"kind": "fsc", "issuer": "FSC", "number": "F-9"},
        headers=api_b,
    ).json
    assert client_a.post(f"/company/certificates/{created['id']}/delete").status_code == 404
    assert len(client.get("/api/v1/companies/me", headers=api_b).json["certificates"]) == 1


def test_a_logo_upload_without_a_file_says_so(client_a, company_a):
    response = client_a.post(
        "/company/logo", data={}, content_type="multipart/form-data", follow_redirects=True
    )
    assert "Logo not saved: Choose an image file." in response.text
    db.session.refresh(company_a)
    assert company_a.logo_key is None
