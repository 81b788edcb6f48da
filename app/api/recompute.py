"""Window recomputations in a process of their own, so the API's threads keep the GIL.

When the data changed, a live window's previous answer is served while its new one is
computed (app/api/live.py). Computed in a thread of the API process, that computation held the
GIL for as long as it ran, and every request served meanwhile waited its turn for it: no request
waited for the computation any more, but all were slowed by it. Here it runs in one worker
process per API process (`python -m app.api.recompute_worker`, started on first use, its own
database engine), and the API process only waits for the pickled answer.

The worker is a plain child process on two pipes, not a multiprocessing pool: no resource
tracker process beside it, and no re-import of the API's `__main__`. It leaves when its stdin
closes: when the API process ends however it ends, and when it has been idle for
`recompute_idle_seconds` (its memory, as much again as the API's, is held only while windows
are being recomputed; the next computation starts it again, while the previous answer is
served).

It runs at a lower CPU priority than the API (`recompute_nice`, added to its niceness): its
imports and its computation (a second or more of CPU over a million events) otherwise took a
core's share from the requests being served on a two-core machine, and their tail latency
grew with it, though none waited for the answer. Requests get the previous answer meanwhile,
so the computation is the one to wait for a core.

A computation is a picklable recipe: a module-level function taking a session, with its
arguments bound (`functools.partial`); the answer and the data version and fingerprint it was
computed from come back together.
"""

from __future__ import annotations

import logging
import pickle
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from functools import cache
from typing import IO, Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.cache import Version, session_version
from app.core.config import Settings
from app.core.db import make_engine
from app.core.memory import release_free_memory

logger = logging.getLogger(__name__)

Recipe = Callable[[Session], Any]
Fingerprinter = Callable[[Session, Any], Any]
WORKER_MODULE = "app.api.recompute_worker"
# How often the idle watch looks, as a share of the idle limit.
IDLE_CHECKS_PER_LIMIT = 4


def compute_window(
    database_url: str, span: Any, compute: Recipe, fingerprint: Fingerprinter
) -> tuple[Version, Any, Any]:
    """In the worker: (data version, span fingerprint, the answer), read in that order so the
    answer's data is at least as new as the version it is stored under."""
    try:
        with Session(_engine(database_url), expire_on_commit=False) as session:
            version = session_version(session)
            printed = fingerprint(session, span)
            return version, printed, compute(session)
    finally:
        release_free_memory()  # the computation's rows are freed: give their pages back


@cache
def _engine(database_url: str) -> Engine:
    return make_engine(Settings(database_url=database_url), role="recompute")


def warm_up(database_url: str) -> None:
    """In the worker: import what a computation needs and open the engine."""
    _engine(database_url)


class WorkerFailed(RuntimeError):
    """The worker process died or answered something that is not an answer."""


class _Worker:
    """One child process and its pipes; `ask` is one request and its answer."""

    def __init__(self, nice: int = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", WORKER_MODULE, str(nice)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.pending = 0  # requests sent whose answers are not read yet

    def send(self, function: Callable[..., Any], *args: Any) -> None:
        stdin: IO[bytes] = self.process.stdin  # type: ignore[assignment]
        pickle.dump((function, args), stdin, protocol=pickle.HIGHEST_PROTOCOL)
        stdin.flush()
        self.pending += 1

    def receive(self) -> Any:
        try:
            ok, value = pickle.load(self.process.stdout)  # type: ignore[arg-type]
        except (EOFError, pickle.UnpicklingError, ValueError) as exc:
            raise WorkerFailed(f"the recompute worker ended: {exc!r}") from exc
        finally:
            self.pending -= 1
        if not ok:
            raise value
        return value

    def ask(self, function: Callable[..., Any], *args: Any) -> Any:
        while self.pending:  # a warm-up's answer, or one whose caller gave up
            self.receive()
        self.send(function, *args)
        return self.receive()

    def close(self) -> None:
        try:
            if self.process.stdin is not None:
                self.process.stdin.close()  # the worker leaves at end of input
        except OSError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.process.stdout is not None:
            self.process.stdout.close()


class RecomputeProcess:
    """One worker process, started on first use, for the window computations of one API
    process; `__call__` blocks the calling thread (not the GIL) until the answer is back.
    Calls are answered one at a time, in the order they take the lock. The worker leaves
    after `idle_seconds` without a call (0: it stays). Its niceness is `nice` more than
    this process's."""

    def __init__(self, database_url: str, idle_seconds: float = 0.0, *, nice: int = 0) -> None:
        self.database_url = database_url
        self.idle_seconds = idle_seconds
        self.nice = nice
        self._worker: _Worker | None = None
        self._lock = threading.Lock()
        self._last_used = time.monotonic()

    def __call__(
        self, span: Any, compute: Recipe, fingerprint: Fingerprinter
    ) -> tuple[Version, Any, Any]:
        with self._lock:
            worker = self._running()
            try:
                answer: tuple[Version, Any, Any] = worker.ask(
                    compute_window, self.database_url, span, compute, fingerprint
                )
            except WorkerFailed:
                self._stop()
                raise
            finally:
                self._last_used = time.monotonic()
            return answer

    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        """Start the worker now (it imports the app and opens its engine) without waiting for
        it: `WindowMemo` calls it once a window has an answer to serve while recomputing, not
        at the first change, when the previous answers are being served."""
        with self._lock:
            worker = self._running()
            if not worker.pending:
                worker.send(warm_up, self.database_url)

    def _running(self) -> _Worker:
        """The worker, started if it is not running (call with the lock held)."""
        self._last_used = time.monotonic()
        if self._worker is None:
            self._worker = _Worker(self.nice)
            if self.idle_seconds > 0:
                watch = threading.Thread(
                    target=self._stop_when_idle, name="watchfloor-recompute-idle", daemon=True
                )
                watch.start()
        return self._worker

    def _stop_when_idle(self) -> None:
        worker = self._worker
        while True:
            time.sleep(self.idle_seconds / IDLE_CHECKS_PER_LIMIT)
            with self._lock:
                if self._worker is not worker:
                    return  # closed meanwhile
                if time.monotonic() - self._last_used >= self.idle_seconds:
                    logger.debug("recompute worker idle: stopping it")
                    self._stop()
                    return

    def _stop(self) -> None:
        worker, self._worker = self._worker, None
        if worker is not None:
            worker.close()

    def close(self) -> None:
        with self._lock:
            self._stop()
