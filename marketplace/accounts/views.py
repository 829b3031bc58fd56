"""Pages for signing up, signing in, passwords, one's account, API tokens and colleagues."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_login.config import COOKIE_NAME

from marketplace.accounts import forms, services
from marketplace.companies.reference import country_names
from marketplace.core import security
from marketplace.core.access import Permission, permission_required
from marketplace.core.errors import ValidationError
from marketplace.core.extensions import limiter
from marketplace.core.forms import also_check, apply_errors, saved
from marketplace.core.uow import unit_of_work

bp = Blueprint("accounts", __name__)


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


def _safe_next(default: str) -> str:
    return security.local_target(request.args.get("next") or request.form.get("next"), default)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("companies.dashboard"))
    form = forms.SignupForm()
    locale = request.accept_languages.best_match(["en", "pl"]) or "en"
    form.country.choices = [("", _("Choose…")), *country_names(locale).items()]
    company_data = {"name": form.company_name.data, "country": form.country.data}
    user_data = {
        "email": form.email.data,
        "full_name": form.full_name.data,
        "password": form.password.data,
    }
    if form.validate_on_submit():
        try:
            with unit_of_work():
                user = services.sign_up(company_data, user_data, locale=locale)
        except ValidationError as error:
            apply_errors(form, _signup_fields(error))
        else:
            login_user(user)
            flash(
                _("Welcome! We sent a confirmation link to %(email)s.", email=user.email), "success"
            )
            return redirect(url_for("companies.edit_profile"))
    elif form.is_submitted():
        also_check(form, lambda: _signup_errors(company_data, user_data))
    return render_template("accounts/signup.html", form=form), 422 if form.errors else 200


def _signup_errors(company_data: dict, user_data: dict) -> None:
    try:
        services.check_sign_up(company_data, user_data)
    except ValidationError as error:
        raise _signup_fields(error) from error


def _signup_fields(error: ValidationError) -> ValidationError:
    renamed = {"company.name": "company_name"}
    return ValidationError({renamed.get(k, k.split(".")[-1]): v for k, v in error.errors.items()})


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def login():
    form = forms.LoginForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            user = services.authenticate(form.email.data, form.password.data)
        if outcome.ok:
            login_user(user, remember=form.remember.data)
            default = url_for("admin.index") if user.is_operator else url_for("companies.dashboard")
            return redirect(_safe_next(default))
    status = 401 if form.errors and request.method == "POST" else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
def logout():
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("site.home"))


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        with unit_of_work():
            services.confirm_email(token)
    except ValidationError:
        flash(_("This confirmation link is invalid or has expired."), "error")
        return redirect(url_for("site.home"))
    flash(_("Your e-mail address is confirmed."), "success")
    return redirect(
        url_for("companies.dashboard")
        if current_user.is_authenticated
        else url_for("accounts.login")
    )


@bp.post("/confirm/resend")
@login_required
def resend_confirmation():
    with unit_of_work():  # the mail leaves with the commit
        services.resend_confirmation(current_user)
    flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email), "info")
    return redirect(_safe_next(url_for("accounts.account")))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def forgot_password():
    form = forms.ForgotPasswordForm()
    if form.validate_on_submit():
        with unit_of_work():  # the mail leaves with the commit
            services.request_password_reset(form.email.data)
        flash(_("If an account exists for this address, a reset link is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def reset_password(token: str):
    if services.user_for_reset_token(token) is None:
        flash(_("This reset link is invalid or has expired."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = forms.ResetPasswordForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            services.reset_password(token, form.password.data)
        if outcome.ok:
            logout_user()
            flash(
                _(
                    "Your password is changed. Every session and API token of your account has "
                    "ended; please sign in and create new tokens where you need them."
                ),
                "success",
            )
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = forms.AccountForm(obj=current_user)
    password_form = forms.ChangePasswordForm(prefix="pw")
    if request.method == "POST" and request.form.get("action") == "password":
        if password_form.validate():
            with saved(password_form, fields_only=True) as outcome:
                services.change_password(
                    current_user,
                    password_form.current_password.data,
                    password_form.new_password.data,
                )
            if outcome.ok:
                # The new password ends every session opened before; this one continues.
                cookie = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
                remember = cookie in request.cookies
                login_user(current_user._get_current_object(), remember=remember)
                flash(_("Your password is changed. You are signed out everywhere else."), "success")
                return redirect(url_for("accounts.account"))
    elif form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            services.update_person(current_user, form.data)
        if outcome.ok:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if (form.errors or password_form.errors) else 200
    return render_template("accounts/account.html", form=form, password_form=password_form), status


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = forms.TokenForm()
    new_token = None
    if form.validate_on_submit():
        with unit_of_work():
            _token, new_token = services.issue_token(current_user, form.name.data)
        form = forms.TokenForm(formdata=None)
    return render_template(
        "accounts/tokens.html",
        form=form,
        tokens=services.list_tokens(current_user),
        new_token=new_token,
    ), 422 if form.errors else 200


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    with unit_of_work():
        services.revoke_token(current_user, token_id)
    flash(_("The token is revoked; programs using it are signed out."), "success")
    return redirect(url_for("accounts.tokens"))


@bp.route("/company/members", methods=["GET", "POST"])
@login_required
@permission_required(Permission.READ)
def members():
    form = forms.InviteForm()
    can_manage = current_user.can(Permission.MANAGE_MEMBERS)
    if request.method == "POST":
        if not can_manage:
            return render_template(
                "errors.html", status=403, message=_("Only owners and admins invite colleagues.")
            ), 403
        if form.validate():
            with saved(form, fields_only=True) as outcome:
                services.invite(current_user, form.email.data, form.role.data)
            if outcome.ok:
                flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
                return redirect(url_for("accounts.members"))
    return render_template(
        "accounts/members.html",
        form=form,
        role_form=forms.RoleForm(formdata=None),
        members=services.members(current_user.company),
        invitations=services.open_invitations(current_user.company),
        can_manage=can_manage,
    ), 422 if form.errors else 200


@bp.post("/company/members/<int:member_id>/role")
@login_required
def change_role(member_id: int):
    with unit_of_work():
        services.change_role(current_user, member_id, request.form.get("role", ""))
    flash(_("The role is changed."), "success")
    return redirect(url_for("accounts.members"))


@bp.post("/company/members/<int:member_id>/disable")
@login_required
def disable_member(member_id: int):
    disable = request.form.get("disabled", "1") == "1"
    with unit_of_work():
        services.set_member_disabled(current_user, member_id, disable)
    flash(_("Access is updated."), "success")
    return redirect(url_for("accounts.members"))


@bp.post("/company/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invitation(invitation_id: int):
    with unit_of_work():
        services.revoke_invitation(current_user, invitation_id)
    flash(_("The invitation is withdrawn."), "success")
    return redirect(url_for("accounts.members"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit(auth_limit, methods=["POST"])
def accept_invitation(token: str):
    invitation = services.invitation_for_token(token)
    if invitation is None:
        flash(_("This invitation is invalid, used or expired."), "error")
        return redirect(url_for("site.home"))
    form = forms.AcceptInvitationForm()
    if form.validate_on_submit():
        with saved(form, fields_only=True) as outcome:
            user = services.accept_invitation(
                token, {"full_name": form.full_name.data, "password": form.password.data}
            )
        if outcome.ok:
            logout_user()
            login_user(user)
            flash(_("Welcome to %(company)s.", company=invitation.company.name), "success")
            return redirect(url_for("companies.dashboard"))
    return render_template(
        "accounts/accept_invitation.html", form=form, invitation=invitation
    ), 422 if form.errors else 200
