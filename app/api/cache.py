"""Computed answers reused while the events are unchanged, and the cheap check that says so.

The data version is `(max(events.change_seq), max(event_tombstones.change_seq))`: two
backward index probes. The change sequence is drawn by the database on every insert and update
of an event and by every tombstone (app/core/changes.py), so a new, edited, merged or removed
event moves it and a cached body is never served for data older than the request.

- `VersionReader`: concurrent requests share one version query, but only a query that
  *started after* a request arrived answers it (a request never sees a version older than
  itself). Under load that is one query per database round trip instead of one per request.
- `ResponseCache`: body + ETag per (path, query, version), computed once per key even when many
  requests miss together (single flight), for at most `ttl` seconds; gzipped once too, when a
  client that accepts gzip first asks (GZipMiddleware compressed a week of hotspots, a few
  hundred kilobytes, on every such request).
- `cached_response`: the two together, answering 304 without touching the body.
- `versioned_etag`: a validator that follows from the version (event pages): 304 before work.
- `read`, `read_in_session`: reads on an autocommit connection that retry instead of pinging.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import anyio
import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import Response
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from app import __version__
from app.api.http import (
    GZIP_MINIMUM_SIZE,
    MAX_AGE_LIVE,
    accepts_gzip,
    gzip_bytes,
    matches_if_none_match,
    strong_etag,
)
from app.core.config import get_settings
from app.core.db import get_engine, retrying_read
from app.core.memory import release_free_memory
from app.query.events import VERSION_QUERY

Version = tuple[Any, ...]
T = TypeVar("T")


def read_version(engine: Engine) -> Version:
    """The events' data version (see the module docstring), on an autocommit connection so
    the check costs one round trip (no BEGIN/ROLLBACK around it, no liveness ping of a
    connection used moments ago: `retrying_read`)."""
    return retrying_read(engine, lambda conn: tuple(conn.execute(VERSION_QUERY).one()))


def session_version(session: Session) -> Version:
    """The same version, inside an existing unit of work."""
    return tuple(session.execute(VERSION_QUERY).one())


def read(work: Callable[[Connection], T]) -> T:
    """`work(connection)` for a read that needs no unit of work (a page, a count), on an
    autocommit connection: each statement is its own snapshot, as in a READ COMMITTED
    transaction, without the BEGIN and COMMIT round trips; run again once on a fresh connection
    if the first turns out dead (`retrying_read`)."""
    return retrying_read(get_engine(), work)


def read_in_session(work: Callable[[Session], T]) -> T:
    """The same, through a session (for reads written against the ORM)."""

    def in_session(conn: Connection) -> T:
        with Session(bind=conn, expire_on_commit=False) as session:
            return work(session)

    return read(in_session)


def versioned_etag(version: Version, *identity: Any) -> str:
    """A strong validator for a body that is a function of `identity` (what was asked, with
    everything the rendering reads: path, query, base URL, format) and of the events at
    `version`. Known before the body is: a 304 is decided from the version alone. The same in
    every process (a digest of the repr, which holds no address or per-process hash)."""
    text = repr((__version__, version, identity))
    return '"v' + hashlib.sha256(text.encode()).hexdigest()[:31] + '"'


@contextmanager
def read_session() -> Iterator[Session]:
    """A read-only session for computing a cached answer (nothing to commit)."""
    with Session(get_engine(), expire_on_commit=False) as session:
        yield session


class VersionReader:
    """Coalesces concurrent version reads (group-commit style), per event loop.

    `read` runs in the thread pool; `read_async`, when given, runs in the event loop instead
    (no thread hop: the API's own PostgreSQL connection, `EventLoopVersionRead`)."""

    def __init__(
        self,
        read: Callable[[], Version],
        read_async: Callable[[], Awaitable[Version]] | None = None,
    ) -> None:
        self._read = read
        self._read_async = read_async
        self._running: asyncio.Future[Version] | None = None
        self._next: asyncio.Future[Version] | None = None

    async def current(self) -> Version:
        if self._running is None:
            future = self._start()
        else:
            # The running query may have started before this request: wait for the next one.
            if self._next is None:
                self._next = asyncio.get_running_loop().create_future()
            future = self._next
        return await asyncio.shield(future)

    def _start(self, future: asyncio.Future[Version] | None = None) -> asyncio.Future[Version]:
        future = future or asyncio.get_running_loop().create_future()
        self._running = future
        asyncio.get_running_loop().create_task(self._run(future))
        return future

    async def _run(self, future: asyncio.Future[Version]) -> None:
        try:
            if self._read_async is not None:
                version = await self._read_async()
            else:
                version = await anyio.to_thread.run_sync(self._read)
            future.set_result(version)
        except Exception as exc:  # every waiter sees the failure, none hangs
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters may all be gone
        finally:
            if not future.done():  # cancelled (shutdown)
                future.cancel()
            self._running = None
            waiting, self._next = self._next, None
            if waiting is not None:
                self._start(waiting)

    async def aclose(self) -> None:
        close = getattr(self._read_async, "aclose", None)
        if close is not None:
            await close()


class DeadlinePassed(Exception):
    """The database did not answer a version read by the statement deadline."""


def deadline_seconds() -> float | None:
    """The client-side deadline of a statement of this process (app/core/db.py), or None."""
    from app.core.db import DEADLINE_GRACE_SECONDS, engine_role, statement_timeout_ms

    statement_ms = statement_timeout_ms(get_settings(), engine_role())
    return statement_ms / 1000 + DEADLINE_GRACE_SECONDS if statement_ms else None


class EventLoopVersionRead:
    """The data version read in the event loop, on a PostgreSQL connection of its own
    (autocommit, the statement prepared): a conditional answer costs no thread hop and no
    SQLAlchemy layers. Reads are coalesced by `VersionReader`, so one connection serves them
    all (one read in flight at a time).

    A read unanswered at the statement deadline (app/core/db.py) is an outage: the connection
    is closed and the error is the one the engine's read gives then (503). Anything else
    unusual (no connection, another error) falls back to `fallback` in the thread pool, the
    engine's own read, which retries a dead connection and raises the errors the problem
    handlers know. After either, the fallback alone is used for `RETRY_AFTER_SECONDS`, so an
    outage is not waited for twice.
    """

    RETRY_AFTER_SECONDS = 5.0

    def __init__(self, fallback: Callable[[], Version]) -> None:
        self.fallback = fallback
        self._conn: Any = None
        self._engine: Engine | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sql = str(VERSION_QUERY.compile(dialect=postgresql.psycopg.dialect()))
        self._paused_until = 0.0

    async def __call__(self) -> Version:
        if time.monotonic() >= self._paused_until and get_engine().dialect.name == "postgresql":
            try:
                return await self._read()
            except DeadlinePassed as exc:
                # The database stopped answering: an outage (503), as the engine's own read
                # would say at its deadline; not waited for twice.
                self._pause()
                raise sa.exc.OperationalError(
                    self._sql, None, exc, connection_invalidated=True
                ) from exc
            except Exception:
                self._pause()
        return await anyio.to_thread.run_sync(self.fallback)

    def _pause(self) -> None:
        self._drop()
        self._paused_until = time.monotonic() + self.RETRY_AFTER_SECONDS

    async def _read(self) -> Version:
        engine = get_engine()
        loop = asyncio.get_running_loop()
        if (
            self._conn is None
            or self._conn.closed
            or engine is not self._engine
            or (loop is not self._loop)
        ):
            self._drop()
            await self._within_deadline(self._connect(engine))
        return await self._within_deadline(self._query())

    async def _query(self) -> Version:
        cursor = await self._conn.execute(self._sql, prepare=True)
        row = await cursor.fetchone()
        return tuple(row)

    async def _within_deadline(self, work: Coroutine[Any, Any, T]) -> T:
        """`work`, or DeadlinePassed at the statement deadline. The connection is closed
        before the work is cancelled: cancelling a running query first would have psycopg
        send a cancel request to a server that is not answering and wait for it."""
        deadline = deadline_seconds()
        if deadline is None:
            return await work
        task = asyncio.ensure_future(work)
        try:
            return await asyncio.wait_for(asyncio.shield(task), deadline)
        except TimeoutError:
            self._drop()
            task.cancel()
            with suppress(BaseException):
                await task
            raise DeadlinePassed(f"no answer within {deadline} s") from None

    async def _connect(self, engine: Engine) -> None:
        import psycopg

        from app.core.db import engine_role, pg_connect_args, statement_timeout_ms

        settings = get_settings()
        role = engine_role()
        statement_ms = statement_timeout_ms(settings, role)
        conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = await psycopg.AsyncConnection.connect(
            conninfo, autocommit=True, **pg_connect_args(settings, statement_ms, role)
        )
        self._engine = engine
        self._loop = asyncio.get_running_loop()

    def _drop(self) -> None:
        """Forget the connection (closed at once: no round trip, whichever loop made it)."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                conn.pgconn.finish()

    async def aclose(self) -> None:
        self._drop()


def version_reader() -> VersionReader:
    """The app's version reader: in the event loop on PostgreSQL, in the thread pool on
    SQLite."""

    def read() -> Version:
        return read_version(get_engine())

    return VersionReader(read, EventLoopVersionRead(read))


@dataclass(frozen=True, slots=True)
class CachedBody:
    body: bytes
    etag: str
    gzipped: bytes | None = None  # once a client that accepts gzip asked for it
    headers: tuple[tuple[str, str], ...] = ()  # any other headers of the answer (Link)

    @classmethod
    def of(cls, body: bytes) -> CachedBody:
        return cls(body, strong_etag(body))

    @property
    def size(self) -> int:
        return len(self.body) + len(self.gzipped or b"")


@dataclass(slots=True)
class HeldItem:
    """One event's feature, rendered from its row at change `change_seq` (or later), and the
    data version it was last known current at."""

    version: Version
    change_seq: int
    cached: CachedBody
    at: float = field(default_factory=time.monotonic)  # when rendered


class HeldItems:
    """Event features by (path, query, base URL), newest use last, at most `MAX_ENTRIES`."""

    MAX_ENTRIES = 1024

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[Any, ...], HeldItem] = OrderedDict()

    def get(self, key: tuple[Any, ...], ttl: float) -> HeldItem | None:
        """The held feature, if rendered less than `ttl` seconds ago (as ResponseCache)."""
        held = self._entries.get(key)
        return held if held is not None and time.monotonic() - held.at < ttl else None

    def put(self, key: tuple[Any, ...], held: HeldItem) -> None:
        self._entries[key] = held
        self._entries.move_to_end(key)
        while len(self._entries) > self.MAX_ENTRIES:
            self._entries.popitem(last=False)


class ResponseCache:
    """Bodies of expensive computed GETs, per app, for `ttl` seconds per data version.

    Bounded by entries and by bytes: a live answer's key moves every minute, and a week of
    hotspots is a few hundred kilobytes, so expired entries go at every put, then the oldest.
    Used from the event loop only (no locks needed); computing and compressing run in the
    thread pool, each once per key however many requests ask together (single flight).
    """

    MAX_ENTRIES = 256
    MAX_BYTES = 16 * 1024 * 1024

    def __init__(
        self,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
        *,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.max_bytes = max_bytes
        self._entries: dict[tuple[Any, ...], tuple[float, CachedBody]] = {}
        self._bytes = 0
        self._running: dict[tuple[Any, ...], asyncio.Future[Any]] = {}

    @property
    def size_bytes(self) -> int:
        """The bodies held (for tests and diagnostics)."""
        return self._bytes

    def get(self, key: tuple[Any, ...]) -> CachedBody | None:
        entry = self._entries.get(key)
        if entry is None or self.clock() - entry[0] >= self.ttl:
            return None
        return entry[1]

    def put(self, key: tuple[Any, ...], value: CachedBody) -> None:
        size = value.size
        if self.ttl <= 0 or size > self.max_bytes:
            return
        self._drop(key)
        self._drop_expired()  # expired bodies are never served: hold none (puts are rare)
        while self._entries and (
            len(self._entries) >= self.MAX_ENTRIES or self._bytes + size > self.max_bytes
        ):
            self._drop(next(iter(self._entries)))  # the oldest: insertion order
        self._entries[key] = (self.clock(), value)
        self._bytes += size

    def _drop(self, key: tuple[Any, ...]) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._bytes -= entry[1].size

    def _drop_expired(self) -> None:
        now = self.clock()
        for key in [k for k, (at, _) in self._entries.items() if now - at >= self.ttl]:
            self._drop(key)

    async def get_or_compute(
        self, key: tuple[Any, ...], compute: Callable[[], bytes], *, store: bool = True
    ) -> CachedBody:
        """The body for `key`, computed once however many requests miss together; kept for
        later requests when `store`."""
        if (hit := self.get(key)) is not None:
            return hit

        def keep(value: CachedBody) -> None:
            if store:
                self.put(key, value)

        return await self._once(("body", key), lambda: CachedBody.of(compute()), keep)  # type: ignore[no-any-return]

    async def gzipped(self, key: tuple[Any, ...], value: CachedBody) -> bytes:
        """`value.body` gzipped: compressed once per cached body, when a client first asks
        (compressing a week of hotspots per request capped a core at a few dozen requests a
        second)."""
        if value.gzipped is not None:
            return value.gzipped

        def keep(packed: bytes) -> None:
            entry = self._entries.get(key)
            if (
                entry is not None
                and entry[1] is value
                and self._bytes + len(packed) <= self.max_bytes
            ):
                self._entries[key] = (entry[0], replace(value, gzipped=packed))
                self._bytes += len(packed)

        flight = ("gzip", key, value.etag)
        return await self._once(flight, lambda: gzip_bytes(value.body), keep)  # type: ignore[no-any-return]

    async def once(
        self, flight: tuple[Any, ...], work: Callable[[], T], keep: Callable[[T], None]
    ) -> T:
        """`work()` in the thread pool once for every request that asks for `flight` while it
        runs (single flight); `keep` stores its result before they all get it."""
        return await self._once(flight, work, keep)

    async def _once(
        self, flight: tuple[Any, ...], work: Callable[[], T], keep: Callable[[T], None]
    ) -> T:
        """`work()` in the thread pool, once for all the requests that ask for `flight` while
        it runs; `keep` stores its result before they all get it."""
        if (pending := self._running.get(flight)) is not None:
            return await asyncio.shield(pending)  # type: ignore[no-any-return]
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._running[flight] = future
        try:
            value = await anyio.to_thread.run_sync(work)
            keep(value)
            future.set_result(value)
            return value
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved when no one else was waiting
            raise
        finally:
            del self._running[flight]
            if not future.done():  # cancelled: waiters retry rather than hang
                future.cancel()


def cache_key(
    request: Request, version: Version, inputs: tuple[Any, ...], query: Hashable | None = None
) -> tuple[Any, ...]:
    """(path, what was asked, inputs, data version). What was asked is the route's query
    object when it gives one (the parsed request, which the answer is computed from), else
    the raw query string."""
    asked = query if query is not None else tuple(sorted(request.query_params.multi_items()))
    return (request.url.path, asked, inputs, version)


VERSION_IN_SCOPE = "watchfloor.data_version"


async def data_version(request: Request) -> Version:
    """The data version for this request (never read before it arrived; read once per
    request, however many layers ask)."""
    version: Version | None = request.scope.get(VERSION_IN_SCOPE)
    if version is None:
        version = request.scope[VERSION_IN_SCOPE] = await request.app.state.version_reader.current()
    return version


async def cached_response(
    request: Request,
    compute: Callable[[Session], bytes],
    media_type: str,
    *,
    inputs: tuple[Any, ...] = (),
    query: Hashable | None = None,
    max_age: int = MAX_AGE_LIVE,
    version: Version | None = None,
    store: bool = True,
) -> Response:
    """The answer for this path and query at the current data version: 304 when the client
    holds it, else the (possibly cached) body. `compute(session)` runs in the thread pool.

    `query`: the route's frozen query object (its cache key; the answer must be computed from
    it alone). `inputs`: whatever else the answer depends on (e.g. the current minute a default window
    ends at), so a cached body never outlives them. `version`: when the route read it already.
    `store=False`: compute once for the requests waiting now, keep nothing (the inputs do not
    identify the body yet)."""
    state = request.app.state
    if version is None:
        version = await data_version(request)

    def run() -> bytes:
        with read_session() as session:
            body = compute(session)
        release_free_memory()  # a miss computed over many events; misses are rare
        return body

    key = cache_key(request, version, inputs, query)
    cached = await state.response_cache.get_or_compute(key, run, store=store)
    return await serve_cached(request, state.response_cache, key, cached, media_type, max_age)


async def serve_cached(
    request: Request,
    cache: ResponseCache,
    key: tuple[Any, ...],
    cached: CachedBody,
    media_type: str,
    max_age: int = MAX_AGE_LIVE,
) -> Response:
    """`cached` (held in `cache` under `key`, or not held at all) as the answer: 304 when the
    client holds it, else its body, gzipped once per cached body for clients that accept it."""
    headers = {
        "ETag": cached.etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept, Accept-Encoding",
        **dict(cached.headers),
    }
    if matches_if_none_match(request.headers.get("if-none-match"), cached.etag):
        return Response(status_code=304, headers=headers)
    if len(cached.body) >= GZIP_MINIMUM_SIZE and accepts_gzip(request):
        # Already encoded: GZipMiddleware passes it through. The same ETag, as the
        # middleware keeps it when it compresses.
        packed = await cache.gzipped(key, cached)
        headers["Content-Encoding"] = "gzip"
        return Response(content=packed, media_type=media_type, headers=headers)
    return Response(content=cached.body, media_type=media_type, headers=headers)


class VersionedValues:
    """Small derived values (counts, extents) per (key, data version), for sync callers in
    the thread pool: bounded, thread-safe, each entry trusted for at most `ttl` seconds."""

    MAX_ENTRIES = 1024

    def __init__(self, ttl: Callable[[], float], clock: Callable[[], float] = time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[Any, ...], tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_compute(
        self, key: tuple[Any, ...], compute: Callable[[], T], *, ttl: float | None = None
    ) -> T:
        ttl = self.ttl() if ttl is None else ttl
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and self.clock() - entry[0] < ttl:
            return entry[1]  # type: ignore[no-any-return]
        value = compute()
        if ttl > 0:
            with self._lock:
                if len(self._entries) >= self.MAX_ENTRIES:
                    self._entries.clear()
                self._entries[key] = (self.clock(), value)
        return value


def _settings_ttl() -> float:
    return float(get_settings().response_cache_seconds)


# Shared by the OGC providers (they see a session, not the app).
derived_values = VersionedValues(_settings_ttl)
