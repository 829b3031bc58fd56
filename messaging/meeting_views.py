"""Meeting pages: propose from a thread, answer, move, cancel, .ics downloads, the calendar and its feed."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core import bounds
from marketplace.core.errors import DomainError, NotFound, ValidationError
from marketplace.core.extensions import db
from marketplace.core.forms import committed, saved
from marketplace.core.uow import unit_of_work
from messaging import calendars, forms, ics, meetings, services
from messaging.models import MeetingStatus, MessagingSettings
from messaging.views import _thread_page

bp = Blueprint("meetings", __name__)


def _back(meeting) -> Response:
    return redirect(url_for("messaging.thread", thread_id=meeting.thread_id, _anchor="meetings"))


@bp.post("/messages/<int:thread_id>/meetings")
@login_required
def propose(thread_id: int):
    thread = services.get_thread(current_user, thread_id)
    form = forms.MeetingForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            meetings.propose(current_user, thread, form.to_data())
        if outcome.ok:
            flash(_("The meeting is proposed; your partner can pick a time."), "success")
            return redirect(url_for("messaging.thread", thread_id=thread.id, _anchor="meetings"))
    return _thread_page(thread, meeting_form=form, status=422)


def _problems(error: DomainError) -> str:
    return " ".join([m for ms in error.field_errors.values() for m in ms] or [error.message])


def _answer(meeting_id: int, action) -> Response:
    meeting = meetings.get_meeting(current_user, meeting_id)
    with committed(_problems):
        action(meeting)
    return _back(meeting)


@bp.post("/meetings/<int:meeting_id>/accept")
@login_required
def accept(meeting_id: int):
    slot_id = bounds.read(request.form, "slot_id")

    def action(meeting):
        meetings.accept(current_user, meeting, slot_id)
        flash(_("The meeting is confirmed and in your calendar."), "success")

    return _answer(meeting_id, action)


@bp.post("/meetings/<int:meeting_id>/decline")
@login_required
def decline(meeting_id: int):
    def action(meeting):
        meetings.decline(current_user, meeting)
        flash(_("You declined the meeting."), "info")

    return _answer(meeting_id, action)


@bp.post("/meetings/<int:meeting_id>/cancel")
@login_required
def cancel(meeting_id: int):
    def action(meeting):
        meetings.cancel(current_user, meeting)
        flash(_("The meeting is cancelled."), "info")

    return _answer(meeting_id, action)


def _not_moved(error: DomainError) -> str:
    if not isinstance(error, ValidationError):
        return error.message
    messages = [m for ms in error.errors.values() for m in ms] or [error.message]
    return _("Not moved: %(reason)s", reason=" ".join(messages))


@bp.post("/meetings/<int:meeting_id>/reschedule")
@login_required
def reschedule(meeting_id: int):
    meeting = meetings.get_meeting(current_user, meeting_id)
    form = forms.MeetingForm()
    data = form.to_data()
    with committed(_not_moved) as outcome:
        meetings.reschedule(current_user, meeting, {"slots": data["slots"]})
    if outcome.ok:
        flash(_("New times are proposed."), "success")
    return _back(meeting)


@bp.get("/meetings/<int:meeting_id>.ics")
@login_required
def meeting_ics(meeting_id: int):
    meeting = meetings.get_meeting(current_user, meeting_id)
    if meeting.accepted_slot is None:
        raise NotFound()
    status = ics.CANCELLED if meeting.status == MeetingStatus.CANCELLED else ics.CONFIRMED
    return Response(
        ics.invitation(
            meeting,
            meeting.accepted_slot,
            method="PUBLISH",
            sequence=meeting.sequence,
            status=status,
        ),
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )


@bp.get("/calendar")
@login_required
def calendar():
    return render_template(
        "messaging/calendar.html",
        meetings=calendars.calendar_for(current_user),
        feed_token=None,
        has_feed=_has_feed(),
    )


def _has_feed() -> bool:
    settings = db.session.get(MessagingSettings, current_user.id)
    return bool(settings and settings.calendar_token_hash)


@bp.post("/calendar/feed")
@login_required
def create_feed():
    with unit_of_work():
        token = calendars.create_feed_token(current_user)
    flash(
        _("Your new calendar address is shown below. Copy it now; it is shown only once."),
        "success",
    )
    return render_template(
        "messaging/calendar.html",
        meetings=calendars.calendar_for(current_user),
        feed_token=token,
        has_feed=True,
    )


@bp.post("/calendar/feed/revoke")
@login_required
def revoke_feed():
    with unit_of_work():
        calendars.revoke_feed_token(current_user)
    flash(_("The calendar address no longer works."), "info")
    return redirect(url_for("meetings.calendar"))


@bp.get("/calendar/feed/<token>.ics")
def feed(token: str):
    """The secret address a calendar application subscribes to; no sign-in, the token is the key."""
    user = calendars.user_for_feed(token)
    if user is None:
        raise NotFound()
    body = ics.feed(calendars.accepted_for(user), name=_("Marketplace meetings"))
    return Response(
        body, mimetype="text/calendar", headers={"Cache-Control": "private, max-age=300"}
    )
