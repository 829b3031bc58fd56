"""The stored scorecard follows the company's answers in messages: each answer schedules a refresh.

Orders refresh a supplier's stored scorecard on order, dispute and review events; the median
first response time (which search ranks on) changes when the company answers a partner in a
thread instead, and messaging knows nothing of scorecards. So, as search does for its outbox,
session events note the companies whose own messages were flushed, and before the commit one
refresh job per company and WINDOW is enqueued, due one minute after the window ends: a busy
company is recomputed at most once per window, and an answer written inside the window is
committed by the time its job reads the threads.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.core import clock, jobs
from marketplace.core.extensions import db
from messaging.models import Message, MessageKind

REFRESH_JOB = "orders.refresh_scorecard"
WINDOW = dt.timedelta(minutes=5)
_DUE = "orders_scorecards_due"  # session.info: companies that wrote messages in this transaction


def _first_answer(session: Session, message: Message) -> bool:
    """Whether the message is its company's first answer to the partner in the thread: only
    that one enters the median (later answers and unanswered questions change nothing)."""
    table = Message.__table__
    in_thread = sa.and_(table.c.thread_id == message.thread_id, table.c.kind == MessageKind.USER)
    asked = (
        session.connection()
        .execute(
            sa.select(sa.func.min(table.c.created_at)).where(
                in_thread, table.c.author_company_id != message.author_company_id
            )
        )
        .scalar()
    )
    if asked is None or clock.as_utc(asked) >= clock.as_utc(message.created_at):
        return False
    answers = (
        session.connection()
        .execute(
            sa.select(sa.func.count()).where(
                in_thread,
                table.c.author_company_id == message.author_company_id,
                table.c.created_at > asked,
            )
        )
        .scalar()
    )
    return answers == 1


def _after_flush(session: Session, _context: object) -> None:
    for obj in session.new:
        if (
            isinstance(obj, Message)
            and obj.kind == MessageKind.USER
            and obj.author_company_id
            and _first_answer(session, obj)
        ):
            session.info.setdefault(_DUE, set()).add(obj.author_company_id)


def _before_commit(session: Session) -> None:
    due = session.info.pop(_DUE, None)
    # jobs are written through the app's session; other sessions write no messages
    if not due or not db.session.registry.has() or db.session() is not session:
        return
    now = clock.now()
    start = now - dt.timedelta(seconds=now.timestamp() % WINDOW.total_seconds())
    for company_id in sorted(due):
        jobs.enqueue(
            REFRESH_JOB,
            {"company_id": company_id},
            run_at=start + WINDOW + dt.timedelta(minutes=1),
            key=f"orders.scorecard:{company_id}:{start.isoformat()}",
        )


def _after_soft_rollback(session: Session, previous_transaction: object) -> None:
    if getattr(previous_transaction, "parent", None) is None:  # the whole transaction
        session.info.pop(_DUE, None)


_registered = False


def register_events() -> None:
    """Listen on every Session (the app's and the tests'): once per process."""
    global _registered
    if _registered:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "before_commit", _before_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _registered = True
