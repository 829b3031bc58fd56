"""A participant brings a third company into a negotiation; it sees the record so far and takes part."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.core.extensions import db
from messaging import moderation, notifications, services
from messaging.models import Message, ThreadParticipant
from tests import factories
from tests.messaging import factories as mf


@pytest.fixture
def thread(owner_a, company_b, owner_b):
    t = mf.thread(owner_a, company_b, subject="Soda ash, 20 t", body="Can you ship to Leipzig?")
    services.post_message(owner_b, t, {"body": "Yes, with a carrier we trust."})
    db.session.commit()
    return t


def _counts(thread) -> tuple[int, int]:
    def count(model) -> int:
        return db.session.execute(
            sa.select(sa.func.count()).select_from(model).where(model.thread_id == thread.id)
        ).scalar_one()

    return count(ThreadParticipant), count(Message)


def test_a_participant_adds_a_carrier_who_reads_the_history_and_replies(
    app, client, api_a, thread, company_c, owner_c, owner_b
):
    added = client.post(
        f"/api/v1/threads/{thread.id}/participants",
        json={"company_id": company_c.id},
        headers=api_a,
    )
    assert added.status_code == 201, added.json
    assert {p["name"] for p in added.json["participants"]} == {
        "Alpha Steel",
        "Beta Chemicals",
        "Gamma Logistics",
    }
    assert notifications.unread_count(owner_c) == 1

    carrier = app.test_client(user=owner_c)
    page = carrier.get(f"/messages/{thread.id}")
    assert page.status_code == 200
    assert "Can you ship to Leipzig?" in page.text and "with a carrier we trust" in page.text
    assert "Alpha Steel added Gamma Logistics to the conversation." in page.text
    assert "Soda ash, 20 t" in carrier.get("/messages").text

    assert carrier.post(f"/messages/{thread.id}/reply", data={"body": "We can."}).status_code == 302
    assert "We can." in app.test_client(user=owner_b).get(f"/messages/{thread.id}").text


def test_outsiders_cannot_add_companies_or_see_the_thread(client, thread, company_c, owner_c):
    headers = factories.bearer(owner_c)
    response = client.post(
        f"/api/v1/threads/{thread.id}/participants",
        json={"company_id": company_c.id},
        headers=headers,
    )
    assert response.status_code == 404
    assert client.get(f"/api/v1/threads/{thread.id}", headers=headers).status_code == 404
    assert _counts(thread) == (2, 2)


def test_who_cannot_be_added_is_a_field_error_and_changes_nothing(
    client, api_a, thread, company_b, company_c
):
    suspended = factories.company(name="Dormant Trading")
    suspended.status = "suspended"
    moderation.block_company(factories.user(company_c, role="owner"), thread.company_ids[0])
    db.session.commit()
    for company_id in (999999, suspended.id, company_b.id, company_c.id, "3", None):
        response = client.post(
            f"/api/v1/threads/{thread.id}/participants",
            json={"company_id": company_id},
            headers=api_a,
        )
        assert response.status_code == 422, (company_id, response.json)
        assert "company_id" in response.json["errors"]
    assert _counts(thread) == (2, 2)


def test_the_form_on_the_thread_page_takes_a_profile_address(
    app, client_a, thread, company_c, owner_c
):
    page = client_a.get(f"/messages/{thread.id}")
    assert "will see the whole conversation" in page.text

    bad = client_a.post(
        f"/messages/{thread.id}/participants",
        data={"company_id": "https://market.test/companies/no-such-company"},
    )
    assert bad.status_code == 422 and 'id="company_id-error"' in bad.text
    assert _counts(thread) == (2, 2)

    good = client_a.post(
        f"/messages/{thread.id}/participants",
        data={"company_id": f"https://market.test/companies/{company_c.slug}"},
    )
    assert good.status_code == 302
    assert app.test_client(user=owner_c).get(f"/messages/{thread.id}").status_code == 200
