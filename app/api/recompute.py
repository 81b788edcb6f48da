"""Window recomputations in a process of their own, so the API's threads keep the GIL.

When the data changed, a live window's previous answer is served while its new one is
computed (app/api/live.py). Computed in a thread of the API process, that computation held the
GIL for as long as it ran, and every request served meanwhile waited its turn for it: no request
waited for the computation any more, but all were slowed by it. Here it runs in one worker
process per API process (started with "spawn" on first use, its own database engine), and the
API process only waits for the pickled answer.

A computation is a picklable recipe: a module-level function taking a session, with its
arguments bound (`functools.partial`); the answer and the data version and fingerprint it was
computed from come back together.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.cache import Version, session_version
from app.core.config import Settings
from app.core.db import make_engine
from app.core.memory import release_free_memory

Recipe = Callable[[Session], Any]
Fingerprinter = Callable[[Session, Any], Any]


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


def _exit_with_parent(parent: int) -> None:
    """In the worker: leave when the API process is gone, however it ended (a worker blocks
    on its queue for ever, and an API stopped by a signal may not get to shut its pool down)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="watchfloor-parent-watch", daemon=True).start()


@cache
def _engine(database_url: str) -> Engine:
    return make_engine(Settings(database_url=database_url), role="recompute")


class RecomputeProcess:
    """One worker process, started on first use, for the window computations of one API
    process; `__call__` blocks the calling thread (not the GIL) until the answer is back."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def __call__(
        self, span: Any, compute: Recipe, fingerprint: Fingerprinter
    ) -> tuple[Version, Any, Any]:
        future = self._worker().submit(
            compute_window, self.database_url, span, compute, fingerprint
        )
        return future.result()

    def start(self) -> None:
        """Start the worker now (it imports the app and opens its engine): `WindowMemo` calls it
        once a window has an answer to serve while recomputing, not at the first
        change, when the previous answers are being served."""
        self._worker().submit(_engine, self.database_url)

    def _worker(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_exit_with_parent,
                    initargs=(os.getpid(),),
                )
            return self._pool

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
