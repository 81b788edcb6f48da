"""Engines and sessions. One engine per process, named for pg_stat_activity."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.config import Settings, get_settings


def make_engine(settings: Settings, *, role: str = "app") -> Engine:
    url = settings.effective_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return sa.create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        pool_pre_ping=True,
        connect_args={
            "application_name": f"{settings.application_name}-{role}",
            "connect_timeout": 5,
        },
    )


T = TypeVar("T")

# Values per IN (...) list built from data: far below psycopg's 65,535 bind parameters (and
# SQLite's 32,766), whatever the data holds. A longer list is sent as several statements.
IN_LIST_MAX = 1000

# SQLSTATEs of a lost or refused connection (class 08), a server shutting down or starting
# (57P01-57P03) and a server out of connection slots (53300): a retry may succeed.
_CONNECTION_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
# SQLite's "try again": another writer holds the database, or its file cannot be opened now.
_SQLITE_TRANSIENT = ("database is locked", "unable to open database file", "disk I/O error")


def chunked(values: Sequence[T], size: int = IN_LIST_MAX) -> Iterator[Sequence[T]]:
    """`values` in slices of at most `size`: one IN list each."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def is_connection_error(exc: BaseException) -> bool:
    """Whether a database error means "the database is unavailable" (worth a retry: 503) rather
    than a fault of the statement, which fails the same way every time (500)."""
    if isinstance(exc, sa.exc.TimeoutError):  # no pooled connection within pool_timeout
        return True
    if not isinstance(exc, sa.exc.DBAPIError):
        return False
    if exc.connection_invalidated:  # SQLAlchemy found the connection closed or broken
        return True
    if exc.statement is None and isinstance(exc, sa.exc.OperationalError):
        return True  # failed while connecting, before any statement
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if sqlstate is not None:
        return sqlstate.startswith("08") or sqlstate in _CONNECTION_SQLSTATES
    return isinstance(exc, sa.exc.OperationalError) and any(
        text in str(orig) for text in _SQLITE_TRANSIENT
    )


def is_statement_timeout(exc: BaseException) -> bool:
    """A statement cancelled by `statement_timeout` (SQLSTATE 57014)."""
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) == "57014"


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the collector writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


_role = "app"


def set_process_role(role: str) -> None:
    """Name this process's connections (api, collector, cli) before the engine is made."""
    global _role
    _role = role


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings(), role=_role)


def reset_engine() -> None:
    """Drop the cached engine (tests switch databases; settings may change)."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on error. Services only flush."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
