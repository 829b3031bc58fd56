"""Ids in URL paths: the app-wide `int` converter holds every `<int:...>` to bounds.ID, so an id
no row can have answers 422 naming the path parameter and never reaches the database.

Why 422 and not 404: the number is bad input whatever the data holds (no company's object can
have it, so the answer tells nobody anything about other companies), and a client that sends an
overflowed or negative id learns which parameter is wrong. A path that is not a number at all
(/offers/abc) matches no route and stays 404.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.exceptions import UnprocessableEntity
from werkzeug.routing import BaseConverter, Map, Rule

from marketplace.core.bounds import ID

_MAX_DIGITS = len(str(ID.high))


class PathParameterError(UnprocessableEntity):
    """A path parameter outside its range; field_errors name it as body fields are named."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(description=f"{name}: {message}")
        self.field_errors = {name: [message]}


class IdConverter(BaseConverter):
    """`<int:name>`: digits (a leading minus too, so -1 is refused by name, not by a 404)."""

    regex = r"-?[0-9]+"
    weight = 50  # as Werkzeug's int: tried before string parts at the same position
    part_isolating = True

    def __init__(self, map: Map) -> None:  # noqa: A002 - Werkzeug's name
        super().__init__(map)
        self.variable = "id"  # set by NamedRule to the rule's parameter name

    def to_python(self, value: str) -> int:
        digits = value.removeprefix("-")
        number = int(value) if len(digits) <= _MAX_DIGITS else None
        if number not in ID:
            raise PathParameterError(self.variable, ID.message())
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class NamedRule(Rule):
    """A Rule that tells each converter the name of the parameter it reads (for the error)."""

    def get_converter(self, variable_name: str, converter_name: str, args: tuple,
                      kwargs: Any) -> BaseConverter:  # fmt: skip
        converter = super().get_converter(variable_name, converter_name, args, kwargs)
        converter.variable = variable_name  # type: ignore[attr-defined]
        return converter


def init_app(app: Flask) -> None:
    """Before any blueprint adds a rule: routes built from here on use the bounded converter."""
    app.url_rule_class = NamedRule
    app.url_map.converters["int"] = IdConverter
