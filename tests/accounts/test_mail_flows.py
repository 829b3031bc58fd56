"""E-mail confirmation, password reset and colleague invitations with roles."""

from __future__ import annotations

import datetime as dt
import re
import socket

import sqlalchemy as sa

from marketplace.accounts.models import Invitation, User
from marketplace.core import clock, jobs, mail
from marketplace.core.extensions import db
from marketplace.core.jobs import Job
from tests.factories import PASSWORD


def _link(message) -> str:
    return re.search(r"http://market\.test(/\S+)", message.get_content()).group(1)


def test_confirmation_link_confirms_the_address(client, sent_mail):
    client.post(
        "/api/v1/auth/signup",
        json={
            "company": {"name": "Lyon Textiles", "country": "FR"},
            "user": {
                "email": "claire@lyon.example",
                "password": "Textile-Lyon-1",
                "full_name": "Claire Martin",
            },
        },
    )
    link = _link(sent_mail[-1])
    assert client.get(link).status_code == 302
    user = db.session.execute(
        sa.select(User).where(User.email == "claire@lyon.example")
    ).scalar_one()
    assert user.email_confirmed
    forged = client.get(link[:-3] + "abc", follow_redirects=True)
    assert "invalid or has expired" in forged.text


def test_password_reset_link_works_once_and_expires(client, owner_a, sent_mail):
    response = client.post("/password/forgot", data={"email": owner_a.email})
    assert response.status_code == 302
    link = _link(sent_mail[-1])
    weak = client.post(link, data={"password": "short"})
    assert weak.status_code == 422 and "Use at least 10 characters." in weak.text
    assert client.post(link, data={"password": "Brand-New-Pass-7"}).status_code == 302
    assert (
        client.post(
            "/login", data={"email": owner_a.email, "password": "Brand-New-Pass-7"}
        ).status_code
        == 302
    )
    client.post("/logout")
    reused = client.post(link, data={"password": "Another-Pass-8"}, follow_redirects=True)
    assert "invalid or has expired" in reused.text

    client.post("/password/forgot", data={"email": owner_a.email})
    late_link = _link(sent_mail[-1])
    clock.advance(dt.timedelta(hours=2))
    assert "invalid or has expired" in client.get(late_link, follow_redirects=True).text


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(client, sent_mail):
    response = client.post(
        "/password/forgot", data={"email": "nobody@nowhere.example"}, follow_redirects=True
    )
    assert "If an account exists for this address" in response.text
    assert sent_mail == []


def test_owner_invites_a_buyer_who_joins_with_that_role(client_a, company_a, sent_mail, app):
    response = client_a.post(
        "/company/members", data={"email": "Kasia@alpha.example", "role": "buyer"}
    )
    assert response.status_code == 302
    link = _link(sent_mail[-1])
    newcomer = app.test_client()
    bad = newcomer.post(link, data={"full_name": "", "password": "Kasia-Buys-2026"})
    assert bad.status_code == 422
    assert (
        newcomer.post(
            link, data={"full_name": "Kasia Nowak", "password": "Kasia-Buys-2026"}
        ).status_code
        == 302
    )
    kasia = db.session.execute(
        sa.select(User).where(User.email == "kasia@alpha.example")
    ).scalar_one()
    assert (kasia.company_id, kasia.role) == (company_a.id, "buyer")
    assert "invalid, used or expired" in app.test_client().get(link, follow_redirects=True).text


def test_invitation_bad_input_names_the_field(client_a, owner_a):
    for data, field_text in [
        ({"email": "not-mail", "role": "buyer"}, "Enter a valid e-mail address."),
        ({"email": owner_a.email, "role": "buyer"}, "This person already has an account."),
        ({"email": "x@alpha.example", "role": "owner"}, "Not a valid choice"),
    ]:
        response = client_a.post("/company/members", data=data)
        assert response.status_code == 422
        assert field_text in response.text
    assert db.session.execute(sa.select(sa.func.count()).select_from(Invitation)).scalar_one() == 0


def test_roles_decide_who_manages_colleagues(app, viewer_a, owner_a, company_a, owner_b):
    viewer = app.test_client(user=viewer_a)
    assert viewer.get("/company/members").status_code == 200
    assert (
        viewer.post("/company/members", data={"email": "a@b.example", "role": "admin"}).status_code
        == 403
    )
    assert (
        viewer.post(f"/company/members/{owner_a.id}/role", data={"role": "viewer"}).status_code
        == 403
    )
    owner = app.test_client(user=owner_a)
    assert (
        owner.post(f"/company/members/{viewer_a.id}/role", data={"role": "seller"}).status_code
        == 302
    )
    db.session.refresh(viewer_a)
    assert viewer_a.role == "seller"
    # someone of another company is not found, and the owner's own role cannot change
    assert (
        owner.post(f"/company/members/{owner_b.id}/role", data={"role": "viewer"}).status_code
        == 404
    )
    assert (
        owner.post(f"/company/members/{owner_a.id}/role", data={"role": "viewer"}).status_code
        == 403
    )
    assert (
        owner.post(f"/company/members/{viewer_a.id}/role", data={"role": "emperor"}).status_code
        == 422
    )


def test_account_details_and_password_change(client_a, owner_a):
    response = client_a.post(
        "/account", data={"action": "details", "full_name": "", "locale": "pl"}
    )
    assert response.status_code == 422
    ok = client_a.post(
        "/account",
        data={"action": "details", "full_name": "Ola Stal", "job_title": "CEO", "locale": "pl"},
    )
    assert ok.status_code == 302
    db.session.refresh(owner_a)
    assert (owner_a.full_name, owner_a.locale) == ("Ola Stal", "pl")
    wrong = client_a.post(
        "/account",
        data={
            "action": "password",
            "pw-current_password": "nope",
            "pw-new_password": "New-Pass-2026",
        },
    )
    assert "To nie jest Twoje obecne hasło." in wrong.text  # the person chose Polish above
    right = client_a.post(
        "/account",
        data={
            "action": "password",
            "pw-current_password": PASSWORD,
            "pw-new_password": "New-Pass-2026",
        },
    )
    assert right.status_code == 302


def test_a_mail_server_outage_neither_fails_the_request_nor_loses_the_mail(
    app, client, owner_a, sent_mail
):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    app.config["MAIL_URL"] = f"smtp://127.0.0.1:{closed}"
    try:
        response = client.post("/password/forgot", data={"email": owner_a.email})
        assert response.status_code == 302
        assert jobs.run_pending() == 1  # tried, failed, kept for a retry
        job = db.session.execute(sa.select(Job).where(Job.name == mail.SEND_JOB)).scalar_one()
        assert (job.status, job.attempts) == ("pending", 1) and job.last_error
    finally:
        app.config["MAIL_URL"] = ""
    clock.advance(dt.timedelta(minutes=5))  # past the first backoff: the server is back
    assert (
        sent_mail[-1]["To"] == owner_a.email and "/password/reset/" in sent_mail[-1].get_content()
    )
