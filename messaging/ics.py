"""iCalendar documents: the invitation attached to meeting e-mails and each person's calendar feed."""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from flask import current_app

from marketplace.core import clock
from messaging.models import Meeting, MeetingStatus

PRODID = "-//B2B Marketplace//Meetings//EN"


def _event(meeting: Meeting, *, cancelled: bool = False) -> icalendar.Event | None:
    slot = meeting.accepted_slot
    if slot is None:
        return None
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", clock.now())
    event.add("dtstart", slot.starts_at)
    event.add("dtend", slot.ends_at)
    event.add("summary", meeting.title)
    location = meeting.place or meeting.video_url
    if location:
        event.add("location", location)
    if meeting.video_url:
        event.add("url", meeting.video_url)
    partners = ", ".join(p.company.name for p in meeting.thread.participants)
    event.add("description", f"{meeting.thread.subject}\n{partners}\n{meeting.video_url}".strip())
    organizer = icalendar.vCalAddress(
        "mailto:" + current_app.config["MAIL_FROM"].split("<")[-1].rstrip(">").strip()
    )
    organizer.params["cn"] = icalendar.vText(meeting.proposed_by_company.name)
    event.add("organizer", organizer)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def _calendar(method: str | None = None, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def invitation(meeting: Meeting, *, method: str = "REQUEST") -> bytes:
    """One meeting as an invitation (REQUEST) or its cancellation (CANCEL)."""
    calendar = _calendar(method)
    event = _event(
        meeting, cancelled=method == "CANCEL" or meeting.status == MeetingStatus.CANCELLED
    )
    if event is not None:
        calendar.add_component(event)
    return calendar.to_ical()


def feed(meetings: Iterable[Meeting], name: str) -> bytes:
    """A subscribable calendar with the accepted meetings."""
    calendar = _calendar(name=name)
    for meeting in meetings:
        event = _event(meeting)
        if event is not None:
            calendar.add_component(event)
    return calendar.to_ical()
