"""The stored scorecard follows the company's answers in messages: each answer schedules a refresh.

Orders refresh a supplier's stored scorecard on order, dispute and review events; the median
first response time (which search ranks on) changes when the company answers a partner in a
thread instead, and messaging knows nothing of scorecards. So orders listen to messaging's
message_posted signal and, for a company's first answer in a thread, enqueue one refresh job
per company and WINDOW, due one minute after the window ends: a busy company is recomputed at
most once per window, and an answer written inside the window is committed by the time its job
reads the threads.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from messaging.events import message_posted
from messaging.models import Message, MessageKind

REFRESH_JOB = "orders.refresh_scorecard"
WINDOW = dt.timedelta(minutes=5)


def _first_answer(message: Message) -> bool:
    """Whether the message is its company's first answer to the partner in the thread: only
    that one enters the median (later answers and unanswered questions change nothing)."""
    table = Message.__table__
    in_thread = sa.and_(table.c.thread_id == message.thread_id, table.c.kind == MessageKind.USER)
    asked = db.session.execute(
        sa.select(sa.func.min(table.c.created_at)).where(
            in_thread, table.c.author_company_id != message.author_company_id
        )
    ).scalar()
    if asked is None or clock.as_utc(asked) >= clock.as_utc(message.created_at):
        return False
    answers = db.session.execute(
        sa.select(sa.func.count()).where(
            in_thread,
            table.c.author_company_id == message.author_company_id,
            table.c.created_at > asked,
        )
    ).scalar()
    return answers == 1


def _on_message_posted(message: Message, **_kwargs: object) -> None:
    """Enqueued in the message's own transaction, so a rolled-back message schedules nothing."""
    if not message.author_company_id or not _first_answer(message):
        return
    now = clock.now()
    start = now - dt.timedelta(seconds=now.timestamp() % WINDOW.total_seconds())
    jobs.enqueue(
        REFRESH_JOB,
        {"company_id": message.author_company_id},
        run_at=start + WINDOW + dt.timedelta(minutes=1),
        key=f"orders.scorecard:{message.author_company_id}:{start.isoformat()}",
    )


def connect_receivers() -> None:
    """Called by create_app; connecting again changes nothing."""
    message_posted.connect(_on_message_posted)
