"""The edge of a unit of work: a request, a `flask` command or a job commits here once, or rolls back.

How to use it (the whole surface):

    from marketplace.core.uow import unit_of_work

    with unit_of_work():                       # in a view, an API route, a command, the job runner
        offer = services.create_offer(actor, data)
    return render(offer)                       # after the block: committed

The block commits when it ends normally; any exception rolls everything back and goes on. Services
never commit (they flush), so the work of one block stays one transaction, and a unit of work never
opens inside another (that would commit the outer one's half-done work; it raises instead).

A commit or flush that fails because another writer got there at the same moment is not a bug of
the request and must not answer 500: a unique or foreign-key race becomes ConcurrentWrite (409,
trying again sees the other change), a lock that could not be had in time or a serialization
failure or deadlock becomes Busy (503 with Retry-After). Pages show the error page, the API
answers problem+json; `marketplace.app` also maps such errors raised outside a block.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import sqlalchemy as sa
from flask_babel import gettext as _

from marketplace.core.errors import Busy, ConcurrentWrite, DomainError
from marketplace.core.extensions import db

log = logging.getLogger(__name__)

_OPEN = "uow_open"  # session.info: a unit of work is running on this session

# PostgreSQL SQLSTATEs: unique, foreign key and exclusion violations (two writers raced for one
# slot, or one removed what the other referred to); serialization failure, deadlock, lock timeout.
_RACE_STATES = frozenset({"23505", "23503", "23P01"})
_BUSY_STATES = frozenset({"40001", "40P01", "55P03"})
# SQLite says so only in its messages.
_RACE_MESSAGES = ("UNIQUE constraint failed", "FOREIGN KEY constraint failed")
_BUSY_MESSAGES = ("database is locked", "database table is locked")


@contextlib.contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit what the block did when it succeeds; otherwise roll back and re-raise (a concurrent
    writer's failure as ConcurrentWrite or Busy)."""
    session = db.session
    if session.info.get(_OPEN):
        raise RuntimeError("A unit of work is already open: only the edge commits, once.")
    session.info[_OPEN] = True
    try:
        yield
        session.commit()
    except BaseException as exc:
        session.rollback()
        mapped = concurrent_write_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise
    finally:
        session.info.pop(_OPEN, None)


def commit_so_far() -> None:
    """Inside a job's unit of work: commit what it did up to here before slow I/O (an SMTP
    server), so no lock is held meanwhile; the rest of the block is a new transaction."""
    try:
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        mapped = concurrent_write_error(exc)
        if mapped is not None:
            raise mapped from exc
        raise


def end_read() -> None:
    """At the edge, before a call outside the database that must not wait inside a transaction
    (a payment provider creating a PaymentIntent): end the read done so far. Nothing may have
    been changed yet; that belongs in the unit of work that follows."""
    session = db.session
    if session.info.get(_OPEN):
        raise RuntimeError("end_read() inside a unit of work would drop its work.")
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("end_read() after changes: they belong in a unit of work.")
    session.rollback()


def concurrent_write_error(exc: BaseException) -> DomainError | None:
    """The answer for a database error another writer caused, or None for any other error."""
    if not isinstance(exc, sa.exc.DBAPIError) or exc.connection_invalidated:
        return None
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None) or ""
    text = str(exc.orig)
    if isinstance(exc, sa.exc.IntegrityError):
        if state in _RACE_STATES or any(m in text for m in _RACE_MESSAGES):
            log.warning("concurrent write refused: %s", text.splitlines()[0] if text else exc)
            return ConcurrentWrite(
                _("Someone else changed this at the same moment. Reload and try again.")
            )
        return None
    if state in _BUSY_STATES or any(m in text for m in _BUSY_MESSAGES):
        log.warning("database busy: %s", text.splitlines()[0] if text else exc)
        return Busy(_("Many changes are being saved right now. Try again in a moment."))
    return None
