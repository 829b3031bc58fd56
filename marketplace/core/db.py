"""Declarative base, constraint naming and column types shared by every model."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, registry

from marketplace.core import clock

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
