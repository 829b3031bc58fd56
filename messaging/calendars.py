"""Each person's calendar: upcoming meetings of their company and the secret, revocable iCalendar feed."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.core import clock
from marketplace.core.extensions import db
from messaging import notifications
from messaging.models import Meeting, MeetingStatus, MessagingSettings, ThreadParticipant


def calendar_for(user: Any, *, include_past: bool = False) -> list[Meeting]:
    """Meetings of the person's company that are accepted or waiting for an answer."""
    if not getattr(user, "company_id", None):
        return []
    stmt = (
        sa.select(Meeting)
        .join(ThreadParticipant, ThreadParticipant.thread_id == Meeting.thread_id)
        .where(
            ThreadParticipant.company_id == user.company_id,
            Meeting.status.in_([MeetingStatus.ACCEPTED, MeetingStatus.PROPOSED]),
        )
        .order_by(Meeting.id)
    )
    meetings = list(db.session.execute(stmt).scalars())
    cutoff = clock.now() - dt.timedelta(days=1)

    def first_start(meeting: Meeting) -> dt.datetime:
        slot = meeting.accepted_slot or (meeting.open_slots or [None])[0]
        return slot.starts_at if slot else cutoff

    if not include_past:
        meetings = [
            m
            for m in meetings
            if (m.accepted_slot and m.accepted_slot.ends_at >= cutoff)
            or (
                m.status == MeetingStatus.PROPOSED
                and any(s.ends_at >= cutoff for s in m.open_slots)
            )
        ]
    return sorted(meetings, key=first_start)


def accepted_for(user: User) -> list[Meeting]:
    return [m for m in calendar_for(user, include_past=True) if m.status == MeetingStatus.ACCEPTED]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed_token(user: Any) -> str:
    """A new secret feed address (the previous one stops working); shown once."""
    settings = notifications.settings_for(user)
    token = secrets.token_urlsafe(32)
    settings.calendar_token_hash = _hash(token)
    settings.calendar_token_created_at = clock.now()
    db.session.flush()
    return token


def revoke_feed_token(user: Any) -> None:
    settings = notifications.settings_for(user)
    settings.calendar_token_hash = None
    settings.calendar_token_created_at = None
    db.session.flush()


def user_for_feed(token: str) -> User | None:
    if not token or len(token) > 100:
        return None
    settings = db.session.execute(
        sa.select(MessagingSettings).where(MessagingSettings.calendar_token_hash == _hash(token))
    ).scalar_one_or_none()
    if settings is None:
        return None
    user = db.session.get(User, settings.user_id)
    return user if user is not None and user.disabled_at is None else None
