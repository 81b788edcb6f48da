"""The hand-off to extraction: `extract_pending(session, *, article_ids=None, limit=None)`.

The extractor is wired in app/runtime.py (`extractor_for(pool)`: with parse processes, the
pure part of extraction runs there). Calls are
serialised within a process: extraction merges events across articles, and running several
merges at once in one process would only contend on the same rows.

During a pass, committed article ids go to an `ExtractionQueue`: one background thread hands
them over in batches, so fetching and storing never wait for extraction, and a slow extractor
gets larger (cheaper per article) batches instead of stalling every fetch thread.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from types import TracebackType

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.db import session_scope
from app.metrics import record_extraction

logger = logging.getLogger(__name__)

Extractor = Callable[..., int]
_lock = threading.Lock()


def hand_off(
    engine: Engine,
    extractor: Extractor | None,
    article_ids: Sequence[int] | None,
    *,
    limit: int | None = None,
) -> int:
    """Extract the given articles (None: every article not yet extracted; `limit`: only the
    first that many of them in publication order). Never raises."""
    if extractor is None:
        logger.debug("extraction not available; articles stay pending")
        return 0
    if article_ids is not None and not article_ids:
        return 0
    started = time.monotonic()
    try:
        with _lock, session_scope(engine) as session:
            extracted = int(_call(extractor, session, article_ids, limit) or 0)
    except Exception as exc:
        # The articles are committed with extracted_at NULL: the end-of-pass catch-up retries.
        logger.warning(
            "extraction failed; articles stay pending",
            extra={"error": repr(exc)[:500], "articles": len(article_ids or [])},
        )
        return 0
    if article_ids is not None or extracted:  # not the end-of-pass catch-up finding nothing
        record_extraction(extracted, time.monotonic() - started)
    return extracted


def _call(
    extractor: Extractor, session: Session, article_ids: Sequence[int] | None, limit: int | None
) -> int:
    if article_ids is None:
        return extractor(session, article_ids=None)
    if limit is not None:
        return extractor(session, article_ids=list(article_ids), limit=limit)
    return extractor(session, article_ids=list(article_ids))


class ExtractionQueue:
    """Hands committed article ids to extraction from one background thread, in batches.

    `close()` (or leaving the `with` block) waits until everything queued has been handed.

    `hold` > 0: the ids wait until `close()`, or until `hold` of them are queued, and are then
    handed over all together, oldest first (calls of `batch_size`, each taking the earliest
    articles still pending). The events are the same either way, but their cost is not: a call
    whose articles come after every stored view of their events only appends to them
    (store._append), while one whose articles interleave with stored ones replays the merge of
    every view within reach. A pass's feeds interleave in time (each carries the last day or
    two), so handed over as they arrive nearly every call replays all that came before it.
    """

    def __init__(
        self, engine: Engine, extractor: Extractor | None, batch_size: int, *, hold: int = 0
    ) -> None:
        self.engine = engine
        self.extractor = extractor
        self.batch_size = batch_size
        self.hold = hold
        self.extracted = 0
        self.calls = 0
        self.drain_seconds = 0.0
        self._pending: deque[int] = deque()
        self._closed = False
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        if hasattr(extractor, "next_ids"):  # it extracts ahead (app/collector/ahead.py)
            extractor.next_ids = self._upcoming  # type: ignore[union-attr]

    def _upcoming(self) -> list[int]:
        """The ids the next call will take (the first of the queue), for extraction ahead."""
        with self._cond:
            return list(itertools.islice(self._pending, self.batch_size))

    def submit(self, article_ids: Sequence[int]) -> None:
        if self.extractor is None or not article_ids:
            return
        with self._cond:
            if self._closed:
                raise RuntimeError("the extraction queue is closed")
            self._pending.extend(article_ids)
            if self.hold > 0 and len(self._pending) < self.hold:
                return  # held until close() or until `hold` are queued
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="collector-extraction", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def _run(self) -> None:
        if self.hold > 0:
            self._run_held()
            return
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                take = min(self.batch_size, len(self._pending))
                batch = [self._pending.popleft() for _ in range(take)]
            extracted = hand_off(self.engine, self.extractor, batch)
            with self._cond:
                self.extracted += extracted
                self.calls += 1

    def _run_held(self) -> None:
        while True:
            with self._cond:
                while len(self._pending) < self.hold and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                held = list(self._pending)
                self._pending.clear()
            # Oldest first: each call takes the earliest `batch_size` still pending of them.
            for _ in range(-(-len(held) // self.batch_size)):
                extracted = hand_off(self.engine, self.extractor, held, limit=self.batch_size)
                with self._cond:
                    self.extracted += extracted
                    self.calls += 1
                if extracted < self.batch_size:
                    break  # all done (or extraction failed: the end-of-pass catch-up retries)

    def close(self) -> None:
        started = time.monotonic()
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is None and self._pending:  # held until now: handed over here
            self._run()
        if thread is not None:
            thread.join()
        forget = getattr(self.extractor, "forget", None)
        if forget is not None:  # what was extracted ahead and never handed over
            forget()
        # How long the pass waited for extraction after its last feed: > 0 means extraction,
        # not fetching or parsing, set the pass's pace.
        self.drain_seconds = time.monotonic() - started

    def __enter__(self) -> ExtractionQueue:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
