"""What a person does in a thread does not come back to them as unread."""

from __future__ import annotations

import pytest

from marketplace.core.extensions import db
from messaging import services
from tests.messaging import factories as mf


@pytest.fixture
def thread(owner_a, company_b, owner_b):
    t = mf.thread(owner_a, company_b, subject="Soda ash contract")
    db.session.commit()
    return t


def _badge(app, user) -> int:
    return app.test_client(user=user).get("/messages/unread.json").json["threads"]


def _meeting_json(start: str = "2031-03-04") -> dict:
    return {
        "title": "Call",
        "timezone": "Europe/Warsaw",
        "slots": [{"starts_at": f"{start}T10:00:00", "ends_at": f"{start}T11:00:00"}],
    }


def test_proposing_and_answering_a_meeting_leaves_ones_own_thread_read(
    app, client, api_a, api_b, thread, owner_a, owner_b
):
    app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    assert (_badge(app, owner_a), _badge(app, owner_b)) == (0, 0)

    meeting = client.post(
        f"/api/v1/threads/{thread.id}/meetings", json=_meeting_json(), headers=api_a
    ).json
    assert (_badge(app, owner_a), _badge(app, owner_b)) == (0, 1)
    listed = client.get("/api/v1/threads", headers=api_a).json["items"]
    assert listed[0]["unread"] == 0

    app.test_client(user=owner_b).get(f"/messages/{thread.id}")
    bell = app.test_client(user=owner_b).get("/messages/unread.json").json["notifications"]
    client.post(
        f"/api/v1/meetings/{meeting['id']}/accept",
        json={"slot_id": meeting["slots"][0]["id"]},
        headers=api_b,
    )
    assert (_badge(app, owner_a), _badge(app, owner_b)) == (1, 0)
    # their own confirmation (kept for its calendar e-mail) does not ring their bell
    assert app.test_client(user=owner_b).get("/messages/unread.json").json["notifications"] == bell


def test_a_partner_message_not_yet_read_stays_unread_after_ones_own_action(
    app, client, api_a, thread, owner_a, owner_b
):
    services.post_message(owner_b, thread, {"body": "Can we meet?"})
    db.session.commit()
    client.post(f"/api/v1/threads/{thread.id}/meetings", json=_meeting_json(), headers=api_a)
    assert _badge(app, owner_a) == 1
