"""Idempotency-Key for money-moving API calls: the first answer is stored and replayed."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.errors import Conflict, ValidationError
from marketplace.core.extensions import db
from marketplace.orders.models import IdempotentRequest


def request_key() -> str | None:
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 100:
        raise ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
    return key or None


def _scope() -> str:
    company_id = getattr(current_user, "company_id", None)
    return f"company:{company_id}" if company_id else f"user:{current_user.id}"


def once(run: Callable[[], tuple[dict, int]]) -> Response:
    """Run the write once per Idempotency-Key; a repeat with the same body gets the same answer,
    a repeat with another body is a conflict. Without a key the write simply runs."""
    key = request_key()
    if key is None:
        body, status = run()
        db.session.commit()
        return _answer(body, status)
    fingerprint = hashlib.sha256(request.get_data() or b"").hexdigest()
    endpoint = request.path
    earlier = db.session.execute(
        sa.select(IdempotentRequest).where(
            IdempotentRequest.scope == _scope(),
            IdempotentRequest.endpoint == endpoint,
            IdempotentRequest.key == key,
        )
    ).scalar_one_or_none()
    if earlier is not None:
        if earlier.fingerprint != fingerprint:
            raise Conflict(_("This Idempotency-Key was used with a different request."))
        return _answer(earlier.body, earlier.status_code, replayed=True)
    body, status = run()
    db.session.add(
        IdempotentRequest(
            scope=_scope(),
            endpoint=endpoint,
            key=key,
            fingerprint=fingerprint,
            status_code=status,
            body=json.loads(json.dumps(body, default=str)),
        )
    )
    db.session.commit()
    return _answer(body, status)


def _answer(body: dict, status: int, *, replayed: bool = False) -> Response:
    response = jsonify(body)
    response.status_code = status
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response
