"""Rules for what people write in threads (subject, body, inquiry fields) and how much per hour."""

from __future__ import annotations

import datetime as dt
import unicodedata
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from marketplace.core import clock
from marketplace.core.bounds import PRICE
from marketplace.core.errors import RateLimited
from marketplace.core.extensions import db
from marketplace.core.money import CURRENCIES
from marketplace.core.sanitize import clean_html, plain_text
from messaging.models import Message, Thread

MAX_BODY = 20_000
MAX_SUBJECT = 200
# Control characters and line/paragraph separators: a subject is one line, and it ends up in
# e-mail headers, where a line break would start a new header.
_NOT_IN_A_LINE = {"Cc", "Zl", "Zp"}


def clean_subject(raw: Any, errors: dict[str, list[str]]) -> str:
    """The subject without surrounding spaces; a field error when empty, too long or multi-line."""
    subject = str(raw or "").strip()
    if not subject:
        errors.setdefault("subject", []).append(_("Give the conversation a subject."))
    elif any(unicodedata.category(char) in _NOT_IN_A_LINE for char in subject):
        errors.setdefault("subject", []).append(
            _("Write the subject on one line, without line breaks or tabs.")
        )
    elif len(subject) > MAX_SUBJECT:
        errors.setdefault("subject", []).append(_("At most 200 characters."))
    return subject


def one_line(text: str) -> str:
    """Runs of whitespace, line breaks included, as single spaces."""
    return " ".join(text.split())


def clean_body(body: Any, errors: dict[str, list[str]]) -> tuple[str, str]:
    html = clean_html(str(body or ""))
    text = plain_text(html)
    if not text:
        errors.setdefault("body", []).append(_("Write a message."))
    elif len(html) > MAX_BODY:
        errors.setdefault("body", []).append(
            _("At most %(count)s characters.", count=f"{MAX_BODY:,}")
        )
    return html, text


def inquiry_fields(data: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    quantity = str(data.get("quantity") or "").strip()
    if len(quantity) > 60:
        errors.setdefault("quantity", []).append(_("At most 60 characters."))
    out["quantity"] = quantity or None
    amount = data.get("target_price_amount")
    currency = str(data.get("target_price_currency") or "").strip().upper()
    if amount is not None and amount != "":
        if amount not in PRICE:
            errors.setdefault("target_price", []).append(_("Enter a positive amount."))
        elif currency not in CURRENCIES:
            errors.setdefault("target_price_currency", []).append(_("Choose a currency."))
        else:
            out["target_price_amount"], out["target_price_currency"] = amount, currency
    needed_by = data.get("needed_by")
    if needed_by:
        if not isinstance(needed_by, dt.date):
            errors.setdefault("needed_by", []).append(_("Enter a date."))
        elif needed_by < clock.today():
            errors.setdefault("needed_by", []).append(_("The date is in the past."))
        else:
            out["needed_by"] = needed_by
    return out


def check_rate(company_id: int, *, new_thread: bool) -> None:
    """Per-company limits over the last hour, counted in the database so every process agrees."""
    config = current_app.config
    since = clock.now() - dt.timedelta(hours=1)
    if new_thread:
        limit = int(config.get("MESSAGING_THREADS_PER_HOUR", 30))
        used = db.session.execute(
            sa.select(sa.func.count())
            .select_from(Thread)
            .where(Thread.created_by_company_id == company_id, Thread.created_at > since)
        ).scalar_one()
        if used >= limit:
            raise RateLimited(
                _(
                    "Your company has started %(count)s conversations in the last hour; please wait.",
                    count=used,
                )
            )
    limit = int(config.get("MESSAGING_MESSAGES_PER_HOUR", 300))
    used = db.session.execute(
        sa.select(sa.func.count())
        .select_from(Message)
        .where(Message.author_company_id == company_id, Message.created_at > since)
    ).scalar_one()
    if used >= limit:
        raise RateLimited(
            _("Your company has sent %(count)s messages in the last hour; please wait.", count=used)
        )
