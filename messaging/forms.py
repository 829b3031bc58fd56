"""HTML forms for contacting a company, replying, meetings, reports and notification settings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import (
    DateField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from marketplace.core.errors import ValidationError
from marketplace.core.money import CURRENCIES

SLOT_ROWS = 3
TIMEZONES = (
    "Europe/Warsaw", "Europe/Berlin", "Europe/London", "Europe/Paris", "Europe/Prague",
    "Europe/Vienna", "Europe/Amsterdam", "Europe/Madrid", "Europe/Rome", "Europe/Stockholm",
    "Europe/Kyiv", "Europe/Vilnius", "Europe/Helsinki", "UTC", "America/New_York",
    "America/Chicago", "America/Los_Angeles", "Asia/Shanghai", "Asia/Tokyo", "Asia/Kolkata",
)  # fmt: skip


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[Length(max=20000)])
    attachments = MultipleFileField(_l("Attachments (up to 10 MB each)"))


class ContactForm(ReplyForm):
    subject = StringField(_l("Subject"), validators=[Length(max=200)])
    quantity = StringField(_l("Quantity"), validators=[Length(max=60)])
    target_price = StringField(_l("Target price"), validators=[Length(max=30)])
    target_price_currency = SelectField(
        _l("Currency"), choices=[(code, code) for code in CURRENCIES]
    )
    needed_by = DateField(_l("Needed by"), validators=[Optional()])


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Length(max=200)])
    timezone = SelectField(_l("Time zone"), choices=[(tz, tz) for tz in TIMEZONES])
    place = StringField(_l("Place"), validators=[Length(max=300)])
    video_url = StringField(_l("Video link"), validators=[Length(max=500)])
    starts_at_1 = DateTimeLocalField(_l("Start"), validators=[Optional()])
    ends_at_1 = DateTimeLocalField(_l("End"), validators=[Optional()])
    starts_at_2 = DateTimeLocalField(_l("Start"), validators=[Optional()])
    ends_at_2 = DateTimeLocalField(_l("End"), validators=[Optional()])
    starts_at_3 = DateTimeLocalField(_l("Start"), validators=[Optional()])
    ends_at_3 = DateTimeLocalField(_l("End"), validators=[Optional()])

    def slot_rows(self) -> list[tuple]:
        return [
            (getattr(self, f"starts_at_{n}"), getattr(self, f"ends_at_{n}"))
            for n in range(1, SLOT_ROWS + 1)
        ]

    def to_data(self) -> dict:
        slots = []
        for starts, ends in self.slot_rows():
            if starts.data or ends.data or starts.raw_data and starts.raw_data[0]:
                slots.append({"starts_at": starts.data, "ends_at": ends.data})
        return {
            "title": self.title.data,
            "timezone": self.timezone.data,
            "place": self.place.data,
            "video_url": self.video_url.data,
            "slots": slots,
        }

    def error_field(self, name: str) -> str:
        """A service's 'slots.0.starts_at' is this form's 'starts_at_1'."""
        parts = name.split(".")
        if len(parts) == 3 and parts[0] == "slots" and parts[1].isdigit():
            return f"{parts[2]}_{int(parts[1]) + 1}"
        if name == "slots":
            return "starts_at_1"
        return name

    def apply_errors(self, error: ValidationError) -> None:
        """A service's slot errors beside the slot rows they name; the rest above the form."""
        for name, messages in error.errors.items():
            field = self._fields.get(self.error_field(name))
            if field is not None:
                field.errors = [*list(field.errors or []), *messages]
            else:
                self.form_errors.extend(messages)


class ReportForm(FlaskForm):
    reason = TextAreaField(_l("What is wrong with this message?"), validators=[Length(max=2000)])


class SettingsForm(FlaskForm):
    email_mode = RadioField(_l("E-mail me about new conversations, messages and meetings"))


class AddCompanyForm(FlaskForm):
    # Named like the API's field, so the service's errors show beside it.
    company_id = StringField(_l("The company's profile address"), validators=[Length(max=500)])
