"""Partners schedule meetings from a thread; invitations and calendars work in calendar applications."""

from __future__ import annotations

import datetime as dt
import email

import icalendar
import pytest
import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from messaging import meetings
from messaging.models import Meeting, Notification
from tests.messaging import factories as mf


def _slots(start: dt.datetime, n: int = 2) -> list[dict]:
    return [
        {
            "starts_at": (start + dt.timedelta(days=i)).isoformat(),
            "ends_at": (start + dt.timedelta(days=i, hours=1)).isoformat(),
        }
        for i in range(n)
    ]


@pytest.fixture
def thread(owner_a, company_b, owner_b):
    t = mf.thread(owner_a, company_b, subject="Soda ash contract")
    db.session.commit()
    return t


def test_propose_accept_and_the_invitation_parses_back(
    client, api_a, api_b, thread, smtp, owner_a, owner_b
):
    clock.freeze(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
    proposed = client.post(
        f"/api/v1/threads/{thread.id}/meetings",
        json={
            "title": "Plant visit",
            "timezone": "Europe/Warsaw",
            "place": "Leipzig plant",
            "video_url": "https://meet.example/abc",
            "slots": [
                {"starts_at": "2026-06-10T10:00:00", "ends_at": "2026-06-10T11:30:00"},
                {"starts_at": "2026-06-11T14:00:00", "ends_at": "2026-06-11T15:00:00"},
            ],
        },
        headers=api_a,
    )
    assert proposed.status_code == 201, proposed.json
    meeting = proposed.json
    assert meeting["status"] == "proposed" and len(meeting["slots"]) == 2
    # naive times are wall-clock in the chosen zone: 10:00 in Warsaw (CEST) is 08:00 UTC
    assert meeting["slots"][0]["starts_at"].startswith("2026-06-10T08:00:00")

    own = client.post(
        f"/api/v1/meetings/{meeting['id']}/accept",
        json={"slot_id": meeting["slots"][0]["id"]},
        headers=api_a,
    )
    assert own.status_code == 409  # the proposer does not answer their own proposal
    bad = client.post(
        f"/api/v1/meetings/{meeting['id']}/accept", json={"slot_id": 999999}, headers=api_b
    )
    assert bad.status_code == 422 and "slot_id" in bad.json["errors"]
    missing = client.post(f"/api/v1/meetings/{meeting['id']}/accept", json={}, headers=api_b)
    assert missing.status_code == 422
    accepted = client.post(
        f"/api/v1/meetings/{meeting['id']}/accept",
        json={"slot_id": meeting["slots"][1]["id"]},
        headers=api_b,
    )
    assert accepted.status_code == 200 and accepted.json["status"] == "accepted"
    again = client.post(
        f"/api/v1/meetings/{meeting['id']}/accept",
        json={"slot_id": meeting["slots"][1]["id"]},
        headers=api_b,
    )
    assert again.status_code == 409

    jobs.run_pending()
    invitations = [email.message_from_bytes(e.content) for e in smtp.messages]
    with_ics = [
        m for m in invitations if any(p.get_content_type() == "text/calendar" for p in m.walk())
    ]
    assert {m["To"] for m in with_ics} == {owner_a.email, owner_b.email}
    part = next(p for p in with_ics[0].walk() if p.get_content_type() == "text/calendar")
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert str(calendar["method"]) == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["summary"]) == "Plant visit"
    assert event.decoded("dtstart") == dt.datetime(2026, 6, 11, 12, 0, tzinfo=dt.UTC)
    assert event.decoded("dtend") == dt.datetime(2026, 6, 11, 13, 0, tzinfo=dt.UTC)
    assert str(event["location"]) == "Leipzig plant"
    assert str(event["uid"]) == accepted.json["uid"]


@pytest.mark.parametrize(
    ("slots", "field"),
    [
        (
            [{"starts_at": "2020-01-01T10:00:00", "ends_at": "2020-01-01T11:00:00"}],
            "slots.0.starts_at",
        ),
        (
            [{"starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-01T09:00:00"}],
            "slots.0.ends_at",
        ),
        (
            [{"starts_at": "2030-01-01T10:00:00", "ends_at": "2030-01-03T10:00:00"}],
            "slots.0.ends_at",
        ),
        ([], "slots"),
        ([{"starts_at": "soon", "ends_at": "later"}], "slots.0.starts_at"),
    ],
)
def test_bad_meeting_input_is_a_field_error_and_writes_nothing(client, api_a, thread, slots, field):
    response = client.post(
        f"/api/v1/threads/{thread.id}/meetings",
        json={"title": "Call", "timezone": "Europe/Warsaw", "slots": slots},
        headers=api_a,
    )
    assert response.status_code == 422
    assert field in response.json["errors"], response.json
    assert db.session.execute(sa.select(sa.func.count()).select_from(Meeting)).scalar_one() == 0


def test_bad_zone_title_and_link(client, api_a, thread):
    response = client.post(
        f"/api/v1/threads/{thread.id}/meetings",
        json={
            "title": "",
            "timezone": "Mars/Olympus",
            "video_url": "javascript:alert(1)",
            "slots": _slots(clock.now() + dt.timedelta(days=2)),
        },
        headers=api_a,
    )
    assert response.status_code == 422
    assert {"title", "timezone", "video_url"} <= set(response.json["errors"])


def test_meeting_form_in_the_thread_page(app, client_a, thread, owner_b):
    bad = client_a.post(
        f"/messages/{thread.id}/meetings",
        data={
            "title": "Call",
            "timezone": "Europe/Warsaw",
            "starts_at_1": "2030-01-01T10:00",
            "ends_at_1": "2030-01-01T09:00",
        },
    )
    assert bad.status_code == 422 and 'id="ends_at_1-error"' in bad.text
    good = client_a.post(
        f"/messages/{thread.id}/meetings",
        data={
            "title": "Call",
            "timezone": "Europe/Warsaw",
            "starts_at_1": "2030-01-01T10:00",
            "ends_at_1": "2030-01-01T11:00",
        },
    )
    assert good.status_code == 302
    meeting = db.session.execute(sa.select(Meeting)).scalar_one()
    partner = app.test_client(user=owner_b)
    page = partner.get(f"/messages/{thread.id}")
    assert "Meeting proposed: Call" in page.text and "Pick a time" in page.text
    assert partner.post(f"/meetings/{meeting.id}/decline").status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "declined"


def test_reminders_24h_and_1h_before_and_none_after_a_move(client, api_a, api_b, thread, owner_a):
    clock.freeze(dt.datetime(2026, 9, 1, 8, 0, tzinfo=dt.UTC))
    meeting = mf.meeting(owner_a, thread, hours_ahead=72, slots=1)
    db.session.commit()
    slot = meeting.slots[0]
    assert (
        client.post(
            f"/api/v1/meetings/{meeting.id}/accept", json={"slot_id": slot.id}, headers=api_b
        ).status_code
        == 200
    )
    jobs.run_pending()

    def reminders() -> int:
        return db.session.execute(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.kind == "meeting_reminder")
        ).scalar_one()

    clock.freeze(slot.starts_at - dt.timedelta(hours=24, minutes=1))
    jobs.run_pending()
    assert reminders() == 0
    clock.advance(dt.timedelta(minutes=2))
    jobs.run_pending()
    assert reminders() == 2  # one person in each company
    clock.freeze(slot.starts_at - dt.timedelta(minutes=59))
    jobs.run_pending()
    assert reminders() == 4

    # a moved meeting's old reminders stay silent
    other = mf.meeting(owner_a, thread, hours_ahead=200, slots=1)
    db.session.commit()
    client.post(
        f"/api/v1/meetings/{other.id}/accept", json={"slot_id": other.slots[0].id}, headers=api_b
    )
    db.session.expire_all()
    other = db.session.get(Meeting, other.id)
    meetings.cancel(owner_a, other)
    db.session.commit()
    clock.freeze(other.slots[0].starts_at - dt.timedelta(minutes=30))
    jobs.run_pending()
    assert reminders() == 4


def test_calendar_page_and_the_secret_feed(app, client, api_b, thread, owner_a, owner_b):
    meeting = mf.meeting(owner_a, thread, slots=1)
    db.session.commit()
    client.post(
        f"/api/v1/meetings/{meeting.id}/accept",
        json={"slot_id": meeting.slots[0].id},
        headers=api_b,
    )
    me = app.test_client(user=owner_a)
    assert "Factory visit" in me.get("/calendar").text
    created = me.post("/calendar/feed")
    assert created.status_code == 200
    url = created.text.split('class="feed-url"')[1].split('value="')[1].split('"')[0]
    path = url.replace("http://market.test", "")
    feed = client.get(path)  # no sign-in: the address is the key
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Factory visit"]
    download = me.get(f"/meetings/{meeting.id}.ics")
    assert icalendar.Calendar.from_ical(download.data).walk("VEVENT")[0]["uid"] == meeting.uid

    me.post("/calendar/feed/revoke")
    assert client.get(path).status_code == 404
    assert client.get("/calendar/feed/guess.ics").status_code == 404


def test_reschedule_and_cancel_from_the_page(app, client_a, thread, owner_a, owner_b, smtp):
    meeting = mf.meeting(owner_a, thread, slots=1)
    db.session.commit()
    partner = app.test_client(user=owner_b)
    partner.post(f"/meetings/{meeting.id}/accept", data={"slot_id": meeting.slots[0].id})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "accepted"
    bad = client_a.post(
        f"/meetings/{meeting.id}/reschedule",
        data={"starts_at_1": "2001-01-01T10:00", "ends_at_1": "2001-01-01T11:00"},
    )
    assert bad.status_code == 302
    assert "Not moved: The meeting cannot start in the past." in client_a.get(bad.location).text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "accepted"
    client_a.post(
        f"/meetings/{meeting.id}/reschedule",
        data={"starts_at_1": "2031-02-03T10:00", "ends_at_1": "2031-02-03T11:00"},
    )
    db.session.expire_all()
    moved = db.session.get(Meeting, meeting.id)
    assert moved.status == "proposed" and [s.starts_at.year for s in moved.open_slots] == [2031]
    partner.post(f"/meetings/{meeting.id}/accept", data={"slot_id": moved.open_slots[0].id})
    jobs.run_pending()
    cancelled = client_a.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    assert "The meeting is cancelled." in cancelled.text, cancelled.text[-3000:]
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    jobs.run_pending()
    methods = []
    for envelope in smtp.messages:
        for part in email.message_from_bytes(envelope.content).walk():
            if part.get_content_type() == "text/calendar":
                methods.append(
                    str(icalendar.Calendar.from_ical(part.get_payload(decode=True))["method"])
                )
    assert "CANCEL" in methods and "REQUEST" in methods


def test_answering_twice_or_without_a_slot_changes_nothing(
    app, client, api_b, thread, owner_a, owner_b
):
    meeting = mf.meeting(owner_a, thread, slots=1)
    db.session.commit()
    partner = app.test_client(user=owner_b)
    no_slot = partner.post(f"/meetings/{meeting.id}/accept", data={}, follow_redirects=True)
    assert "Choose one of the proposed times." in no_slot.text
    assert client.post(f"/api/v1/meetings/{meeting.id}/decline", headers=api_b).status_code == 200
    assert client.post(f"/api/v1/meetings/{meeting.id}/decline", headers=api_b).status_code == 409
    again = partner.post(f"/meetings/{meeting.id}/cancel", follow_redirects=True)
    assert "The meeting was changed meanwhile" in again.text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "declined"
