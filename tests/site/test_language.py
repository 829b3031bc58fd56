"""The interface speaks English and Polish; a person's choice sticks."""

from __future__ import annotations

from marketplace.core.extensions import db


def test_polish_from_the_browser_and_the_switch(client):
    polish = client.get("/", headers={"Accept-Language": "pl-PL,pl;q=0.9"})
    assert 'lang="pl"' in polish.text
    assert "Metale i obróbka metali" in polish.text
    client.post("/language", data={"lang": "en", "next": "/companies"})
    english = client.get("/", headers={"Accept-Language": "pl-PL"})
    assert "Metals and metalworking" in english.text


def test_signed_in_choice_is_remembered_on_the_account(client_a, owner_a):
    client_a.post("/language", data={"lang": "pl", "next": "//evil.example"})
    db.session.refresh(owner_a)
    assert owner_a.locale == "pl"


def test_form_errors_are_translated(client):
    response = client.post(
        "/signup",
        data={"company_name": "", "country": "", "full_name": "", "email": "x", "password": "x"},
        headers={"Accept-Language": "pl"},
    )
    assert "To pole jest wymagane." in response.text
