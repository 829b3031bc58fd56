"""Outgoing e-mail: printed to the log on the embedded default, sent over SMTP when MAIL_URL is set.

Services call queue(): the message leaves by a background job once their transaction commits, so
a slow or broken mail server never fails or delays a request, and a rolled-back change sends
nothing. send_message() is for job handlers that deliver now (and retry when it raises)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

from marketplace.core import jobs, uow

log = logging.getLogger("marketplace.mail")

# Messages "sent" to the log are also kept here (bounded) so a developer can read them back.
outbox_log: list[EmailMessage] = []


def build_message(to: str, subject: str, text: str, html: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = " ".join(subject.split())  # a line break in a header value cannot be sent
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def send_message(message: EmailMessage) -> None:
    """Deliver now; raises OSError/smtplib.SMTPException so a job can retry."""
    url = current_app.config.get("MAIL_URL") or ""
    if not url:
        log.info(
            "mail to %s: %s\n%s",
            message["To"],
            message["Subject"],
            message.get_content()
            if not message.is_multipart()
            else message.get_body(("plain",)).get_content(),
        )
        outbox_log.append(message)
        del outbox_log[:-200]
        return
    parts = urlsplit(url)
    options = parse_qs(parts.query)
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname or "localhost", port, timeout=10) as smtp:
        if options.get("starttls", ["0"])[0] in {"1", "true"}:
            smtp.starttls()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


SEND_JOB = "core.send_mail"


def queue(to: str, subject: str, text: str, html: str | None = None) -> None:
    """Send this message after the current transaction commits (a job; retried until it goes)."""
    jobs.enqueue(SEND_JOB, {"to": to, "subject": subject, "text": text, "html": html})


def send_from_job(message: EmailMessage) -> None:
    """Deliver from a job handler: commit what it read first, so no database lock is held while
    the mail server answers; raises on an SMTP failure, and the job is retried."""
    uow.commit_so_far()
    with jobs.outside_transaction():
        send_message(message)


def _send_queued(payload: dict) -> None:
    send_from_job(
        build_message(payload["to"], payload["subject"], payload["text"], payload.get("html"))
    )


JOB_HANDLERS = {SEND_JOB: _send_queued}  # registered by create_app
