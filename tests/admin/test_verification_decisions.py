"""The operator decides each verification request once, in the order companies asked."""

from __future__ import annotations

import datetime as dt
import threading

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.companies import services as companies
from marketplace.companies import verification
from marketplace.companies.models import Company, VerificationRequest
from marketplace.core import clock
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from tests import factories

DETAILS = {"legal_name": "Legal Name sp. z o.o.", "nip": "5260250274", "street": "ul. Prosta 1"}


def _asking(owner, company, message: str = "") -> None:
    companies.update_profile(owner, company, {**DETAILS, "city": company.city or "Poznań"})
    verification.request_verification(owner, company, message)


def _history(company) -> list[str | None]:
    return list(
        db.session.execute(
            sa.select(VerificationRequest.decision)
            .where(VerificationRequest.company_id == company.id)
            .order_by(VerificationRequest.id)
        ).scalars()
    )


def test_a_second_click_on_approve_changes_nothing_and_says_why(
    client, owner_a, company_a, operator_client, api_operator
):
    _asking(owner_a, company_a)
    url = f"/admin/companies/{company_a.id}/verify"
    operator_client.post(url, data={"decision": "approve"})
    again = operator_client.post(
        url, data={"decision": "reject", "reason": "x"}, follow_redirects=True
    )
    assert "Not saved: No verification request of this company is waiting" in again.text
    api = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": True},
        headers=api_operator,
    )
    assert api.status_code == 409
    assert api.mimetype == "application/problem+json"
    db.session.refresh(company_a)
    assert company_a.verification_status == "verified"
    assert _history(company_a) == ["approved"]


def test_a_company_that_never_asked_cannot_be_decided(client, company_a, api_operator):
    response = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": True},
        headers=api_operator,
    )
    assert response.status_code == 409
    db.session.refresh(company_a)
    assert company_a.verification_status == "unverified"
    assert _history(company_a) == []


def test_a_request_withdrawn_by_an_identity_change_cannot_be_approved(
    client, owner_a, company_a, api_operator
):
    _asking(owner_a, company_a)
    companies.update_profile(owner_a, company_a, {"legal_name": "Other Name S.A."})
    response = client.post(
        f"/api/v1/admin/companies/{company_a.id}/verify",
        json={"approved": True},
        headers=api_operator,
    )
    assert response.status_code == 409
    db.session.refresh(company_a)
    assert company_a.verification_status == "unverified"
    assert _history(company_a) == ["withdrawn"]


def test_the_queue_keeps_the_order_of_asking_when_a_company_edits_its_profile(
    client, owner_a, company_a, owner_b, company_b, api_operator, api_a
):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    clock.freeze(start)
    _asking(owner_a, company_a)
    clock.freeze(start + dt.timedelta(hours=1))
    _asking(owner_b, company_b)
    clock.freeze(start + dt.timedelta(hours=2))
    client.patch("/api/v1/companies/me", json={"phone": "+48 600 100 200"}, headers=api_a)

    queue = client.get("/api/v1/admin/verifications", headers=api_operator).json
    assert [c["name"] for c in queue] == ["Alpha Steel", "Beta Chemicals"]


def test_two_operators_deciding_at_once_record_one_decision(app, committed_session):
    company = factories.company(name="Race Verified", city="Poznań")
    owner = factories.user(company, role="owner")
    first = factories.operator("first-operator@market.example")
    second = factories.operator("second-operator@market.example")
    _asking(owner, company)
    db.session.commit()
    ids = company.id, first.id, second.id
    db.session.remove()

    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(operator_id: int, approved: bool) -> None:
        with app.app_context():
            try:
                mine = db.session.get(Company, ids[0])
                operator = db.session.get(User, operator_id)
                barrier.wait(timeout=10)
                verification.decide_verification(
                    operator, mine, approved=approved, reason="" if approved else "No."
                )
                db.session.commit()
                outcomes.append("decided")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=decide, args=(ids[1], True)),
        threading.Thread(target=decide, args=(ids[2], False)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["conflict", "decided"]
    final = db.session.get(Company, ids[0])
    decisions = _history(final)
    assert len(decisions) == 1 and decisions[0] in ("approved", "rejected")
    assert final.verification_status == ("verified" if decisions == ["approved"] else "rejected")
