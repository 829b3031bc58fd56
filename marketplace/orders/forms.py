"""HTML forms of orders: placing an order, shipping, disputes, ratings and replies."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class OrderForm(FlaskForm):
    offer_id = HiddenField()
    quantity = IntegerField(_l("Quantity"), validators=[InputRequired(), NumberRange(min=1)])
    name = StringField(_l("Recipient"), validators=[Optional(), Length(max=200)])
    street = StringField(_l("Street and number"), validators=[DataRequired(), Length(max=200)])
    postal_code = StringField(_l("Postal code"), validators=[DataRequired(), Length(max=20)])
    city = StringField(_l("City"), validators=[DataRequired(), Length(max=120)])
    country = StringField(_l("Country code"), validators=[DataRequired(), Length(min=2, max=2)])
    requested_date = DateField(_l("Requested delivery date"), validators=[Optional()])
    note = TextAreaField(_l("Note for the seller"), validators=[Optional(), Length(max=2000)])


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
