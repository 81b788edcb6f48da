"""Answers over windows of days, kept ready across minutes: /threat-level and /hotspots.

Without `at` (or `to`) these answers end at the current minute, so their response cache key
moves every minute, and a full computation reads the whole span: the threat level's 42 days
(window, previous window and their baselines), tens of thousands of events at a million. Yet
within one window of days the answer changes only when

- the data changes: a new or edited event moves the data version (read for every request);
- an event of the span becomes known (its first report time passes): threat level only, the
  value says at which instants it holds (`Held`);
- something moves neither (a pure deletion, an edit that leaves updated_at alone): noticed
  within `ttl` seconds, as the response cache always promised.

`WindowMemo` keeps one entry per window (its key): the value, the data version read before
computing it, the span's fingerprint, and when that data was last seen unchanged. An entry is
reused while that is less than `ttl` ago. Past RECHECK_AFTER of `ttl`, a request starts a check
in the background: the span's fingerprint in PostgreSQL (row count and a hash of every row of
the span: cheap for the database, next to nothing for the API); unchanged, the entry is fresh
again; changed, it is dropped and the next request computes. When the data changed (or an event
of the span became known), with `stale_while_recompute` a live request gets the window's
previous answer at once while one background thread computes the new one (`answer`): only a
window with no answer yet (a new window, the day's turn) makes a request wait.

Entries have a generation; the routes put it in the response cache key, so a cached body lives
exactly as long as the entry it was rendered from.

Memory: an entry is kept as the routes serve it (a few kilobytes, encoded features), never as
the computation's objects, and rebuilt from fresh objects once the computation's rows are freed
(`compacted`): Python's small-object allocator returns a 1 MiB arena to the system only when
nothing in it is alive, and a value built amid 80,000 rows has its objects in most of them.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import count
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlmodel import Session

from app.api.cache import Version, read_session, session_version
from app.core.memory import freeze_after_warm_up, release_free_memory

logger = logging.getLogger(__name__)

T = TypeVar("T")
Key = tuple[Any, ...]
DaySpan = tuple[dt.date, dt.date]  # inclusive
Fingerprint = tuple[Any, ...]

RECHECK_AFTER = 0.5  # of the ttl: early enough that the check ends long before the entry expires
MAX_ENTRIES = 16  # windows kept: the live ones plus a few filtered or fixed ones
COMPUTE_LOCKS = 8  # concurrent computations of different windows (striped by key)

# Every column of every row of the span: any change a computation could see changes it.
FINGERPRINT_SQL = sa.text(
    "SELECT count(*), coalesce(sum(hashtextextended(events::text, 0)), 0) FROM events "
    "WHERE event_date BETWEEN :first AND :last"
)


def span_fingerprint(session: Session, span: DaySpan) -> Fingerprint | None:
    """A digest of the events dated in `span` (PostgreSQL; None elsewhere: cannot check)."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    row = session.execute(FINGERPRINT_SQL, {"first": span[0], "last": span[1]}).one()
    return tuple(row)


def compacted(value: T) -> T:
    """`value` rebuilt from fresh objects (see the module docstring). A pickle round trip, of a
    value this process built: `copy.deepcopy` would keep its numbers and strings."""
    return pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Held(Generic[T]):
    """A computed value and the instants [since, until) at which it holds (None: no bound)."""

    value: T
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    def holds(self, instant: dt.datetime) -> bool:
        return (self.since is None or self.since <= instant) and (
            self.until is None or instant < self.until
        )


@dataclass(frozen=True, slots=True)
class Answer(Generic[T]):
    """A value as served. `stale_since`: None when it answers the request's data; else the
    previous answer, served while the new one is computed in the background, and the instant
    its data was last known current (what the answer's `computed_at` says)."""

    value: T
    stale_since: dt.datetime | None = None


@dataclass(slots=True)
class _Entry:
    held: Held[Any]
    version: Version
    fingerprint: Fingerprint | None
    span: DaySpan
    generation: int
    checked: float  # clock time the data behind `held` was last seen unchanged
    current_at: dt.datetime  # the latest instant it answered for with current data


class WindowMemo:
    """Computed values per window, shared by the event loop (`generation`) and the thread pool
    (`get`). Thread-safe; computations of one key run once while concurrent callers wait."""

    def __init__(
        self,
        ttl: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        fingerprint: Callable[[Session, DaySpan], Fingerprint | None] = span_fingerprint,
        stale_while_recompute: bool = False,
        elsewhere: Callable[..., tuple[Version, Fingerprint | None, Held[Any]]] | None = None,
    ) -> None:
        self.ttl = ttl
        self.clock = clock
        self.fingerprint = fingerprint
        self.stale_while_recompute = stale_while_recompute
        # Where background recomputations run (app/api/recompute.py; None: a thread here).
        self.elsewhere = elsewhere
        self._elsewhere_warm = False
        self._entries: dict[Key, _Entry] = {}
        self._checking: set[Key] = set()
        self._recomputing: set[Key] = set()
        self._lock = threading.Lock()
        self._compute_locks = [threading.Lock() for _ in range(COMPUTE_LOCKS)]
        self._generations = count(1)

    def generation(self, key: Key, version: Version, instant: dt.datetime) -> int | None:
        """The generation of the entry answering `key` at `version` and `instant` (negative:
        the previous answer, served while the window is recomputed), or None when none does
        yet. Cheap (for the event loop); starts the background check when due."""
        entry = self._fresh(key, version, instant)
        if entry is None:
            if self.stale_while_recompute:
                previous = self._previous(key, version, instant)
                if previous is not None:
                    # The previous answer, served while the window is recomputed (`answer`):
                    # its own generation, negated, so its body is cached apart from both.
                    return -previous.generation
            return None
        if entry.fingerprint is not None and self._age(entry) >= self.ttl * RECHECK_AFTER:
            self._check_in_background(key)
        return entry.generation

    def get(
        self,
        session: Session,
        key: Key,
        span: DaySpan,
        version: Version,
        instant: dt.datetime,
        compute: Callable[[Session], Held[T]],
        *,
        remember: bool = True,
    ) -> T:
        """The value for `key` at `instant`, from data at `version` or newer: the entry's when
        it answers, else `compute(session)` over `span` (kept when `remember`)."""
        return self.answer(session, key, span, version, instant, compute, remember=remember).value

    def answer(
        self,
        session: Session,
        key: Key,
        span: DaySpan,
        version: Version,
        instant: dt.datetime,
        compute: Callable[[Session], Held[T]],
        *,
        remember: bool = True,
    ) -> Answer[T]:
        """`get`, saying whether the value is the previous answer: with `stale_while_recompute`
        a live request (`remember`) whose window has an answer that no longer holds (the data
        moved, or an event of the span became known) gets that answer at once while one
        background computation makes the new one; a request waits only when its window has
        no answer at all."""
        if (entry := self._fresh(key, version, instant)) is not None:
            return Answer(entry.held.value)
        if remember and self.stale_while_recompute:
            previous = self._previous(key, version, instant)
            if previous is not None:
                self._recompute_in_background(key, span, compute, instant)
                return Answer(previous.held.value, previous.current_at)
        return Answer(self._compute(session, key, span, version, instant, compute, remember))

    def _compute(
        self,
        session: Session,
        key: Key,
        span: DaySpan,
        version: Version,
        instant: dt.datetime,
        compute: Callable[[Session], Held[T]],
        remember: bool,
    ) -> T:
        with self._compute_locks[hash(key) % COMPUTE_LOCKS]:
            if (entry := self._fresh(key, version, instant)) is not None:
                return entry.held.value  # type: ignore[no-any-return]  # computed meanwhile
            with self._lock:
                stale = self._entries.get(key)
            if stale is not None and stale.version == version and stale.held.holds(instant):
                started = self.clock()
                if self._unchanged(session, stale):  # idle past the ttl: check, don't recompute
                    self._mark_checked(stale, started)
                    return stale.held.value  # type: ignore[no-any-return]
            started = self.clock()
            # Version and fingerprint first: the data read after them is at least as new.
            entry = _Entry(
                held=Held(None),
                version=session_version(session),
                fingerprint=self.fingerprint(session, span),
                span=span,
                generation=next(self._generations),
                checked=started,
                current_at=instant,
            )
            entry.held = compacted(compute(session))  # the rows are freed by now
            if remember:
                self._store(key, entry)
                self._warm_up_elsewhere()
        release_free_memory()  # a full computation over many events: give the pages back
        freeze_after_warm_up()
        return entry.held.value  # type: ignore[no-any-return]

    # --- internals -----------------------------------------------------------------------------

    def _warm_up_elsewhere(self) -> None:
        """Start the recompute worker once a window has an answer to serve while it recomputes:
        not at start-up (an API that only serves pages never pays its memory), and not at the
        first change (that recomputation would wait for the worker to import the app)."""
        if self._elsewhere_warm or not self.stale_while_recompute:
            return
        self._elsewhere_warm = True
        start = getattr(self.elsewhere, "start", None)
        if start is not None:
            start()

    def _age(self, entry: _Entry) -> float:
        return self.clock() - entry.checked

    def _fresh(self, key: Key, version: Version, instant: dt.datetime) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry.version != version or not entry.held.holds(instant):
            return None
        if self._age(entry) >= self.ttl:
            return None
        # The version was read after the request arrived: the answer is current at `instant`.
        entry.current_at = max(entry.current_at, instant)
        return entry

    def _store(self, key: Key, entry: _Entry) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            self._entries.pop(key, None)
            if len(self._entries) >= MAX_ENTRIES:
                oldest = min(self._entries, key=lambda k: self._entries[k].checked)
                del self._entries[oldest]
            self._entries[key] = entry

    def _mark_checked(self, entry: _Entry, when: float) -> None:
        with self._lock:
            entry.checked = max(entry.checked, when)

    def _previous(self, key: Key, version: Version, instant: dt.datetime) -> _Entry | None:
        """The entry a live request may be served while its window is recomputed: one that
        answered this window for data now replaced, never one computed for a later instant
        (an answer is never served for a time before it)."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or (entry.held.since is not None and instant < entry.held.since):
            return None
        if entry.version == version and entry.held.holds(instant):
            return None  # only old: the ttl's check (`get`) decides, as before
        return entry

    def _recompute_in_background(
        self,
        key: Key,
        span: DaySpan,
        compute: Callable[[Session], Held[Any]],
        instant: dt.datetime,
    ) -> None:
        """One background computation per window at a time; requests meanwhile are served the
        previous answer. The computation is nobody's request: it runs to the end whoever
        leaves (a thread of its own, outside any request's context)."""
        with self._lock:
            if key in self._recomputing:
                return
            self._recomputing.add(key)
        threading.Thread(
            target=self._recompute,
            args=(key, span, compute, instant),
            name="watchfloor-window-recompute",
            daemon=True,
        ).start()

    def _recompute(
        self,
        key: Key,
        span: DaySpan,
        compute: Callable[[Session], Held[Any]],
        instant: dt.datetime,
    ) -> None:
        try:
            if self.elsewhere is not None:
                started = self.clock()
                version, printed, held = self.elsewhere(span, compute, self.fingerprint)
                entry = _Entry(
                    held=held,  # fresh objects already: unpickled here
                    version=version,
                    fingerprint=printed,
                    span=span,
                    generation=next(self._generations),
                    checked=started,
                    current_at=instant,
                )
                self._store(key, entry)
                return
            with read_session() as session:
                version = session_version(session)
                self._compute(session, key, span, version, instant, compute, True)
        except Exception:  # the previous answer stays; the next request tries again
            logger.warning("background recompute of a window failed", exc_info=True)
        finally:
            with self._lock:
                self._recomputing.discard(key)

    def _unchanged(self, session: Session, entry: _Entry) -> bool:
        if entry.fingerprint is None:
            return False
        return (
            session_version(session) == entry.version
            and self.fingerprint(session, entry.span) == entry.fingerprint
        )

    def _check_in_background(self, key: Key) -> None:
        with self._lock:
            if key in self._checking:
                return
            self._checking.add(key)
        threading.Thread(
            target=self._check, args=(key,), name="watchfloor-window-check", daemon=True
        ).start()

    def _check(self, key: Key) -> None:
        try:
            with self._lock:
                entry = self._entries.get(key)
            if entry is None:
                return
            started = self.clock()
            with read_session() as session:
                unchanged = self._unchanged(session, entry)
            if unchanged:
                self._mark_checked(entry, started)
                return
            with self._lock:
                if self._entries.get(key) is entry:
                    del self._entries[key]  # the next request computes from the new data
        except Exception:  # the entry simply ages out; the next request past the ttl computes
            logger.warning("background check of a cached window failed", exc_info=True)
        finally:
            with self._lock:
                self._checking.discard(key)
