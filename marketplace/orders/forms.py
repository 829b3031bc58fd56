"""HTML forms of orders: placing an order, shipping, disputes, ratings and replies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from marketplace.core.bounds import QUANTITY, BoundedIntegerField
from marketplace.core.errors import ValidationError
from marketplace.orders.placing import MAX_LINES


def _offer_id(value: object) -> int | None:
    """An offer id from the select; anything else is left for the service to call unknown."""
    text = str(value if value is not None else "").strip()
    return int(text) if text.isdigit() and 0 < int(text) < 2**31 else None


class OrderLineForm(Form):
    """A line after the first: another offer of the same seller and its quantity."""

    offer_id = SelectField(
        _l("Offer"),
        coerce=_offer_id,
        validate_choice=False,  # the service names an unknown or foreign offer precisely
        validators=[InputRequired(message=_l("Choose an offer or remove this line."))],
    )
    quantity = BoundedIntegerField(_l("Quantity"), [InputRequired()], bound=QUANTITY)


class OrderForm(FlaskForm):
    """The first line is the offer the buyer came from (offer_id, quantity); `lines` are more."""

    offer_id = HiddenField()
    quantity = BoundedIntegerField(_l("Quantity"), [InputRequired()], bound=QUANTITY)
    lines = FieldList(FormField(OrderLineForm), max_entries=MAX_LINES - 1)
    name = StringField(_l("Recipient"), validators=[Optional(), Length(max=200)])
    street = StringField(_l("Street and number"), validators=[DataRequired(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(), Length(max=20)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(min=2, max=2)])
    requested_date = DateField(_l("Requested delivery date"), validators=[Optional()])
    note = TextAreaField(_l("Note for the seller"), validators=[Optional(), Length(max=2000)])

    def line_fields(self, index: int) -> dict:
        """The fields of line `index` (0 is the first line) by their service names."""
        if index == 0:
            return {"offer_id": self.offer_id, "quantity": self.quantity}
        entry = self.lines.entries[index - 1]
        return {"offer_id": entry.form.offer_id, "quantity": entry.form.quantity}

    def apply_errors(self, error: ValidationError, *, keep_existing: bool = False) -> None:
        """Service errors beside their fields: `lines.<i>.<field>` on line i, `delivery.<f>` on f.

        With keep_existing, a field WTForms already flagged keeps only its own message."""
        for key, messages in error.errors.items():
            parts = key.split(".")
            field = None
            if parts[0] == "lines" and len(parts) == 3 and parts[1].isdigit():
                if int(parts[1]) <= len(self.lines.entries):
                    field = self.line_fields(int(parts[1])).get(parts[2])
            elif len(parts) <= 2:
                field = self._fields.get(parts[-1])
            if field is None:
                self.form_errors.extend(messages)
            elif not (keep_existing and field.errors):
                field.errors = [*list(field.errors or []), *messages]
        if not error.errors:
            self.form_errors.append(error.message)

    def line_errors(self) -> list[tuple[int, str, str]]:
        """(line number, field label, message) for every line's errors, first line first."""
        found = []
        for index in range(len(self.lines.entries) + 1):
            for name, field in self.line_fields(index).items():
                label = _l("Quantity") if name == "quantity" else _l("Offer")
                found += [(index + 1, str(label), str(message)) for message in field.errors]
        return found


class ShipForm(FlaskForm):
    carrier = StringField(_l("Carrier"), validators=[DataRequired(), Length(max=120)])
    tracking_number = StringField(
        _l("Tracking number"), validators=[DataRequired(), Length(max=120)]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=4000)])


class DisputeForm(FlaskForm):
    reason = TextAreaField(_l("What went wrong?"), validators=[DataRequired(), Length(max=4000)])


class PaymentForm(FlaskForm):
    provider = RadioField(
        _l("Pay by"),
        choices=[("bank_transfer", _l("Bank transfer")), ("stripe", _l("Card (Stripe)"))],
        validators=[DataRequired()],
    )


_STARS = [(str(n), str(n)) for n in range(5, 0, -1)]


class ReviewForm(FlaskForm):
    quality = RadioField(_l("Quality"), choices=_STARS, validators=[DataRequired()])
    on_time = RadioField(_l("On-time delivery"), choices=_STARS, validators=[DataRequired()])
    communication = RadioField(_l("Communication"), choices=_STARS, validators=[DataRequired()])
    comment = TextAreaField(_l("Comment"), validators=[Optional(), Length(max=2000)])


class ReplyForm(FlaskForm):
    reply = TextAreaField(_l("Your reply"), validators=[DataRequired(), Length(max=2000)])
