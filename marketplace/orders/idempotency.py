"""Idempotency-Key for money-moving API calls: the first answer is stored and replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.core.uow import unit_of_work
from marketplace.orders.models import IdempotentRequest


def request_key() -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 100:
        raise ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
    return key or None


def _scope() -> str:
    company_id = getattr(current_user, "company_id", None)
    return f"company:{company_id}" if company_id else f"user:{current_user.id}"


def _earlier(scope: str, endpoint: str, key: str) -> IdempotentRequest | None:
    return db.session.execute(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.scope == scope,
            IdempotentRequest.endpoint == endpoint,
            IdempotentRequest.key == key,
        )
    ).scalar_one_or_none()


def once(run: Callable[[], tuple[dict, int]]) -> Response:
    """Run the write once per Idempotency-Key as the request's unit of work; a repeat with the
    same body gets the same answer, a repeat with another body is a conflict. Without a key the
    write simply runs.

    A refused write leaves nothing behind, the claimed key included, so a retry may use it
    (nothing later in the request, such as the search drain, may commit the half-done work)."""
    key = request_key()
    if key is None:
        with unit_of_work():
            body, status = run()
        return _answer(body, status)
    with unit_of_work():
        return _once(key, run)


def _once(key: str, run: Callable[[], tuple[dict, int]]) -> Response:
    scope, endpoint = _scope(), request.path
    fingerprint = hashlib.sha256(request.get_data() or b"").hexdigest()
    earlier = _earlier(scope, endpoint, key)
    claim = None
    if earlier is None:
        # Claim the key before doing the work: a concurrent request with the same key waits on
        # the unique index until this one commits (then replays its answer) or rolls back.
        claim = IdempotentRequest(
            scope=scope, endpoint=endpoint, key=key, fingerprint=fingerprint,
            status_code=0, body={},
        )  # fmt: skip
        try:
            with db.session.begin_nested():
                db.session.add(claim)
        except IntegrityError:
            earlier = _earlier(scope, endpoint, key)
            if earlier is None:  # pragma: no cover - the unique index is the only constraint
                raise
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise Conflict(
                _("This Idempotency-Key was used with a different request."),
                field="Idempotency-Key",
            )
        return _answer(earlier.body, earlier.status_code, replayed=True)
    body, status = run()
    claim.status_code = status
    claim.body = json.loads(json.dumps(body, default=str))
    return _answer(body, status)


def _answer(body: dict, status: int, *, replayed: bool = False) -> Response:
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
