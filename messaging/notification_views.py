"""Notification pages: the list, following one, marking all read and the e-mail settings."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from marketplace.core.forms import saved
from marketplace.core.uow import unit_of_work
from messaging import forms, notifications
from messaging.models import EmailMode

bp = Blueprint("notifications", __name__)


@bp.get("/notifications")
@login_required
def index():
    items = notifications.list_for(current_user)
    return render_template(
        "messaging/notifications.html",
        items=items,
        describe=notifications.describe,
        link=notifications.link,
    )


@bp.get("/notifications/<int:notification_id>/open")
@login_required
def open_one(notification_id: int):
    with unit_of_work():
        item = notifications.open_notification(current_user, notification_id)
    return redirect(notifications.link(item))


@bp.post("/notifications/read-all")
@login_required
def read_all():
    with unit_of_work():
        notifications.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = forms.SettingsForm(email_mode=notifications.email_mode(current_user.id))
    form.email_mode.choices = [
        (mode.value, str(label)) for mode, label in notifications.EMAIL_MODES.items()
    ]
    if request.method == "POST":
        with saved(form, fields_only=True) as outcome:
            notifications.set_email_mode(current_user, request.form.get("email_mode", ""))
        if not outcome.ok:
            return render_template("messaging/settings.html", form=form, modes=EmailMode), 422
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notifications.settings"))
    return render_template("messaging/settings.html", form=form, modes=EmailMode)
