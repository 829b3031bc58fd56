"""Notifications per person: the in-app list and e-mail (immediately, daily digest or never), sent by jobs."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

import sqlalchemy as sa
from babel.dates import format_datetime
from flask import current_app, has_request_context, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from marketplace.accounts.models import User
from marketplace.core import clock, jobs, mail
from marketplace.core.access import Permission, Role, role_allows
from marketplace.core.errors import NotFound, ValidationError
from marketplace.core.extensions import db
from messaging import ics
from messaging.models import EmailMode, Meeting, MessagingSettings, Notification, Thread

EMAIL_JOB = "messaging.email_notification"
DIGEST_JOB = "messaging.digest"
DIGEST_HOUR = 7  # local time of the person

TEXTS = {
    "new_thread": _l("%(author)s (%(company)s) started a conversation: %(subject)s"),
    "added_to_thread": _l(
        "%(author)s (%(company)s) added your company to the conversation: %(subject)s"
    ),
    "new_message": _l("New message from %(author)s (%(company)s) in “%(subject)s”"),
    "system_message": _l("Update in “%(subject)s”"),
    "meeting_proposed": _l("%(company)s proposes a meeting: %(title)s"),
    "meeting_accepted": _l("Meeting confirmed: %(title)s, %(when)s"),
    "meeting_declined": _l("%(company)s declined the meeting: %(title)s"),
    "meeting_rescheduled": _l("%(company)s proposes new times for the meeting: %(title)s"),
    "meeting_cancelled": _l("Meeting cancelled: %(title)s"),
    "meeting_reminder": _l("Reminder: %(title)s starts %(when)s"),
}
NOTICE = "notice"  # a sentence from another package: data {text, params, endpoint, values}
EMAIL_MODES = {
    EmailMode.IMMEDIATELY: _l("Immediately"),
    EmailMode.DIGEST: _l("Once a day (digest)"),
    EmailMode.NEVER: _l("Never"),
}


# --- settings --------------------------------------------------------------


def settings_for(user: Any) -> MessagingSettings:
    """The person's settings row for a change, created on first use (writers only)."""
    settings = db.session.get(MessagingSettings, user.id)
    if settings is None:
        settings = MessagingSettings(user_id=user.id, email_mode=EmailMode.IMMEDIATELY)
        db.session.add(settings)
        db.session.flush()
    return settings


def set_email_mode(user: Any, mode: str) -> MessagingSettings:
    if mode not in {m.value for m in EmailMode}:
        raise ValidationError({"email_mode": [_("Choose immediately, digest or never.")]})
    settings = settings_for(user)
    settings.email_mode = mode
    db.session.flush()
    return settings


def email_mode(user_id: int) -> str:
    """The person's choice, without writing anything (no row yet means the default)."""
    settings = db.session.get(MessagingSettings, user_id)
    return settings.email_mode if settings else EmailMode.IMMEDIATELY


def _email_modes(user_ids: list[int]) -> dict[int, str]:
    """email_mode() for many people in one query (no row yet means the default)."""
    if not user_ids:
        return {}
    rows = db.session.execute(
        sa.select(MessagingSettings.user_id, MessagingSettings.email_mode).where(
            MessagingSettings.user_id.in_(user_ids)
        )
    )
    chosen = dict(rows.tuples().all())
    return {user_id: chosen.get(user_id, EmailMode.IMMEDIATELY) for user_id in user_ids}


# --- creating --------------------------------------------------------------


def recipients(company_ids: list[int], exclude_user_id: int | None = None) -> list[User]:
    """People of these companies whose role lets them take part in conversations."""
    roles = [role.value for role in Role if role_allows(role.value, Permission.MESSAGE)]
    stmt = sa.select(User).where(
        User.company_id.in_(company_ids), User.disabled_at.is_(None), User.role.in_(roles)
    )
    if exclude_user_id is not None:
        stmt = stmt.where(User.id != exclude_user_id)
    return list(db.session.execute(stmt.order_by(User.id)).scalars())


def notify_users(
    users: list[User],
    kind: str,
    *,
    thread: Thread | None = None,
    meeting: Meeting | None = None,
    data: dict[str, Any] | None = None,
    email: bool = True,
    seen_by_user_id: int | None = None,
) -> list[Notification]:
    """One notification per person; seen_by_user_id is the person who caused it, whose own
    copy (kept for the e-mail, e.g. its calendar file) starts read."""
    modes = _email_modes([user.id for user in users]) if email else {}
    created = []
    for user in users:
        notification = Notification(
            user_id=user.id,
            kind=kind,
            thread_id=thread.id if thread else None,
            meeting_id=meeting.id if meeting else None,
            data=dict(data or {}),
            email_skipped=not email or modes[user.id] == EmailMode.NEVER,
            read_at=clock.now() if user.id == seen_by_user_id else None,
        )
        db.session.add(notification)
        created.append(notification)
    db.session.flush()
    for notification, user in zip(created, users, strict=True):
        if not notification.email_skipped:
            _schedule_email(notification, user, modes[user.id])
    return created


def notify_companies(
    company_ids: list[int],
    kind: str,
    *,
    thread: Thread | None = None,
    meeting: Meeting | None = None,
    exclude_user_id: int | None = None,
    data: dict[str, Any] | None = None,
    seen_by_user_id: int | None = None,
) -> list[Notification]:
    return notify_users(
        recipients(company_ids, exclude_user_id),
        kind,
        thread=thread,
        meeting=meeting,
        data=data,
        seen_by_user_id=seen_by_user_id,
    )


def _next_digest_time(user: User) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    local = clock.now().astimezone(zone)
    moment = local.replace(hour=DIGEST_HOUR, minute=0, second=0, microsecond=0)
    if moment <= local:
        moment += dt.timedelta(days=1)
    return moment.astimezone(dt.UTC)


def _schedule_email(notification: Notification, user: User, mode: str) -> None:
    # Reminders and calendar updates are about a time: a day later they would come too late.
    timely = notification.kind == "meeting_reminder" or "ics" in (notification.data or {})
    if mode == EmailMode.DIGEST and not timely:
        run_at = _next_digest_time(user)
        jobs.enqueue(
            DIGEST_JOB,
            {"user_id": user.id},
            run_at=run_at,
            key=f"digest:{user.id}:{run_at.isoformat()}",
        )
        return
    jobs.enqueue(EMAIL_JOB, {"notification_id": notification.id})


# --- reading ---------------------------------------------------------------


def describe(notification: Notification) -> str:
    """The notification's sentence in the current language."""
    if notification.kind == NOTICE:
        return _notice_sentence(notification.data or {})
    params = dict(notification.data or {})
    params.setdefault("subject", notification.thread.subject if notification.thread else "")
    params.setdefault("author", "")
    params.setdefault("company", "")
    params.setdefault("title", "")
    params.setdefault("when", "")
    if params.get("starts_at") and not params["when"]:
        params["when"] = _when(params["starts_at"], notification.user)
    template = TEXTS.get(notification.kind)
    if template is None:
        return notification.kind
    return str(template) % params


def _notice_sentence(data: dict[str, Any]) -> str:
    """Another package's sentence (an English msgid kept untranslated) in the reader's language."""
    text = str(data.get("text") or "")
    try:
        return _(text) % dict(data.get("params") or {}) if text else ""
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return text


def _when(iso: str, user: User) -> str:
    """A meeting's start in the reader's time zone and language."""
    try:
        moment = dt.datetime.fromisoformat(iso)
        zone = zoneinfo.ZoneInfo(user.timezone or "UTC")
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return iso
    text = format_datetime(moment, "medium", tzinfo=zone, locale=str(get_locale() or "en"))
    return f"{text} ({zone.key})"


def link(notification: Notification) -> str:
    data = notification.data or {}
    if notification.kind == NOTICE and data.get("endpoint"):
        try:
            return url_for(data["endpoint"], **dict(data.get("values") or {}))
        except BuildError:  # the page moved since: the list is the next best place
            return url_for("notifications.index")
    if notification.meeting_id and notification.thread_id:
        return url_for("messaging.thread", thread_id=notification.thread_id, _anchor="meetings")
    if notification.thread_id:
        return url_for("messaging.thread", thread_id=notification.thread_id)
    return url_for("notifications.index")


def list_for(user: Any, limit: int = 50) -> list[Notification]:
    return list(
        db.session.execute(
            sa.select(Notification)
            .where(Notification.user_id == user.id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        ).scalars()
    )


def unread_count(user: Any) -> int:
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ).scalar_one()


def open_notification(user: Any, notification_id: int) -> Notification:
    """The person's own notification, marked read as they follow it; NotFound for anyone else's."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.flush()
    return notification


def mark_all_read(user: Any) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
        .execution_options(synchronize_session=False)
    )


# --- e-mail jobs -----------------------------------------------------------


def _public_context():
    """Mail is rendered in a job, outside any request: links point at PUBLIC_URL."""
    base = current_app.config.get("PUBLIC_URL") or "http://127.0.0.1:5000"
    if has_request_context() or current_app.config.get("SERVER_NAME"):
        return current_app.test_request_context("/")
    return current_app.test_request_context("/", base_url=base)


def _mark_emailed(ids: list[int]) -> None:
    """A single write, first in its transaction (SQLite then waits for the lock, never fails)."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids))
        .values(emailed_at=clock.now())
        .execution_options(synchronize_session=False)
    )


def _mark_skipped(ids: list[int]) -> None:
    """The person chose never before these went out: settle them, so no later digest sends them."""
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), Notification.emailed_at.is_(None))
        .values(email_skipped=True)
        .execution_options(synchronize_session=False)
    )


def _render(template: str, **context: Any) -> str:
    """Render mail without the page context processors: a job has no signed-in person."""
    return current_app.jinja_env.get_template(template).render(**context)


def _attach_calendar(message: Any, notification: Notification) -> None:
    """The .ics the notification was created with, addressed to everyone the meeting concerns."""
    entry = (notification.data or {}).get("ics")
    meeting = db.session.get(Meeting, notification.meeting_id) if notification.meeting_id else None
    if not entry or meeting is None:
        return
    slot = next((s for s in meeting.slots if s.id == entry["slot_id"]), None)
    if slot is None:
        return
    people = recipients(meeting.thread.company_ids)
    message.add_attachment(
        ics.invitation(
            meeting,
            slot,
            method=entry["method"],
            sequence=entry["sequence"],
            status=entry["status"],
            attendees=[(person.email, person.full_name) for person in people],
        ),
        maintype="text",
        subtype="calendar",
        filename="invite.ics",
        params={"method": entry["method"]},
    )


def send_notification_email(payload: dict) -> None:
    notification = db.session.get(Notification, payload["notification_id"])
    if notification is None or notification.emailed_at is not None or notification.email_skipped:
        return
    user = notification.user
    if user.disabled_at is not None:
        return
    if email_mode(user.id) == EmailMode.NEVER:
        _mark_skipped([notification.id])
        return
    with _public_context(), force_locale(user.locale or "en"):
        subject = describe(notification)
        text = _render(
            "messaging/mail/notification.txt",
            user=user,
            sentence=subject,
            url=url_for("notifications.open_one", notification_id=notification.id, _external=True),
            settings_url=url_for("notifications.settings", _external=True),
        )
        message = mail.build_message(user.email, subject, text)
        _attach_calendar(message, notification)
    ids = [notification.id]
    mail.send_from_job(message)
    _mark_emailed(ids)


def send_digest(payload: dict) -> None:
    user = db.session.get(User, payload["user_id"])
    if user is None or user.disabled_at is not None:
        return
    pending = list(
        db.session.execute(
            sa.select(Notification)
            .where(
                Notification.user_id == user.id,
                Notification.emailed_at.is_(None),
                Notification.email_skipped.is_(False),
            )
            .order_by(Notification.created_at, Notification.id)
        ).scalars()
    )
    if not pending:
        return
    if email_mode(user.id) == EmailMode.NEVER:
        _mark_skipped([notification.id for notification in pending])
        return
    with _public_context(), force_locale(user.locale or "en"):
        lines = [describe(n) for n in pending]
        subject = _("Your marketplace digest: %(count)s updates", count=len(lines))
        text = _render(
            "messaging/mail/digest.txt",
            user=user,
            lines=lines,
            url=url_for("notifications.index", _external=True),
            settings_url=url_for("notifications.settings", _external=True),
        )
        message = mail.build_message(user.email, subject, text)
    ids = [notification.id for notification in pending]
    mail.send_from_job(message)
    _mark_emailed(ids)


JOB_HANDLERS = {EMAIL_JOB: send_notification_email, DIGEST_JOB: send_digest}  # create_app
