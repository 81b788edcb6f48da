"""Extraction one hand-off batch ahead, so that both parse processes keep extracting while the
collector merges.

`extract_pending` is a pure part (`extract_all`: the rules, run in the parse processes) and a
merge and write (in the collector's extraction thread, one batch at a time). One after the
other, the parse processes idle while the collector merges and the collector idles while they
extract. `ExtractAhead` overlaps the two: as soon as a batch's extraction comes back, the
extraction of the articles queued next starts in the pool, and the batch is merged meanwhile;
the next call takes those results (waiting for what is not done yet).

A result is used only for exactly the input it was computed from (an article changed in
between is extracted again), so the events are those `extract_pending` alone gives. Memory: at
most two hand-off batches of articles and their events at once (the one being merged and the
one being extracted); what the next call does not take is dropped.

The collector also hands over what it has just stored (`prefetch`): the extraction of a feed's
new articles starts in the pool as soon as they are committed, from the entries it stored, so
the parse processes extract while the pass fetches and stores and the hand-off finds them done.
Those results wait for their call (at most `PREFETCH_MAX` articles; beyond it, an article is
extracted when its call comes) and are dropped with the rest at the end of the pass (`forget`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from sqlmodel import Session

from app.collector.parsepool import ParsePool

logger = logging.getLogger(__name__)

Results = Callable[[], list[Any]]
# Articles extracted ahead and waiting for their hand-off, at most (their events in memory).
PREFETCH_MAX = 50_000
PREFETCH_CHUNK = 100  # articles per task


class ExtractAhead:
    """An extractor for the collector's hand-off (`extract_pending`'s signature) that extracts
    the next queued articles in the pool while the current batch is merged. The hand-off queue
    sets `next_ids` (the article ids it will hand over next)."""

    def __init__(
        self,
        pool: ParsePool,
        *,
        extract_pending: Callable[..., int],
        pending_inputs: Callable[[Session, Sequence[int]], list[Any]],
        extract_all: Callable[[Sequence[Any]], list[Any]],
    ) -> None:
        self.pool = pool
        self._extract_pending = extract_pending
        self._pending_inputs = pending_inputs
        self._extract_all = extract_all
        self.next_ids: Callable[[], list[int]] | None = None
        # article id -> (the input extracted (its fingerprint), its batch's results, its place)
        self._ahead: dict[Any, tuple[Any, Results, int]] = {}
        self._lock = threading.Lock()  # prefetch runs in the fetch threads
        self._session: Session | None = None
        self.reused = 0  # articles whose events were extracted ahead (diagnostics, tests)

    def __call__(
        self,
        session: Session,
        *,
        article_ids: Sequence[int] | None = None,
        limit: int | None = None,
    ) -> int:
        self._session = session
        try:
            return self._extract_pending(
                session, article_ids=article_ids, limit=limit, extract_many=self._extract_many
            )
        finally:
            self._session = None

    def prefetch(self, inputs: Sequence[Any]) -> None:
        """Start extracting these just-stored articles now (the inputs `pending_inputs` will
        read of them); their call takes the results if the articles are still the same."""
        with self._lock:
            if not inputs or len(self._ahead) + len(inputs) > PREFETCH_MAX:
                return
        # one task per feed: feeds arrive from many fetch threads, which spreads them already
        batch = self.pool.submit_chunks(self._extract_all, inputs, chunk=PREFETCH_CHUNK)
        with self._lock:
            self._ahead.update(
                {item.id: (_fingerprint(item), batch, n) for n, item in enumerate(inputs)}
            )

    def forget(self) -> None:
        """Drop what was extracted ahead and not taken (the end of a pass)."""
        with self._lock:
            self._ahead = {}

    def _extract_many(self, inputs: Sequence[Any]) -> list[Any]:
        with self._lock:
            ahead = {item.id: self._ahead.pop(item.id) for item in inputs if item.id in self._ahead}
        ready = [i for i, item in enumerate(inputs) if _same(ahead.get(item.id), item)]
        taken = set(ready)
        missing = [item for i, item in enumerate(inputs) if i not in taken]
        started = self.pool.submit_chunks(self._extract_all, missing)
        answers: dict[int, list[Any]] = {}  # id(results callable) -> its results
        results: list[Any] = [None] * len(inputs)
        for i in ready:
            _, batch, place = ahead[inputs[i].id]
            if id(batch) not in answers:
                answers[id(batch)] = batch()
            results[i] = answers[id(batch)][place]
        fresh = iter(started())
        for i in range(len(inputs)):
            if i not in taken:
                results[i] = next(fresh)
        self.reused += len(ready)
        self._start_next()  # the pool extracts the next batch while this one is merged
        return results

    def _start_next(self) -> None:
        if self.next_ids is None or self._session is None:
            return
        with self._lock:
            ids = [i for i in self.next_ids() if i not in self._ahead]
        if not ids:
            return
        try:
            inputs = self._pending_inputs(self._session, ids)
        except Exception as exc:  # only a head start lost: the next call extracts them itself
            logger.warning("could not read ahead", extra={"error": repr(exc)[:300]})
            return
        batch = self.pool.submit_chunks(self._extract_all, inputs)
        with self._lock:
            self._ahead.update(
                {item.id: (_fingerprint(item), batch, n) for n, item in enumerate(inputs)}
            )


def _fingerprint(item: Any) -> tuple[Any, ...]:
    """What an extraction was computed from, without holding the article's text (a pass may
    extract tens of thousands of articles ahead): its length and hash stand for it."""
    text = item.text
    return (
        item.id,
        item.title,
        len(text),
        hash(text),
        item.published,
        item.source,
        item.url,
        item.reliability,
        item.published_precision,
    )


def _same(entry: tuple[Any, Results, int] | None, item: Any) -> bool:
    return entry is not None and entry[0] == _fingerprint(item)
