"""Meetings proposed from a thread: time slots, accept or decline, reschedule, cancel, reminders, calendars."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import zoneinfo
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core import clock, jobs
from marketplace.core.access import Permission, require
from marketplace.core.errors import Conflict, NotFound, ValidationError
from marketplace.core.extensions import db
from messaging import ics, notifications, services
from messaging.models import (
    Meeting,
    MeetingSlot,
    MeetingStatus,
    Thread,
    ThreadParticipant,
)

MAX_SLOTS = 5
MAX_DURATION = dt.timedelta(hours=24)
REMINDER_JOB = "messaging.meeting_reminder"
REMINDERS = {"24h": dt.timedelta(hours=24), "1h": dt.timedelta(hours=1)}
_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)


def N_(text: str) -> str:  # noqa: N802 - the conventional gettext no-op marker, read by pybabel
    """Mark a msgid for extraction; it is translated when shown."""
    return text


SYSTEM_TEXTS = {
    "proposed": N_("Meeting proposed: %(title)s"),
    "accepted": N_("Meeting confirmed: %(title)s"),
    "declined": N_("Meeting declined: %(title)s"),
    "rescheduled": N_("New times proposed for the meeting: %(title)s"),
    "cancelled": N_("Meeting cancelled: %(title)s"),
}


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _moment(value: Any, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """A naive value is wall-clock time in the meeting's zone; an aware one is taken as is."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, dt.datetime):
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value.astimezone(dt.UTC)


def validate(data: dict[str, Any]) -> dict[str, Any]:
    """Check a proposal; errors name the field, slots as slots.<n>.starts_at / ends_at."""
    errors: dict[str, list[str]] = {}

    def fail(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    title = str(data.get("title") or "").strip()
    if not title:
        fail("title", _("Give the meeting a title."))
    elif len(title) > 200:
        fail("title", _("At most 200 characters."))
    timezone = str(data.get("timezone") or "UTC").strip()
    zone = _zone(timezone)
    if zone is None:
        fail("timezone", _("Choose a time zone."))
        zone = zoneinfo.ZoneInfo("UTC")
    place = str(data.get("place") or "").strip()
    if len(place) > 300:
        fail("place", _("At most 300 characters."))
    video_url = str(data.get("video_url") or "").strip()
    if video_url and (len(video_url) > 500 or not _URL.match(video_url)):
        fail("video_url", _("Enter a link starting with https://."))
    raw_slots = data.get("slots") or []
    if not isinstance(raw_slots, list) or not raw_slots:
        fail("slots", _("Propose at least one time."))
        raw_slots = []
    elif len(raw_slots) > MAX_SLOTS:
        fail("slots", _("At most %(count)s times.", count=MAX_SLOTS))
    slots = []
    now = clock.now()
    for index, raw in enumerate(raw_slots[:MAX_SLOTS]):
        raw = raw if isinstance(raw, dict) else {}
        starts = _moment(raw.get("starts_at"), zone)
        ends = _moment(raw.get("ends_at"), zone)
        if starts is None:
            fail(f"slots.{index}.starts_at", _("Enter the start date and time."))
        elif starts <= now:
            fail(f"slots.{index}.starts_at", _("The meeting cannot start in the past."))
        if ends is None:
            fail(f"slots.{index}.ends_at", _("Enter the end date and time."))
        elif starts is not None and ends <= starts:
            fail(f"slots.{index}.ends_at", _("The end must be after the start."))
        elif starts is not None and ends - starts > MAX_DURATION:
            fail(f"slots.{index}.ends_at", _("A meeting lasts at most 24 hours."))
        if starts and ends:
            slots.append((starts, ends))
    if errors:
        raise ValidationError(errors)
    return {
        "title": title,
        "timezone": timezone,
        "place": place,
        "video_url": video_url,
        "slots": slots,
    }


def get_meeting(actor: Any, meeting_id: int) -> Meeting:
    """The meeting when the actor's company takes part in its thread; NotFound otherwise."""
    require(actor, Permission.READ)
    meeting = db.session.execute(
        sa.select(Meeting)
        .join(ThreadParticipant, ThreadParticipant.thread_id == Meeting.thread_id)
        .where(Meeting.id == meeting_id, ThreadParticipant.company_id == actor.company_id)
    ).scalar_one_or_none()
    if meeting is None:
        raise NotFound()
    return meeting


def for_thread(thread: Thread) -> list[Meeting]:
    return list(
        db.session.execute(
            sa.select(Meeting).where(Meeting.thread_id == thread.id).order_by(Meeting.id)
        ).scalars()
    )


def _data(meeting: Meeting, actor: Any = None) -> dict[str, Any]:
    slot = meeting.accepted_slot
    data = {"title": meeting.title, "company": actor.company.name if actor else ""}
    if slot is not None:
        data["starts_at"] = slot.starts_at.isoformat()
    return data


def _system(meeting: Meeting, event: str, actor: Any) -> None:
    services.post_system_message(
        meeting.thread, SYSTEM_TEXTS[event], {"title": meeting.title}, notify=False, read_by=actor
    )


def _calendar_entry(
    meeting: Meeting, method: str, status: str, slot: MeetingSlot | None = None
) -> dict[str, Any]:
    """What the e-mail's .ics carries, fixed now: a later change must not rewrite an earlier
    update still waiting to be sent (calendar applications order them by SEQUENCE)."""
    slot = slot or meeting.accepted_slot
    return {"method": method, "status": status, "sequence": meeting.sequence, "slot_id": slot.id}


def _tell_everyone(meeting: Meeting, kind: str, actor: Any, entry: dict[str, Any]) -> None:
    """Every participant's calendar holds the meeting, so everyone gets the update, the actor
    included (their own notification starts read: they did it)."""
    notifications.notify_companies(
        meeting.thread.company_ids,
        kind,
        thread=meeting.thread,
        meeting=meeting,
        data={**_data(meeting, actor), "ics": entry},
        seen_by_user_id=actor.id,
    )


def _tell_partners(meeting: Meeting, kind: str, actor: Any) -> None:
    """The thread's other companies, without a calendar file: nothing is in a calendar yet."""
    others = [cid for cid in meeting.thread.company_ids if cid != actor.company_id]
    notifications.notify_companies(
        others, kind, thread=meeting.thread, meeting=meeting, data=_data(meeting, actor)
    )


def propose(actor: Any, thread: Thread, data: dict[str, Any]) -> Meeting:
    require(actor, Permission.MESSAGE)
    if actor.company_id not in thread.company_ids:
        raise NotFound()
    clean = validate(data)
    meeting = Meeting(
        thread_id=thread.id,
        uid=f"{secrets.token_hex(12)}@marketplace",
        title=clean["title"],
        place=clean["place"],
        video_url=clean["video_url"],
        timezone=clean["timezone"],
        status=MeetingStatus.PROPOSED,
        proposed_by_company_id=actor.company_id,
        proposed_by_id=actor.id,
    )
    meeting.slots = [MeetingSlot(starts_at=s, ends_at=e) for s, e in clean["slots"]]
    db.session.add(meeting)
    db.session.flush()
    _system(meeting, "proposed", actor)
    _tell_partners(meeting, "meeting_proposed", actor)
    return meeting


def _transition(meeting: Meeting, allowed: tuple[str, ...], **values: Any) -> None:
    """Change state with a conditional update, so a repeated or concurrent request cannot apply twice."""
    result = db.session.execute(
        sa.update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status.in_(allowed))
        .values(sequence=Meeting.sequence + 1, updated_at=clock.now(), **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise Conflict(_("The meeting was changed meanwhile; reload the page."))
    db.session.refresh(meeting)


def _answering(actor: Any, meeting: Meeting) -> None:
    require(actor, Permission.MESSAGE)
    if meeting.proposed_by_company_id == actor.company_id:
        raise Conflict(_("Your partner answers the times you proposed."))
    if meeting.status != MeetingStatus.PROPOSED:
        raise Conflict(_("This meeting is no longer waiting for an answer."))


def accept(actor: Any, meeting: Meeting, slot_id: Any) -> Meeting:
    _answering(actor, meeting)
    slot = next((s for s in meeting.open_slots if s.id == slot_id), None)
    if slot is None:
        raise ValidationError({"slot_id": [_("Choose one of the proposed times.")]})
    if slot.starts_at <= clock.now():
        raise ValidationError({"slot_id": [_("This time has already passed.")]})
    _transition(
        meeting,
        (MeetingStatus.PROPOSED,),
        status=MeetingStatus.ACCEPTED,
        accepted_slot_id=slot.id,
    )
    if meeting.invited_at is None:  # only the request that won the transition gets here
        meeting.invited_at = clock.now()
        db.session.flush()
    _schedule_reminders(meeting)
    _system(meeting, "accepted", actor)
    _tell_everyone(
        meeting, "meeting_accepted", actor, _calendar_entry(meeting, "REQUEST", ics.CONFIRMED)
    )
    return meeting


def decline(actor: Any, meeting: Meeting) -> Meeting:
    _answering(actor, meeting)
    _transition(meeting, (MeetingStatus.PROPOSED,), status=MeetingStatus.DECLINED)
    _system(meeting, "declined", actor)
    if meeting.invited_at is not None:  # moved after it was confirmed: calendars hold it
        cancel = _calendar_entry(meeting, "CANCEL", ics.CANCELLED, meeting.open_slots[0])
        _tell_everyone(meeting, "meeting_declined", actor, cancel)
        return meeting
    notifications.notify_companies(
        [meeting.proposed_by_company_id],
        "meeting_declined",
        thread=meeting.thread,
        meeting=meeting,
        data=_data(meeting, actor),
    )
    return meeting


def reschedule(actor: Any, meeting: Meeting, data: dict[str, Any]) -> Meeting:
    """New times from either side; the other side answers them."""
    require(actor, Permission.MESSAGE)
    if meeting.status not in (MeetingStatus.PROPOSED, MeetingStatus.ACCEPTED):
        raise Conflict(_("A declined or cancelled meeting cannot be moved."))
    clean = validate(
        {
            "title": meeting.title,
            "timezone": meeting.timezone,
            "place": meeting.place,
            "video_url": meeting.video_url,
            **{k: v for k, v in data.items() if v is not None},
        }
    )
    _transition(
        meeting,
        (MeetingStatus.PROPOSED, MeetingStatus.ACCEPTED),
        status=MeetingStatus.PROPOSED,
        accepted_slot_id=None,
        proposed_by_company_id=actor.company_id,
        proposed_by_id=actor.id,
        title=clean["title"],
        timezone=clean["timezone"],
        place=clean["place"],
        video_url=clean["video_url"],
    )
    for slot in meeting.slots:
        slot.withdrawn = True
    for starts, ends in clean["slots"]:
        meeting.slots.append(MeetingSlot(starts_at=starts, ends_at=ends))
    db.session.flush()
    _system(meeting, "rescheduled", actor)
    if meeting.invited_at is not None:
        # Calendars hold the agreed time: they get the first new time, tentative until answered.
        update = _calendar_entry(meeting, "REQUEST", ics.TENTATIVE, meeting.open_slots[0])
        _tell_everyone(meeting, "meeting_rescheduled", actor, update)
        return meeting
    _tell_partners(meeting, "meeting_rescheduled", actor)
    return meeting


def cancel(actor: Any, meeting: Meeting) -> Meeting:
    require(actor, Permission.MESSAGE)
    # The entry the calendars hold: the agreed time, or the tentative new one after a move.
    held = meeting.accepted_slot or (meeting.open_slots or [None])[0]
    _transition(
        meeting,
        (MeetingStatus.PROPOSED, MeetingStatus.ACCEPTED),
        status=MeetingStatus.CANCELLED,
    )
    _system(meeting, "cancelled", actor)
    if meeting.invited_at is not None and held is not None:
        cancel = _calendar_entry(meeting, "CANCEL", ics.CANCELLED, held)
        _tell_everyone(meeting, "meeting_cancelled", actor, cancel)
        return meeting
    _tell_partners(meeting, "meeting_cancelled", actor)  # only proposed so far
    return meeting


# --- reminders -------------------------------------------------------------


def _schedule_reminders(meeting: Meeting) -> None:
    slot = meeting.accepted_slot
    now = clock.now()
    for label, before in REMINDERS.items():
        run_at = slot.starts_at - before
        if run_at <= now:
            continue
        jobs.enqueue(
            REMINDER_JOB,
            {"meeting_id": meeting.id, "sequence": meeting.sequence, "label": label},
            run_at=run_at,
            key=f"reminder:{meeting.id}:{meeting.sequence}:{label}",
        )


def send_reminder(payload: dict) -> None:
    meeting = db.session.get(Meeting, payload["meeting_id"])
    if (
        meeting is None
        or meeting.status != MeetingStatus.ACCEPTED
        or meeting.sequence != payload["sequence"]
    ):
        return  # moved or cancelled since: this reminder is stale
    notifications.notify_companies(
        meeting.thread.company_ids,
        "meeting_reminder",
        thread=meeting.thread,
        meeting=meeting,
        data={**_data(meeting), "label": payload["label"]},
    )


JOB_HANDLERS = {REMINDER_JOB: send_reminder}  # registered by create_app
