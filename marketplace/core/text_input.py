"""Text from outside that no column can hold: a NUL character (PostgreSQL text refuses it, SQLite
keeps it) is refused at the edge with 422 naming the parameter, in query strings and form fields
(before any view) and in JSON bodies (marketplace.core.api.load_body). A view marked any_text
(the search, whose words never reach SQL) reads its query string as it comes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _

from marketplace.core.errors import ValidationError

NUL = "\x00"


def _message() -> str:
    return _("Must not contain NUL characters.")


def nul_paths(value: Any, prefix: str = "") -> list[str]:
    """The dotted names (items.0.description) of every string in value holding a NUL."""
    if isinstance(value, str):
        return [prefix or "_body"] if NUL in value else []
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            found += [name] if NUL in str(key) else nul_paths(item, name)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += nul_paths(item, f"{prefix}.{index}" if prefix else str(index))
    return found


def check_json(data: Any) -> None:
    if names := nul_paths(data):
        raise ValidationError({name: [_message()] for name in names})


def any_text(view: Callable) -> Callable:
    """The view takes any text in its query string (it strips what it cannot use itself)."""
    view._any_text = True  # type: ignore[attr-defined]
    return view


def refuse_nul_parameters() -> None:
    """before_request: query-string and form values (and their names) without NUL."""
    view = current_app.view_functions.get(request.endpoint or "")
    sources = (request.form,) if getattr(view, "_any_text", False) else (request.args, request.form)
    names = [
        name
        for values in sources
        for name, value in values.items(multi=True)
        if NUL in name or NUL in value
    ]
    if names:
        raise ValidationError({name.replace(NUL, "") or "_query": [_message()] for name in names})
