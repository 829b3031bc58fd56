"""Builds the OpenAPI 3 document from the API routes' @doc metadata and marshmallow schemas.

Path ids are declared as the bounded integers the URL converter accepts, and every operation
that returns an object links to the operations that take its id, so a client (or a fuzzer)
can follow POST /offers to GET /offers/{offer_id} with a real id."""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from werkzeug.routing import AnyConverter, Rule

from marketplace.core.bounds import ID
from marketplace.core.routing import IdConverter

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

_CONVERTER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema") or cls.__name__
    return f"{name}Patch" if getattr(schema, "partial", False) is True else name


def _blank_is_absent(self, field, **_kwargs) -> dict:
    """Query schemas whose Meta says blank_is_absent (the search's, shared with its HTML form,
    which sends empty fields) declare that an empty value is the same as none."""
    meta = getattr(getattr(field, "parent", None), "Meta", None)
    return {"allowEmptyValue": True} if getattr(meta, "blank_is_absent", False) else {}


def _path_parameter(rule: Rule, name: str) -> dict:
    converter = rule._converters.get(name)  # noqa: SLF001 - Werkzeug keeps them there
    schema: dict = {"type": "string"}
    if isinstance(converter, IdConverter):
        schema = {"type": "integer", "minimum": ID.low, "maximum": ID.high}
    elif isinstance(converter, AnyConverter):
        schema = {"type": "string", "enum": sorted(converter.items)}
    return {"in": "path", "name": name, "required": True, "schema": schema}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _link_targets(path: str, source: dict, operations: list[tuple[str, str, dict]]) -> dict:
    """Links from an operation that answers with an object (or a page of them) to every other
    operation taking that object's id: under the same path (POST /offers -> /offers/{offer_id})
    or by name (a Quote's id -> {quote_id})."""
    schema = source.get("_returns")
    if schema is None:
        return {}
    pointer = "$response.body#/items/0/id" if source.get("_paginated") else "$response.body#/id"
    by_name = _snake(_schema_name(schema)).removeprefix("own_").removeprefix("new_") + "_id"
    links: dict = {}
    for target_path, _method, target in operations:
        if target is source:
            continue
        for parameter in target["parameters"]:
            name = parameter.get("name", "")
            if parameter.get("in") != "path" or not name.endswith("_id"):
                continue
            under = target_path.startswith(f"{path}/{{{name}}}")
            if under or name == by_name:
                key = f"{target['operationId']}".replace(".", "_")
                links[key] = {"operationId": target["operationId"], "parameters": {name: pointer}}
                break
    return links


def build_spec(app: Flask) -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    spec = APISpec(
        title="B2B Marketplace API",
        version="1",
        openapi_version="3.0.3",
        plugins=[plugin],
        info={
            "description": "Companies, offers, search, messaging, orders and procurement. "
            "Authenticate with 'Authorization: Bearer <token>' from POST /api/v1/auth/tokens. "
            "Errors are application/problem+json with per-field messages under 'errors'."
        },
    )
    plugin.converter.add_parameter_attribute_function(_blank_is_absent)
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
        params = [_path_parameter(rule, name) for name in _CONVERTER.findall(rule.rule)]
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"})
        for method in methods:
            operation: dict = {
                "operationId": rule.endpoint if len(methods) == 1 else f"{rule.endpoint}.{method}",
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
                    {
                        "in": "query",
                        "name": "limit",
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": app.config["API_MAX_PAGE_SIZE"],
                        },
                    },
                ]
            if meta["body"] is not None:
                body = meta["body"]
                if method == "PATCH":  # loaded with partial=True: no field is required
                    body = (body if isinstance(body, type) else type(body))(partial=True)
                operation["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": body}},
                }
            ok: dict = {"description": "OK"}
            if meta["response"] is not None:
                schema = meta["response"]
                if meta["paginated"] and getattr(schema, "many", False):
                    schema = type(schema)  # a page's items are the objects, not lists of them
                if not getattr(schema, "many", False) and 200 <= meta["status"] < 300:
                    operation["_returns"] = schema
                    operation["_paginated"] = meta["paginated"] or meta["listed"]
                    operation["_status"] = str(meta["status"])
                if meta["paginated"] or meta["listed"]:
                    properties: dict = {"items": {"type": "array", "items": schema}}
                    if meta["paginated"]:
                        properties["next_cursor"] = {"type": "string", "nullable": True}
                    schema = {"type": "object", "properties": properties}
                ok["content"] = {"application/json": {"schema": schema}}
            operation["responses"][str(meta["status"])] = ok
            if getattr(view, "_api_auth", False):
                operation["security"] = [{"bearer": []}]
            paths.setdefault(path, {})[method.lower()] = operation
    every = [(p, m, op) for p, ops in paths.items() for m, op in ops.items()]
    for path, _method, operation in every:
        links = _link_targets(path, operation, every)
        if links:
            operation["responses"][operation["_status"]]["links"] = links
    for _path, _method, operation in every:
        for private in ("_returns", "_paginated", "_status"):
            operation.pop(private, None)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
