"""Every change to people: sign-up, sign-in, e-mail confirmation, password reset, tokens, invitations."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from flask import current_app, render_template, url_for
from flask_babel import gettext as _

from marketplace.accounts.models import ApiToken, Invitation, User
from marketplace.companies import services as companies
from marketplace.companies.models import Company
from marketplace.core import clock, mail, security
from marketplace.core.access import Permission, Role, get_owned, require
from marketplace.core.errors import Conflict, PermissionDenied, ValidationError
from marketplace.core.extensions import db

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MIN_PASSWORD = 10


class AuthenticationFailed(ValidationError):
    status = 401
    title = "Wrong e-mail or password"


def normalize_email(email: str | None) -> str:
    return (email or "").strip().lower()


def validate_person(
    data: dict[str, Any],
    *,
    password_field: str = "password",  # noqa: S107 - the name of a form field
) -> dict[str, str]:
    errors: dict[str, list[str]] = {}
    email = normalize_email(data.get("email"))
    if not email:
        errors["email"] = [_("This field is required.")]
    elif not _EMAIL.match(email) or len(email) > 254:
        errors["email"] = [_("Enter a valid e-mail address.")]
    full_name = (data.get("full_name") or "").strip()
    if not full_name:
        errors["full_name"] = [_("This field is required.")]
    elif len(full_name) > 200:
        errors["full_name"] = [_("At most 200 characters.")]
    password = data.get(password_field) or ""
    password_message = password_problem(password)
    if password_message:
        errors[password_field] = [password_message]
    if errors:
        raise ValidationError(errors)
    return {"email": email, "full_name": full_name, "password": password}


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _("Use at least %(count)d characters.", count=MIN_PASSWORD)
    if len(password) > 200:
        return _("At most 200 characters.")
    if password.lower() == password or password.isalpha():
        return _("Mix upper- and lower-case letters with digits or symbols.")
    return None


def _email_taken(email: str) -> bool:
    return db.session.execute(sa.select(User.id).where(User.email == email)).first() is not None


def _new_user(person: dict[str, str], **fields: Any) -> User:
    user = User(
        email=person["email"],
        full_name=person["full_name"],
        password_hash=security.hash_password(person["password"]),
        **fields,
    )
    db.session.add(user)
    return user


def check_sign_up(company_data: dict[str, Any], user_data: dict[str, Any]) -> dict[str, str]:
    """Every problem with a sign-up at once, named 'company.<field>' and 'user.<field>'."""
    errors: dict[str, list[str]] = {}
    person: dict[str, str] = {}
    try:
        person = validate_person(user_data)
    except ValidationError as exc:
        errors.update({f"user.{k}": v for k, v in exc.errors.items()})
    try:
        companies.validate_profile(company_data, partial=False)
    except ValidationError as exc:
        errors.update({f"company.{k}": v for k, v in exc.errors.items()})
    if person and _email_taken(person["email"]):
        errors["user.email"] = [_("An account with this e-mail already exists.")]
    if errors:
        raise ValidationError(errors)
    return person


def sign_up(company_data: dict[str, Any], user_data: dict[str, Any], locale: str = "en") -> User:
    """Register a company and its owner; nothing is written unless both are valid."""
    person = check_sign_up(company_data, user_data)
    company = companies.create_company(company_data)
    user = _new_user(person, company=company, role=Role.OWNER, locale=locale)
    db.session.flush()
    send_confirmation(user)
    return user


def add_member(
    company: Company,
    *,
    email: str,
    full_name: str,
    password_hash: str,
    role: Role,
    locale: str = "en",
) -> User:
    """A confirmed member created by the marketplace itself (demo data, imports)."""
    email = normalize_email(email)
    if _email_taken(email):
        raise ValidationError({"email": [_("An account with this e-mail already exists.")]})
    user = User(
        email=email,
        full_name=full_name,
        password_hash=password_hash,
        company=company,
        role=role,
        locale=locale,
        email_confirmed_at=clock.now(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User:
    user = db.session.execute(
        sa.select(User).where(User.email == normalize_email(email))
    ).scalar_one_or_none()
    if not security.verify_password(user.password_hash if user else None, password or ""):
        raise AuthenticationFailed({"password": [_("Wrong e-mail or password.")]})
    if user.disabled_at is not None:
        raise AuthenticationFailed({"email": [_("This account is disabled.")]})
    if user.company_suspended:
        raise AuthenticationFailed(
            {
                "email": [
                    _(
                        "Your company's account is suspended, so its members cannot sign in. "
                        "Please contact the marketplace operator."
                    )
                ]
            }
        )
    if security.password_needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    user.last_login_at = clock.now()
    db.session.flush()
    return user


def create_operator(email: str, password: str, full_name: str = "Marketplace operator") -> User:
    person = validate_person({"email": email, "password": password, "full_name": full_name})
    existing = db.session.execute(
        sa.select(User).where(User.email == person["email"])
    ).scalar_one_or_none()
    if existing is not None:
        if existing.is_operator:
            raise Conflict(_("This operator exists already."), field="email")
        raise Conflict(_("This e-mail belongs to a company member."), field="email")
    user = _new_user(person, is_operator=True, email_confirmed_at=clock.now())
    db.session.flush()
    return user


# --- API tokens ------------------------------------------------------------


def issue_token(user: User, name: str = "API") -> tuple[ApiToken, str]:
    """A new bearer token; the clear text is returned once and never stored."""
    name = (name or "API").strip()[:100] or "API"
    clear = security.new_api_token()
    token = ApiToken(user=user, name=name, token_hash=security.hash_token(clear), prefix=clear[:10])
    db.session.add(token)
    db.session.flush()
    return token, clear


def user_for_token(clear: str) -> User | None:
    token = db.session.execute(
        sa.select(ApiToken).where(ApiToken.token_hash == security.hash_token(clear))
    ).scalar_one_or_none()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = clock.now()
    # Touch at most once a minute so reads do not turn every request into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        token.last_used_at = now
        db.session.flush()
    return token.user


def revoke_all_tokens(user: User) -> int:
    """Revoke every active token of the person; how many were revoked."""
    result = db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now())
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


def list_tokens(user: User) -> list[ApiToken]:
    return list(
        db.session.execute(
            sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
        ).scalars()
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = get_owned(ApiToken, token_id, user.id, column="user_id")
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        db.session.flush()
    return token


# --- e-mail confirmation and password reset --------------------------------


def _send(user_email: str, template: str, subject: str, **context: Any) -> None:
    text = render_template(f"accounts/mail/{template}.txt", **context)
    mail.queue(user_email, subject, text)


def send_confirmation(user: User) -> None:
    token = security.sign("confirm", {"uid": user.id, "email": user.email})
    link = url_for("accounts.confirm_email", token=token, _external=True)
    _send(user.email, "confirm", _("Confirm your e-mail address"), user=user, link=link)


def resend_confirmation(user: User) -> bool:
    """Queue a new confirmation link unless the address is confirmed already; whether it was."""
    if user.email_confirmed:
        return False
    send_confirmation(user)
    return True


def confirm_email(token: str) -> User:
    payload = security.unsign("confirm", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or user.email != payload.get("email"):
        raise ValidationError({"token": [_("This confirmation link is invalid or has expired.")]})
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()
        db.session.flush()
    return user


def _password_fingerprint(user: User) -> str:
    # Part of the hash: the link dies as soon as the password changes (single use).
    return security.hash_token(user.password_hash)[:16]


def request_password_reset(email: str) -> None:
    """Always succeeds from the caller's view, so addresses cannot be probed."""
    user = db.session.execute(
        sa.select(User).where(User.email == normalize_email(email))
    ).scalar_one_or_none()
    if user is None or not user.is_active:
        return
    token = security.sign("reset", {"uid": user.id, "pw": _password_fingerprint(user)})
    link = url_for("accounts.reset_password", token=token, _external=True)
    _send(user.email, "reset", _("Reset your password"), user=user, link=link)


def user_for_reset_token(token: str) -> User | None:
    payload = security.unsign("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    user = db.session.get(User, payload["uid"]) if payload else None
    if user is None or payload.get("pw") != _password_fingerprint(user):
        return None
    return user


def reset_password(token: str, new_password: str) -> User:
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationError({"token": [_("This reset link is invalid or has expired.")]})
    message = password_problem(new_password or "")
    if message:
        raise ValidationError({"password": [message]})
    user.password_hash = security.hash_password(new_password)
    if user.email_confirmed_at is None:
        user.email_confirmed_at = clock.now()  # the link proved the address
    # Whoever needed a reset may have lost the account: programs signed in with it are cut off
    # too (sessions end through User.get_id).
    revoke_all_tokens(user)
    db.session.flush()
    return user


def change_password(user: User, current: str, new_password: str) -> None:
    if not security.verify_password(user.password_hash, current or ""):
        raise ValidationError({"current_password": [_("This is not your current password.")]})
    message = password_problem(new_password or "")
    if message:
        raise ValidationError({"new_password": [message]})
    user.password_hash = security.hash_password(new_password)
    db.session.flush()


def update_person(user: User, data: dict[str, Any]) -> User:
    errors: dict[str, list[str]] = {}
    full_name = (data.get("full_name") or "").strip()
    if not full_name:
        errors["full_name"] = [_("This field is required.")]
    locale = data.get("locale") or user.locale
    if locale not in current_app.config["LANGUAGES"]:
        errors["locale"] = [_("Choose English or Polish.")]
    if errors:
        raise ValidationError(errors)
    user.full_name = full_name[:200]
    user.job_title = (data.get("job_title") or "").strip()[:120] or None
    user.phone = (data.get("phone") or "").strip()[:40] or None
    user.locale = locale
    db.session.flush()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationError({"locale": [_("Choose English or Polish.")]})
    if user.locale != locale:
        user.locale = locale
        db.session.flush()


# --- colleagues ------------------------------------------------------------


def _check_role(role: str | None, field: str = "role") -> Role:
    try:
        value = Role(role or "")
    except ValueError as exc:
        raise ValidationError({field: [_("Choose a role.")]}) from exc
    if value == Role.OWNER:
        raise ValidationError({field: [_("A company has one owner; choose another role.")]})
    return value


def invite(actor: User, email: str, role: str) -> Invitation:
    require(actor, Permission.MANAGE_MEMBERS)
    role_value = _check_role(role)
    email = normalize_email(email)
    if not _EMAIL.match(email):
        raise ValidationError({"email": [_("Enter a valid e-mail address.")]})
    if _email_taken(email):
        raise ValidationError({"email": [_("This person already has an account.")]})
    open_invite = db.session.execute(
        sa.select(Invitation).where(
            Invitation.company_id == actor.company_id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ).scalar_one_or_none()
    if open_invite is not None:
        raise ValidationError({"email": [_("This person has been invited already.")]})
    invitation = Invitation(
        company_id=actor.company_id, email=email, role=role_value, invited_by_id=actor.id
    )
    db.session.add(invitation)
    db.session.flush()
    token = security.sign("invite", {"iid": invitation.id, "email": email})
    link = url_for("accounts.accept_invitation", token=token, _external=True)
    _send(
        email,
        "invitation",
        _(
            "%(inviter)s invites you to %(company)s",
            inviter=actor.full_name,
            company=actor.company.name,
        ),
        inviter=actor,
        company=actor.company,
        link=link,
        role=role_value,
    )
    return invitation


def invitation_for_token(token: str) -> Invitation | None:
    payload = security.unsign("invite", token, current_app.config["INVITATION_MAX_AGE"])
    invitation = db.session.get(Invitation, payload["iid"]) if payload else None
    if invitation is None or not invitation.is_open or invitation.email != payload.get("email"):
        return None
    if not invitation.company.is_active:
        return None  # nobody joins a suspended company
    return invitation


def accept_invitation(token: str, data: dict[str, Any]) -> User:
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError({"token": [_("This invitation is invalid, used or expired.")]})
    person = validate_person({**data, "email": invitation.email})
    if _email_taken(person["email"]):
        raise ValidationError({"email": [_("This person already has an account.")]})
    user = _new_user(
        person,
        company_id=invitation.company_id,
        role=invitation.role,
        email_confirmed_at=clock.now(),  # the invitation link proved the address
        locale=data.get("locale") or "en",
    )
    invitation.accepted_at = clock.now()
    db.session.flush()
    return user


def revoke_invitation(actor: User, invitation_id: int) -> None:
    require(actor, Permission.MANAGE_MEMBERS)
    invitation = get_owned(Invitation, invitation_id, actor.company_id)
    if invitation.is_open:
        invitation.revoked_at = clock.now()
        db.session.flush()


def members(company: Company) -> list[User]:
    return list(
        db.session.execute(
            sa.select(User).where(User.company_id == company.id).order_by(User.full_name)
        ).scalars()
    )


def open_invitations(company: Company) -> list[Invitation]:
    return list(
        db.session.execute(
            sa.select(Invitation)
            .where(
                Invitation.company_id == company.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
            )
            .order_by(Invitation.id.desc())
        ).scalars()
    )


def change_role(actor: User, member_id: int, role: str) -> User:
    require(actor, Permission.MANAGE_MEMBERS)
    member = get_owned(User, member_id, actor.company_id)
    if member.role == Role.OWNER:
        raise PermissionDenied(_("The owner's role cannot be changed."))
    member.role = _check_role(role)
    db.session.flush()
    return member


def set_member_disabled(actor: User, member_id: int, disabled: bool) -> User:
    require(actor, Permission.MANAGE_MEMBERS)
    member = get_owned(User, member_id, actor.company_id)
    if member.role == Role.OWNER or member.id == actor.id:
        raise PermissionDenied(_("You cannot disable the owner or yourself."))
    member.disabled_at = clock.now() if disabled else None
    db.session.flush()
    return member
