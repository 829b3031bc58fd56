"""JSON API for sign-up, token issue and revocation, and the current person."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from marketplace.accounts import schemas, services
from marketplace.core.api import auth_required, doc, load_body
from marketplace.core.extensions import limiter
from marketplace.core.uow import unit_of_work

bp = Blueprint("accounts_api", __name__, url_prefix="/api/v1")


def auth_limit() -> str:
    return current_app.config["AUTH_RATE_LIMIT"]


@bp.post("/auth/signup")
@limiter.limit(auth_limit)
@doc(
    summary="Register a company with its first user (the owner) and get an API token",
    body=schemas.SignupSchema,
    response=schemas.SignupResultSchema,
    status=201,
    tags=["auth"],
)
def signup():
    with unit_of_work():
        data = load_body(schemas.SignupSchema())
        user = services.sign_up(data["company"], data["user"])
        _token, clear = services.issue_token(user, "Sign-up")
    body = schemas.SignupResultSchema().dump(
        {"company": user.company, "user": user, "token": clear}
    )
    return jsonify(body), 201


@bp.post("/auth/tokens")
@limiter.limit(auth_limit)
@doc(
    summary="Exchange e-mail and password for a bearer token",
    body=schemas.TokenRequestSchema,
    response=schemas.NewTokenSchema,
    status=201,
    tags=["auth"],
)
def create_token():
    with unit_of_work():
        data = load_body(schemas.TokenRequestSchema())
        user = services.authenticate(data["email"], data["password"])
        token, clear = services.issue_token(user, data["name"])
    body = schemas.NewTokenSchema().dump(token)
    body["token"] = clear
    return jsonify(body), 201


@bp.get("/auth/tokens")
@auth_required
@doc(
    summary="The current person's tokens (never their secret)",
    response=schemas.TokenSchema(many=True),
    tags=["auth"],
)
def list_tokens():
    return jsonify(schemas.TokenSchema(many=True).dump(services.list_tokens(current_user)))


@bp.delete("/auth/tokens/<int:token_id>")
@auth_required
@doc(summary="Revoke a token", status=204, tags=["auth"])
def revoke_token(token_id: int):
    with unit_of_work():
        services.revoke_token(current_user, token_id)
    return "", 204


@bp.post("/me/confirmation")
@auth_required
@limiter.limit(auth_limit)
@doc(summary="Send the e-mail confirmation link again", status=202, tags=["auth"])
def resend_confirmation():
    with unit_of_work():  # the mail leaves with the commit
        services.resend_confirmation(current_user)
    return jsonify(
        {"email": current_user.email, "email_confirmed": current_user.email_confirmed}
    ), 202


@bp.get("/me")
@auth_required
@doc(summary="The current person", response=schemas.UserSchema, tags=["auth"])
def me():
    return jsonify(schemas.UserSchema().dump(current_user))
