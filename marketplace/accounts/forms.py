"""HTML forms for sign-up, sign-in, passwords, the person's account, tokens and colleagues."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from marketplace.core.access import Role

ROLE_CHOICES = [
    (Role.ADMIN.value, _l("Admin")),
    (Role.BUYER.value, _l("Buyer")),
    (Role.SELLER.value, _l("Seller")),
    (Role.APPROVER.value, _l("Approver")),
    (Role.VIEWER.value, _l("Viewer")),
]
LOCALE_CHOICES = [("en", "English"), ("pl", "Polski")]


class SignupForm(FlaskForm):
    # Required-ness and formats are checked by accounts.services, so all errors show at once.
    company_name = StringField(_l("Company name"), render_kw={"required": True, "maxlength": 200})
    country = SelectField(_l("Country"), render_kw={"required": True})
    full_name = StringField(_l("Your full name"), render_kw={"required": True, "maxlength": 200})
    email = EmailField(_l("Work e-mail"), render_kw={"required": True, "maxlength": 254})
    password = PasswordField(_l("Password"), render_kw={"required": True})
    accept_terms = BooleanField(
        _l("I accept the marketplace terms"),
        validators=[DataRequired(_l("You need to accept the terms."))],
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me signed in"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired()])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired()])


class AccountForm(FlaskForm):
    full_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=200)])
    job_title = StringField(_l("Job title"), validators=[Length(max=120)])
    phone = StringField(_l("Phone"), validators=[Length(max=40)])
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(_l("New password"), validators=[DataRequired()])


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=100)])


class InviteForm(FlaskForm):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


class AcceptInvitationForm(FlaskForm):
    full_name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
