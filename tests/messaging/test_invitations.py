"""Calendar files follow a meeting once it is agreed: invitation, moves and cancellation, to everyone."""

from __future__ import annotations

import datetime as dt
import email

import icalendar
import pytest

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from messaging import meetings, notifications
from tests import factories
from tests.messaging import factories as mf


@pytest.fixture
def thread(owner_a, company_b, owner_b):
    return mf.thread(owner_a, company_b, subject="Soda ash contract")


def _calendars(smtp) -> list[tuple[str, icalendar.Calendar]]:
    """(recipient, calendar) for every mail sent so far that carries an .ics; the inbox is emptied."""
    found = []
    for envelope in smtp.messages:
        mail = email.message_from_bytes(envelope.content)
        for part in mail.walk():
            if part.get_content_type() == "text/calendar":
                found.append(
                    (mail["To"], icalendar.Calendar.from_ical(part.get_payload(decode=True)))
                )
    smtp.messages.clear()
    return found


def _event(calendar: icalendar.Calendar) -> icalendar.Event:
    (event,) = calendar.walk("VEVENT")
    return event


def _attendees(event: icalendar.Event) -> set[str]:
    values = event.get("attendee")
    values = values if isinstance(values, list) else [values]
    return {str(value).removeprefix("mailto:") for value in values}


def test_cancelling_a_meeting_that_was_only_proposed_sends_no_calendar_file(
    smtp, thread, owner_a, owner_b
):
    meeting = mf.meeting(owner_a, thread, slots=2)
    meetings.cancel(owner_a, meeting)
    db.session.commit()
    jobs.run_pending()
    recipients = [email.message_from_bytes(e.content)["To"] for e in smtp.messages]
    assert owner_b.email in recipients  # told that it is off...
    assert _calendars(smtp) == []  # ...but there is nothing in a calendar to remove


def test_an_agreed_meeting_is_updated_in_every_calendar_until_it_is_cancelled(
    smtp, thread, owner_a, company_a, owner_b
):
    colleague = factories.user(company_a, role="seller", email="sales@alpha.example")
    everyone = {owner_a.email, colleague.email, owner_b.email}
    clock.freeze(dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC))
    meeting = mf.meeting(owner_a, thread, slots=2)
    meetings.accept(owner_b, meeting, meeting.slots[1].id)
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()
    assert meeting.invited_at == clock.now()

    invitations = _calendars(smtp)
    assert {to for to, _ in invitations} == everyone
    first = _event(invitations[0][1])
    assert all(str(cal["method"]) == "REQUEST" for _, cal in invitations)
    assert _attendees(first) == everyone
    assert str(first["organizer"]).startswith("mailto:")
    assert first["organizer"].params["cn"] == "Alpha Steel"
    assert str(first["status"]) == "CONFIRMED"
    uid, sequence = str(first["uid"]), int(first["sequence"])

    new_start = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
    meetings.reschedule(
        owner_b,
        meeting,
        {"slots": [{"starts_at": new_start, "ends_at": new_start.replace(hour=10)}]},
    )
    db.session.commit()
    jobs.run_pending()
    updates = _calendars(smtp)
    assert {to for to, _ in updates} == everyone  # not only the other company
    moved = _event(updates[0][1])
    assert str(updates[0][1]["method"]) == "REQUEST"
    assert (str(moved["uid"]), int(moved["sequence"])) == (uid, sequence + 1)
    assert moved.decoded("dtstart") == new_start and str(moved["status"]) == "TENTATIVE"

    meetings.accept(owner_a, meeting, meeting.open_slots[0].id)
    meetings.cancel(owner_a, meeting)
    db.session.commit()
    jobs.run_pending()
    by_method: dict[str, list] = {}
    for to, calendar in _calendars(smtp):
        by_method.setdefault(str(calendar["method"]), []).append((to, _event(calendar)))
    confirmed = [event for _, event in by_method["REQUEST"]]
    assert {int(event["sequence"]) for event in confirmed} == {sequence + 2}
    cancelled = by_method["CANCEL"]
    assert {to for to, _ in cancelled} == everyone
    for _, event in cancelled:
        assert (str(event["uid"]), int(event["sequence"])) == (uid, sequence + 3)
        assert str(event["status"]) == "CANCELLED" and event.decoded("dtstart") == new_start
        assert _attendees(event) == everyone


def test_a_digest_reader_still_gets_the_calendar_file_at_once(app, smtp, thread, owner_a, owner_b):
    notifications.set_email_mode(owner_b, "digest")
    meeting = mf.meeting(owner_a, thread, slots=1)
    meetings.accept(owner_b, meeting, meeting.slots[0].id)
    db.session.commit()
    jobs.run_pending()
    assert owner_b.email in {to for to, _ in _calendars(smtp)}
