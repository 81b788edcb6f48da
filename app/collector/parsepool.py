"""Feed parsing in worker processes, so feedparser's CPU escapes the collector's GIL.

The fetch threads hand the fetched bytes to a small process pool and wait for plain,
picklable `ParsedFeed`s; fetching, storing and extraction carry on in the collector's process
meanwhile. One pool per process, created on first use and shared by every pass; it is shut
down with the scheduler, at the end of `collect --once`, and at interpreter exit.

Bounds: each parse process runs with an address-space cap (`parse_worker_max_memory_mb`), so
a feed that makes feedparser balloon fails alone with a MemoryError instead of pushing the
machine into swap; processes are replaced after `parse_worker_max_tasks` tasks each (a new
executor takes over; see `_start` for why not `max_tasks_per_child`). A parse
process that dies (killed, crashed) breaks the pool and loses every parse in flight: the pool
is replaced and each lost feed is parsed again alone in a fresh process (with feedparser only,
never the native fast path), so a feed that kills its parser twice is an error of that feed
only, never of the pass or of its neighbours.
`parse_workers = 0`, SQLite, or a pool that cannot start: parsing runs in the fetch thread.

The same processes run the collector's other pure CPU work in chunks (`run_in_chunks`): the
extraction of stored articles (`extract_all`) goes there, so that neither parsing nor extraction
holds the collector's GIL while it fetches and stores.
"""

from __future__ import annotations

import atexit
import datetime as dt
import importlib
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from typing import TypeVar

from app.collector.parse import FeedParseError, ParsedFeed, ParseLimits, parse_feed
from app.core.config import Settings

logger = logging.getLogger(__name__)

DEFAULT_MAX_WORKERS = 2  # parsing beyond two processes starves fetching and storing here
PARENT_CHECK_SECONDS = 1.0
# run_in_chunks: a few chunks per process, so one slow chunk does not leave a process idle; none
# so small that pickling and the hand-over cost more than the work, none so large that a feed
# waiting to be parsed queues behind it for long (100 articles: about 50 ms of extraction).
CHUNKS_PER_WORKER = 2
CHUNK_MIN_ITEMS = 16
CHUNK_MAX_ITEMS = 100

# Extraction runs in these processes too (see run_in_chunks): its tables compile at start.
EXTRACTION_WARM_UP = "app.extraction:warm_up"

T = TypeVar("T")
R = TypeVar("R")


class ParsePoolUnavailableError(RuntimeError):
    """The pool cannot run this parse (no process could start, or it was shut down)."""


def parse_workers_for(settings: Settings, dialect: str) -> int:
    """How many parse processes this collector should use (0: parse in the fetch threads)."""
    if dialect == "sqlite":
        # A one-machine, one-collector deployment: not worth two more processes.
        return 0
    if settings.parse_workers is not None:
        return settings.parse_workers
    return min(DEFAULT_MAX_WORKERS, os.cpu_count() or 1)


class ParsePool:
    """A ProcessPoolExecutor running `parse_feed`, replaced when one of its processes dies."""

    # What a parse process runs: a module-level function, so a spawned process can import it.
    task: Callable[..., ParsedFeed]

    def __init__(
        self,
        workers: int,
        *,
        max_memory_mb: int = 0,
        max_tasks: int = 0,
        warm_up: str | None = None,
    ) -> None:
        self.workers = workers
        self.max_memory_mb = max_memory_mb
        self.max_tasks = max_tasks
        # "module:function" each process runs as it starts (e.g. compiling extraction's tables),
        # so no task pays it; ignored when it cannot be imported.
        self.warm_up = warm_up
        self._lock = threading.Lock()
        self._generation = 0
        self._closed = False
        self._submitted = 0  # tasks given to the current executor
        self._executor = self._start()

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.workers, self.max_memory_mb, self.max_tasks)

    def _start(self, workers: int | None = None) -> ProcessPoolExecutor:
        # spawn, not fork: the collector has threads (scheduler, httpx, DB pool) that a fork
        # would copy mid-flight. Processes are recycled by replacing the whole executor
        # (`_current`), never with max_tasks_per_child: on Python 3.11-3.13 an executor whose
        # worker leaves at that limit while tasks are queued may never start its replacement,
        # and every queued task then waits forever (CPython gh-115634).
        return ProcessPoolExecutor(
            max_workers=workers or self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            # The collector's pid from here: a process still starting when the collector dies
            # would otherwise take its new parent (init) for the collector.
            initargs=(self.max_memory_mb, os.getpid(), self.warm_up),
        )

    def parse(
        self,
        body: bytes,
        *,
        headers: Mapping[str, str],
        final_url: str | None,
        fetched_at: dt.datetime,
        limits: ParseLimits,
    ) -> ParsedFeed:
        """Like `parse_feed`, in a parse process. Raises FeedParseError as parse_feed does."""
        args = (body, dict(headers), final_url, fetched_at, limits)
        executor, generation = self._current(tasks=1)
        try:
            future = executor.submit(type(self).task, *args)
        except BrokenProcessPool:
            self._replace(generation)
            return self._parse_alone(body, dict(headers), final_url, fetched_at, limits)
        except (OSError, RuntimeError) as exc:  # could not spawn, or shut down meanwhile
            raise ParsePoolUnavailableError(repr(exc)[:300]) from exc
        try:
            return self._result(future)
        except BrokenProcessPool:
            # Some feed in flight killed a process; which one is unknown. Each lost parse is
            # repeated alone in a fresh process, so only the culprit fails.
            logger.warning("a parse process died; replacing the pool", extra={"url": final_url})
            self._replace(generation)
            return self._parse_alone(body, dict(headers), final_url, fetched_at, limits)

    def _parse_alone(
        self,
        body: bytes,
        headers: dict[str, str],
        final_url: str | None,
        fetched_at: dt.datetime,
        limits: ParseLimits,
    ) -> ParsedFeed:
        # The retry reads with feedparser only: if the native fast path is what crashed, the
        # feed still gets read.
        args = (body, headers, final_url, fetched_at, replace(limits, fast_feed_parser=False))
        alone = self._start(workers=1)
        try:
            try:
                future = alone.submit(type(self).task, *args)
            except (OSError, RuntimeError) as exc:
                raise ParsePoolUnavailableError(repr(exc)[:300]) from exc
            return self._result(future)
        except BrokenProcessPool:
            raise FeedParseError(
                "parser_crashed", "the parse process died while reading this feed, twice"
            ) from None
        finally:
            alone.shutdown(wait=True)

    def _result(self, future: Future[ParsedFeed]) -> ParsedFeed:
        try:
            return future.result()
        except MemoryError as exc:
            raise FeedParseError(
                "too_large",
                f"parsing needed more than {self.max_memory_mb} MB "
                f"(parse_worker_max_memory_mb): {str(exc)[:200]}",
            ) from None

    def run_in_chunks(
        self, function: Callable[[Sequence[T]], list[R]], items: Sequence[T]
    ) -> list[R]:
        """`function(items)` computed in the pool's processes, a chunk each, results in order.

        `function` must be module-level (a spawned process imports it) and map a list to a list
        of the same length. If the pool cannot run it (shut down, a process died), it runs here:
        the caller gets its answer either way.
        """
        return self.submit_chunks(function, items)()

    def submit_chunks(
        self,
        function: Callable[[Sequence[T]], list[R]],
        items: Sequence[T],
        *,
        chunk: int | None = None,
    ) -> Callable[[], list[R]]:
        """`run_in_chunks` started now, answered later: returns what to call for the results
        (which runs `function` here if the pool could not). `chunk`: items per task (default:
        the batch spread over every process)."""
        if not items:
            return list
        parts = (
            [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]
            if chunk
            else self._parts(items)
        )
        try:
            executor, generation = self._current(tasks=len(parts))
            futures = [executor.submit(function, part) for part in parts]
        except (ParsePoolUnavailableError, BrokenProcessPool, OSError, RuntimeError) as exc:
            logger.warning("pool unavailable; running here", extra={"error": repr(exc)[:300]})
            return lambda: function(items)

        def results() -> list[R]:
            try:
                return [result for future in futures for result in future.result()]
            except BrokenProcessPool:
                logger.warning("a pool process died; replacing the pool, running here")
                self._replace(generation)
                return function(items)

        return results

    def _parts(self, items: Sequence[T]) -> list[list[T]]:
        even_share = -(-len(items) // (self.workers * CHUNKS_PER_WORKER))
        chunk = min(CHUNK_MAX_ITEMS, max(CHUNK_MIN_ITEMS, even_share))
        return [list(items[i : i + chunk]) for i in range(0, len(items), chunk)]

    def warm(self) -> None:
        """Start every process now (benchmarks; otherwise they start on first use)."""
        executor, _ = self._current()
        for future in [executor.submit(_ready) for _ in range(self.workers * 2)]:
            future.result()

    def pids(self) -> list[int]:
        """Process ids of the running parse processes (diagnostics and benchmarks)."""
        executor, _ = self._current()
        return sorted(executor._processes or {})  # private, but there is no public accessor

    def _current(self, tasks: int = 0) -> tuple[ProcessPoolExecutor, int]:
        """The executor to give `tasks` more tasks to: a fresh one (fresh processes) once the
        current one has run `max_tasks` per process; the old one finishes what it holds."""
        retired = None
        with self._lock:
            if self._closed:
                raise ParsePoolUnavailableError("the parse pool is shut down")
            if self.max_tasks and self._submitted + tasks > self.max_tasks * self.workers:
                retired, self._executor = self._executor, self._start()
                self._generation += 1
                self._submitted = 0
            self._submitted += tasks
            current = self._executor, self._generation
        if retired is not None:
            retired.shutdown(wait=False)  # its queued tasks still run, then its processes exit
        return current

    def _replace(self, generation: int) -> None:
        with self._lock:
            if self._closed or generation != self._generation:
                return  # another thread already replaced it
            broken = self._executor
            self._executor = self._start()
            self._generation += 1
        broken.shutdown(wait=False, cancel_futures=True)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)


def _init_worker(max_memory_mb: int, collector_pid: int, warm_up: str | None = None) -> None:
    # The collector stops its parse processes itself; Ctrl-C must not print their tracebacks.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(
        target=_exit_with_parent, args=(collector_pid,), name="parent-watch", daemon=True
    ).start()
    if max_memory_mb:
        limit = max_memory_mb * 1024 * 1024
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        from app.core.logging import configure_logging

        configure_logging()
    except Exception:  # logging set-up must never keep a parse process from starting
        logging.basicConfig(level=logging.WARNING)
    if warm_up:
        _run_warm_up(warm_up)


def _run_warm_up(target: str) -> None:
    module_name, _, function_name = target.partition(":")
    try:
        getattr(importlib.import_module(module_name), function_name)()
    except Exception as exc:  # a cold start is slower, never fatal
        logger.warning("parse process warm-up failed", extra={"error": repr(exc)[:300]})


def _exit_with_parent(parent: int) -> None:
    """A collector killed outright (SIGKILL, OOM) cannot stop its parse processes, and they
    never see the end of their queue (each holds both ends of its pipe): they leave by
    themselves once their parent is gone. (PR_SET_PDEATHSIG would fire when the fetch thread
    that happened to start the process ends, not the collector.)"""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _parse_in_worker(
    body: bytes,
    headers: dict[str, str],
    final_url: str | None,
    fetched_at: dt.datetime,
    limits: ParseLimits,
) -> ParsedFeed:
    return parse_feed(
        body, headers=headers, final_url=final_url, fetched_at=fetched_at, settings=limits
    )


def _ready() -> int:
    return os.getpid()


ParsePool.task = _parse_in_worker


# --- the process's one pool -------------------------------------------------------------------
_shared: ParsePool | None = None
_shared_lock = threading.Lock()


def shared_parse_pool(settings: Settings, dialect: str) -> ParsePool | None:
    """The process's pool for these settings, created on first use; None: parse in-thread."""
    global _shared
    workers = parse_workers_for(settings, dialect)
    if workers == 0:
        return None
    key = (workers, settings.parse_worker_max_memory_mb, settings.parse_worker_max_tasks)
    with _shared_lock:
        if _shared is not None and _shared.key == key:
            return _shared
        old, _shared = _shared, None
        if old is not None:
            old.shutdown()
        try:
            _shared = ParsePool(
                workers, max_memory_mb=key[1], max_tasks=key[2], warm_up=EXTRACTION_WARM_UP
            )
        except (OSError, ValueError, NotImplementedError) as exc:
            # No semaphores (some containers), no spawn: parsing in the fetch threads still works.
            logger.warning(
                "parse processes unavailable; parsing in the collector's threads",
                extra={"error": repr(exc)[:300]},
            )
            return None
        logger.info("parse processes ready", extra={"workers": workers})
        return _shared


def shutdown_parse_pool() -> None:
    """Stop the process's parse pool, if any (scheduler stop, end of `collect --once`, exit)."""
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None:
        pool.shutdown()


atexit.register(shutdown_parse_pool)
