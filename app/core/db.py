"""Engines and sessions. One engine per process, named for pg_stat_activity."""

from __future__ import annotations

import contextvars
import heapq
import itertools
import logging
import math
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine
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
    statement_ms = statement_timeout_ms(settings, role)
    engine = sa.create_engine(
        url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
        pool_recycle=settings.db_pool_recycle,
        # With a deadline, the ping is StatementDeadlines' own (SQLAlchemy's would wait for
        # ever on a database that stopped answering).
        pool_pre_ping=not statement_ms,
        connect_args=pg_connect_args(settings, statement_ms, role),
    )
    if statement_ms:
        # A server that stopped answering enforces no statement_timeout: the client's deadline.
        StatementDeadlines(statement_ms / 1000 + DEADLINE_GRACE_SECONDS).watch(engine)
    return engine


def pg_connect_args(settings: Settings, statement_ms: int, role: str) -> dict[str, Any]:
    """libpq connection parameters of a PostgreSQL connection of this process (the engine's,
    and the API's own event-loop connection for the data version: app/api/cache.py)."""
    return {
        "application_name": f"{settings.application_name}-{role}",
        "connect_timeout": settings.db_connect_timeout_seconds,
        # A peer that vanished (no RST: a partition, a dead host) is noticed by keep-alive
        # probes when idle and by TCP_USER_TIMEOUT when data goes unacknowledged.
        "keepalives": 1,
        "keepalives_idle": KEEPALIVE_IDLE_SECONDS,
        "keepalives_interval": KEEPALIVE_INTERVAL_SECONDS,
        "keepalives_count": KEEPALIVE_COUNT,
        "tcp_user_timeout": settings.db_tcp_user_timeout_ms,
        # UTC sessions: timestamps come back as UTC instants, which the page renderers
        # hand to the JSON encoder as they are (app/api/http.py).
        "options": f"-c statement_timeout={statement_ms} -c TimeZone=UTC",
    }


def statement_timeout_ms(settings: Settings, role: str) -> int:
    """The server-side statement deadline of a connection of `role` (0: none)."""
    return settings.db_statement_timeout_ms if role not in UNBOUNDED_ROLES else 0


def engine_role() -> str:
    """The role this process's connections are named for (`set_process_role`)."""
    return _role


T = TypeVar("T")

# Command-line tasks an operator runs on purpose (a rebuild may take minutes): no deadline.
UNBOUNDED_ROLES = frozenset({"cli", "migrate"})
KEEPALIVE_IDLE_SECONDS = 30
KEEPALIVE_INTERVAL_SECONDS = 10
KEEPALIVE_COUNT = 3
# How long past its statement_timeout a statement may stay unanswered before its connection is
# taken for dead: the server cancels at the timeout and answers at once when it is alive.
DEADLINE_GRACE_SECONDS = 3.0

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


logger = logging.getLogger(__name__)


class StatementDeadlines:
    """Closes the socket of a statement still unanswered at its deadline.

    statement_timeout is enforced by the server; a server that stopped answering (hung, or
    behind a black hole that keeps the TCP connection open) enforces nothing, and the caller
    would wait for ever. One watchdog thread per engine keeps the deadlines in a heap; at a
    deadline it shuts the connection's socket down, so the waiting driver call fails at once
    with a connection error (an outage: 503 in the API) and the pool discards the connection.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._lock = threading.Condition()
        self._heap: list[tuple[float, int]] = []
        self._live: dict[int, int] = {}  # token -> socket file descriptor
        self._tokens = itertools.count()
        self._thread: threading.Thread | None = None

    def watch(self, engine: Engine) -> None:
        sa.event.listen(engine, "before_cursor_execute", self._before)
        sa.event.listen(engine, "after_cursor_execute", self._after)
        sa.event.listen(engine, "handle_error", self._error)
        sa.event.listen(engine.pool, "checkout", self._ping)
        sa.event.listen(engine.pool, "checkin", _stamp_checkin)

    def _ping(self, dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        """The pool's pessimistic ping, under the deadline: a dead connection is replaced.
        Skipped for a read that retries (`retrying_read`) on a connection back in the pool
        for less than RECENT_CHECKIN_SECONDS."""
        if (
            _trust_recent.get()
            and time.monotonic() - record.info.get(CHECKED_IN_AT, -math.inf)
            < RECENT_CHECKIN_SECONDS
        ):
            return
        token = self._register(dbapi_connection)
        try:
            # In autocommit, so the ping opens no transaction (an idle connection: no round trip)
            autocommit = dbapi_connection.autocommit
            dbapi_connection.autocommit = True
            try:
                dbapi_connection.execute("SELECT 1")
            finally:
                dbapi_connection.autocommit = autocommit
        except Exception as exc:
            raise sa.exc.DisconnectionError(f"ping failed: {type(exc).__name__}") from exc
        finally:
            self._forget(token)

    def _before(self, conn: Any, _cursor: Any, *_args: Any) -> None:
        conn.info["deadline_token"] = self._register(conn.connection.dbapi_connection)

    def _register(self, dbapi_connection: Any) -> int | None:
        try:
            fd = dbapi_connection.fileno()
        except Exception:  # not a socket connection: nothing to watch
            return None
        token = next(self._tokens)
        with self._lock:
            self._live[token] = fd
            heapq.heappush(self._heap, (time.monotonic() + self.seconds, token))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="db-deadlines", daemon=True)
                self._thread.start()
            if self._heap[0][1] == token:
                # The watchdog sleeps until the earliest deadline; only a new earliest one
                # needs it awake. Every deadline is now + the same span, so that is rare: a
                # wake-up per statement cost a thread switch and the GIL twice.
                self._lock.notify()
        return token

    def _forget(self, token: int | None) -> None:
        if token is not None:
            with self._lock:
                self._live.pop(token, None)

    def _after(self, conn: Any, *_args: Any) -> None:
        self._forget(conn.info.pop("deadline_token", None))

    def _error(self, context: Any) -> None:
        if context.connection is not None:
            self._after(context.connection)

    def _run(self) -> None:
        with self._lock:
            while True:
                now = time.monotonic()
                while self._heap and (
                    self._heap[0][0] <= now or self._heap[0][1] not in self._live
                ):
                    _, token = heapq.heappop(self._heap)
                    fd = self._live.pop(token, None)
                    if fd is not None:
                        self._cut(fd)
                wait = self._heap[0][0] - now if self._heap else None
                self._lock.wait(wait)

    def _cut(self, fd: int) -> None:
        # Under the lock: the statement is still registered, so its connection (and this
        # descriptor) cannot have been closed and reused meanwhile.
        logger.warning("database statement unanswered past its deadline; connection closed")
        with suppress(OSError):
            sock = socket.socket(fileno=os.dup(fd))
            try:
                sock.shutdown(socket.SHUT_RDWR)
            finally:
                sock.close()


# --- reads that retry instead of pinging ------------------------------------------------------

# A connection returned to the pool this recently was alive then: a read that can simply run
# again on a fresh (pinged) connection skips the ping, a round trip as costly as a page query.
RECENT_CHECKIN_SECONDS = 2.0
CHECKED_IN_AT = "watchfloor_checked_in_at"
_trust_recent: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "trust_recent_connection", default=False
)


def _stamp_checkin(_dbapi_connection: Any, record: Any) -> None:
    if record is not None:
        record.info[CHECKED_IN_AT] = time.monotonic()


def retrying_read(engine: Engine, read: Callable[[Connection], T]) -> T:
    """`read(connection)` on an autocommit connection, for reads (no unit of work, safe to run
    twice). The checkout trusts a connection used moments ago (no liveness ping); if it turns
    out dead at once (a restart, a cut: SQLAlchemy invalidates it), the read runs once more on
    a pinged connection, so it fails only when a pinged one would have too. A statement that
    hung until its deadline is not run again: that is an outage, not a stale connection."""
    for trusting in (True, False):
        token = _trust_recent.set(trusting)
        try:
            conn = engine.connect()
        finally:
            _trust_recent.reset(token)
        started = time.monotonic()
        try:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            return read(conn)
        except sa.exc.DBAPIError as exc:
            found_dead = exc.connection_invalidated and time.monotonic() - started < 1.0
            if not (trusting and found_dead):
                raise
        finally:
            conn.close()
    raise AssertionError("unreachable: the second attempt returns or raises")


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
