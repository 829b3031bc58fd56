"""Declarative base, constraint naming and column types shared by every model."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Hashable

import sqlalchemy as sa
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    SessionTransaction,
    mapped_column,
    registry,
)

from marketplace.core import clock

log = logging.getLogger(__name__)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.TypeDecorator):
    """Stores UTC as a naive timestamp (SQLite has no zones) and hands back aware datetimes."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are not stored; use marketplace.core.clock.")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


def render_migration_type(type_: str, obj, autogen_context):
    """Alembic hook: write our column types as plain SQLAlchemy types so migrations stand alone."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


def configure_sqlite(engine: sa.Engine) -> None:
    """Real transactions and SAVEPOINTs on SQLite (pysqlite's own handling breaks them),
    enforced foreign keys, a write-ahead log, and writers that queue instead of failing."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(connection):
        # IMMEDIATE: a transaction takes the write lock when it starts. With a deferred BEGIN, a
        # request that read first and writes later fails at once with "database is locked" when
        # another writer (a job, a concurrent request) committed in between; waiting is better.
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return  # asked for no transaction (a migration's PRAGMA foreign_keys, for one)
        if options.get("read_only"):
            connection.exec_driver_sql("BEGIN DEFERRED")  # readers never wait for writers
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


def savepoint_released(session: Session) -> bool:
    """Inside an after_commit hook: True when only a SAVEPOINT was released, not the transaction
    committed (SQLAlchemy fires after_commit for both). Work meant for "once it is committed"
    (index updates, live events, waking workers) waits for the real commit."""
    return session.get_nested_transaction() is not None


_PENDING = "db_after_commit_pending"  # session.info: [(transaction, key, callback)]
_HOOKED = "db_after_commit_hooked"


def after_commit(
    session: Session, callback: Callable[[], None], *, key: Hashable | None = None
) -> None:
    """Run `callback` once the session's transaction really commits (not a SAVEPOINT release).

    A rollback of that transaction, or of the savepoint the call was made in, drops the callback,
    and so does a transaction closed without a commit. Side effects outside the database (a live
    event, a deleted file, waking a worker) thus happen only for work that was kept. With a `key`,
    a callback already waiting under the same key is not added again. A callback that raises is
    logged: the data is committed by then, so failing the request would only mislead."""
    pending = session.info.setdefault(_PENDING, [])
    if key is not None and any(item[1] == key for item in pending):
        return
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    pending.append((transaction, key, callback))
    if not session.info.get(_HOOKED):
        session.info[_HOOKED] = True
        sa.event.listen(session, "after_commit", _run_pending)
        sa.event.listen(session, "after_soft_rollback", _drop_rolled_back)
        sa.event.listen(session, "after_transaction_end", _forget_unfinished)


def _run_pending(session: Session) -> None:
    if savepoint_released(session):
        return
    for _transaction, _key, callback in session.info.pop(_PENDING, []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - see after_commit
            log.exception("after-commit work failed")


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            item for item in pending if not _inside(item[0], previous_transaction)
        ]


def _forget_unfinished(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # closed without commit (session.close()): nothing runs
        session.info.pop(_PENDING, None)


class Base(DeclarativeBase):
    registry = registry(
        metadata=sa.MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={dt.datetime: UTCDateTime()},
    )


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=clock.now, onupdate=clock.now
    )
