"""JSON API plumbing shared by every package: body loading, problem+json errors, auth, docs metadata."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import marshmallow as ma
from flask import Response, current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from marketplace.core.errors import DomainError, PermissionDenied, ValidationError
from marketplace.core.pagination import Page, parse_limit
from marketplace.core.text_input import check_json

PROBLEM_JSON = "application/problem+json"


class Unauthorized(DomainError):
    status = 401
    title = "Authentication required"


def problem(status: int, title: str, detail: str = "", errors: dict | None = None) -> Response:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def problem_from_error(error: DomainError) -> Response:
    return problem(error.status, error.title, error.message, error.field_errors or None)


def _flatten(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """marshmallow's nested error dict -> {"company.name": ["..."], "lines.0.quantity": [...]}."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            if key == "_schema":
                name = prefix or "_body"
            for k, v in _flatten(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_body"] = list(messages)
    elif isinstance(messages, list):
        for item in messages:
            for k, v in _flatten(item, prefix).items():
                flat.setdefault(k, []).extend(v)
    else:
        flat[prefix or "_body"] = [str(messages)]
    return flat


def validation_error_from(exc: ma.ValidationError) -> ValidationError:
    return ValidationError(_flatten(exc.messages))


def load_body(schema: ma.Schema, *, partial: bool = False) -> dict:
    """The request's JSON body loaded through the schema; raises ValidationError naming fields."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"_body": [_("The request body must be a JSON object.")]})
    check_json(data)
    try:
        return schema.load(data, partial=partial)
    except ma.ValidationError as exc:
        raise validation_error_from(exc) from exc


def load_query(schema: ma.Schema) -> dict:
    """Query-string parameters loaded through a schema (unknown parameters are ignored)."""
    try:
        return schema.load(request.args.to_dict(), unknown=ma.EXCLUDE)
    except ma.ValidationError as exc:
        raise validation_error_from(exc) from exc


def page_args() -> tuple[str | None, int]:
    """cursor and limit of a paginated listing; each given at most once."""
    for name in ("cursor", "limit"):
        if len(request.args.getlist(name)) > 1:
            raise ValidationError({name: [_("Give this parameter once.")]})
    cfg = current_app.config
    limit = parse_limit(request.args.get("limit"), cfg["PAGE_SIZE"], cfg["API_MAX_PAGE_SIZE"])
    return request.args.get("cursor") or None, limit


def page_response(page: Page, schema: ma.Schema, **extra: Any) -> Response:
    return jsonify(
        {"items": schema.dump(page.items, many=True), "next_cursor": page.next_cursor, **extra}
    )


def require_signed_in() -> Any:
    """The current person, or Unauthorized (401) for routes where signing in is optional."""
    if not current_user.is_authenticated:
        raise Unauthorized(_("Send 'Authorization: Bearer <token>'."))
    return current_user


def auth_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_signed_in()
        return view(*args, **kwargs)

    wrapped._api_auth = True  # type: ignore[attr-defined]
    return wrapped


def operator_required(view: Callable) -> Callable:
    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        require_signed_in()
        if not getattr(current_user, "is_operator", False):
            raise PermissionDenied(_("Only marketplace operators may do this."))
        return view(*args, **kwargs)

    wrapped._api_auth = True  # type: ignore[attr-defined]
    return wrapped


def csrf_exempt(view: Callable) -> Callable:
    """For endpoints that authenticate each request themselves (signed webhooks)."""
    view._csrf_exempt = True  # type: ignore[attr-defined]
    return view


def doc(
    *,
    summary: str,
    body: type[ma.Schema] | ma.Schema | None = None,
    query: type[ma.Schema] | ma.Schema | None = None,
    response: type[ma.Schema] | ma.Schema | None = None,
    status: int = 200,
    paginated: bool = False,
    listed: bool = False,
    tags: list[str] | None = None,
    idempotent: bool = False,
) -> Callable:
    """Describe an API route for the OpenAPI document (read by marketplace.core.openapi).

    paginated: the answer is {"items": [response...], "next_cursor"} and takes cursor and limit;
    listed: the answer is {"items": [response...]}, all at once.
    idempotent: the route honours an Idempotency-Key header (declared as a header parameter)."""

    def decorator(view: Callable) -> Callable:
        view._api_doc = {  # type: ignore[attr-defined]
            "summary": summary,
            "body": body,
            "query": query,
            "response": response,
            "status": status,
            "paginated": paginated,
            "listed": listed,
            "tags": tags or [],
            "idempotent": idempotent,
        }
        return view

    return decorator
