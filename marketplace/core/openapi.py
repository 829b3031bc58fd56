"""Builds the OpenAPI 3 document from the API routes' @doc metadata and marshmallow schemas."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

PROBLEM_SCHEMA = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}

IDEMPOTENCY_KEY = {
    "in": "header",
    "name": "Idempotency-Key",
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": "Makes retries safe: a repeat with the same key and body gets the first answer "
    "again (header Idempotent-Replayed: true) and changes nothing; the same key with another "
    "body is refused with 409.",
}

_CONVERTER = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__.removesuffix("Schema") or cls.__name__


def build_spec(app: Flask) -> dict:
    spec = APISpec(
        title="B2B Marketplace API",
        version="1",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
        info={
            "description": "Companies, offers, search, messaging, orders and procurement. "
            "Authenticate with 'Authorization: Bearer <token>' from POST /api/v1/auth/tokens. "
            "Errors are application/problem+json with per-field messages under 'errors'."
        },
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", PROBLEM_SCHEMA)
    paths: dict[str, dict] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.rule.startswith("/api/v1/"):
            continue
        view = app.view_functions[rule.endpoint]
        meta = getattr(view, "_api_doc", None)
        if meta is None:
            continue
        path = _CONVERTER.sub(r"{\1}", rule.rule)
        params = [
            {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
            for name in _CONVERTER.findall(rule.rule)
        ]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            operation: dict = {
                "summary": meta["summary"],
                "tags": meta["tags"] or [rule.rule.split("/")[3]],
                "parameters": list(params),
                "responses": {
                    "4XX": {
                        "description": "Problem",
                        "content": {"application/problem+json": {"schema": "Problem"}},
                    }
                },
            }
            if meta["query"] is not None:
                operation["parameters"].append({"in": "query", "schema": meta["query"]})
            if meta["idempotent"]:
                operation["parameters"].append(IDEMPOTENCY_KEY)
            if meta["paginated"]:
                operation["parameters"] += [
                    {"in": "query", "name": "cursor", "schema": {"type": "string"}},
                    {"in": "query", "name": "limit", "schema": {"type": "integer"}},
                ]
            if meta["body"] is not None:
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": meta["body"]}},
                }
            ok: dict = {"description": "OK"}
            if meta["response"] is not None:
                schema = meta["response"]
                if meta["paginated"]:
                    schema = {
                        "type": "object",
                        "properties": {
                            "items": {"type": "array", "items": schema},
                            "next_cursor": {"type": "string", "nullable": True},
                        },
                    }
                ok["content"] = {"application/json": {"schema": schema}}
            operation["responses"][str(meta["status"])] = ok
            if getattr(view, "_api_auth", False):
                operation["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
