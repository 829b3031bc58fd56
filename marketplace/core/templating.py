"""Jinja filters and globals every template may use: money, dates, countries, languages."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from babel import Locale
from flask import Flask, current_app, request
from flask_babel import format_date, format_datetime, get_locale

from marketplace.core import clock
from marketplace.core.money import Money


def money(amount: int | None, currency: str) -> str:
    if amount is None:
        return ""
    return Money(int(amount), currency).format(str(get_locale() or "en"))


def country_name(code: str | None) -> str:
    if not code:
        return ""
    return Locale.parse(str(get_locale() or "en")).territories.get(code.upper(), code)


def date_filter(value: dt.date | dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, fmt)


def datetime_filter(value: dt.datetime | None, fmt: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt)


def url_with(**changes: object) -> str:
    """The current URL with some query arguments changed or removed (None removes)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return request.path + (f"?{query}" if query else "")


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        money=money, country_name=country_name, date=date_filter, datetime=datetime_filter
    )
    app.jinja_env.globals.update(url_with=url_with, now=clock.now)

    @app.context_processor
    def inject_locale() -> dict:
        return {
            "current_locale": str(get_locale() or "en"),
            "languages": current_app.config["LANGUAGES"],
        }
