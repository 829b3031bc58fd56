"""iCalendar documents: the invitation attached to meeting e-mails and each person's calendar feed."""

from __future__ import annotations

from collections.abc import Iterable

import icalendar
from flask import current_app

from marketplace.core import clock
from messaging.models import Meeting, MeetingSlot

PRODID = "-//B2B Marketplace//Meetings//EN"
CONFIRMED, TENTATIVE, CANCELLED = "CONFIRMED", "TENTATIVE", "CANCELLED"
Attendee = tuple[str, str]  # (e-mail address, display name)


def _address(email: str, name: str) -> icalendar.vCalAddress:
    address = icalendar.vCalAddress(f"mailto:{email}")
    address.params["cn"] = icalendar.vText(name)
    return address


def _event(
    meeting: Meeting,
    slot: MeetingSlot,
    *,
    sequence: int,
    status: str,
    attendees: Iterable[Attendee] = (),
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", meeting.uid)
    event.add("sequence", sequence)
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
    # The marketplace sends every update, so it is the organizer; the proposing company is named.
    sender = current_app.config["MAIL_FROM"].split("<")[-1].rstrip(">").strip()
    event.add("organizer", _address(sender, meeting.proposed_by_company.name))
    for email, name in attendees:
        attendee = _address(email, name)
        attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
        attendee.params["cutype"] = icalendar.vText("INDIVIDUAL")
        attendee.params["rsvp"] = icalendar.vText("FALSE")  # answers are given in the thread
        event.add("attendee", attendee)
    event.add("status", status)
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


def invitation(
    meeting: Meeting,
    slot: MeetingSlot,
    *,
    method: str,
    sequence: int,
    status: str,
    attendees: Iterable[Attendee] = (),
) -> bytes:
    """One meeting at this slot as an invitation or update (REQUEST), its cancellation (CANCEL,
    same UID, a higher SEQUENCE) or a plain copy to import (PUBLISH)."""
    calendar = _calendar(method)
    calendar.add_component(
        _event(meeting, slot, sequence=sequence, status=status, attendees=attendees)
    )
    return calendar.to_ical()


def feed(meetings: Iterable[Meeting], name: str) -> bytes:
    """A subscribable calendar with the accepted meetings."""
    calendar = _calendar(name=name)
    for meeting in meetings:
        slot = meeting.accepted_slot
        if slot is not None:
            calendar.add_component(
                _event(meeting, slot, sequence=meeting.sequence, status=CONFIRMED)
            )
    return calendar.to_ical()
