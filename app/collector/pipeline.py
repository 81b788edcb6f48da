"""One collection pass: claim due feeds, fetch them in worker threads, parse, store, hand off.

Never a session across network I/O: claim (short transaction) -> fetch (no DB) -> parse (CPU,
in a parse process while the fetch thread waits, see parsepool) -> store (one transaction per
feed, so one bad feed cannot poison others) -> extraction queue (one background thread).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector.claim import ClaimedFeed, claim_due_feeds, collector_lock
from app.collector.fetch import FetchResult, Validators, build_client, fetch_feed
from app.collector.handoff import ExtractionQueue, Extractor, hand_off
from app.collector.parse import FeedParseError, ParsedFeed, ParseLimits, parse_feed
from app.collector.parsepool import ParsePool, ParsePoolUnavailableError, shared_parse_pool
from app.collector.polling import backoff_delay, entry_frequency_interval, success_interval
from app.collector.store import (
    StoreResult,
    entries_in_past_week,
    entries_in_past_week_many,
    record_checks,
    record_run,
    relax_durability,
    store_entries,
    update_feed,
)
from app.core.config import Settings, get_settings
from app.core.db import get_engine, session_scope
from app.core.isotime import iso_z
from app.core.models import Source
from app.metrics import record_feed_fetch, record_pass

logger = logging.getLogger(__name__)

_DEFAULT = object()
SOURCES = Source.__table__  # type: ignore[attr-defined]
# New articles a pass holds back from extraction, in hand-off batches (ids only: their text is
# not held, and their extraction runs ahead in the parse processes meanwhile).
HOLD_BATCHES = 50

# The database is away (connection refused or dropped, pool exhausted): not a bug of ours.
DATABASE_UNAVAILABLE = (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError)


@dataclass
class FeedOutcome:
    feed_id: int
    url: str
    outcome: str  # ok | not_modified | unchanged | error
    status: int | None = None
    new_items: int = 0
    updated_items: int = 0
    error_kind: str | None = None
    error: str | None = None
    duration_ms: int = 0
    bytes_read: int = 0
    # Not-modified checks are recorded together at the end of their batch (see below).
    pending: tuple[ClaimedFeed, FetchResult] | None = field(default=None, repr=False)


@dataclass
class PassSummary:
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_unchanged: int = 0
    feeds_failed: int = 0
    feeds_disabled: int = 0
    new_articles: int = 0
    updated_articles: int = 0
    extracted_articles: int = 0
    # Extraction calls during the pass, and how long the pass waited for them after its last
    # feed (> 0: extraction, not fetching or parsing, set the pace).
    extraction_calls: int = 0
    extraction_drain_seconds: float = 0.0
    bytes_read: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # Why the pass stopped before every due feed was checked (the database went away).
    interrupted: str | None = None

    @property
    def feeds_checked(self) -> int:
        return self.feeds_ok + self.feeds_not_modified + self.feeds_unchanged + self.feeds_failed

    @property
    def duration_seconds(self) -> float:
        end = self.finished_at or dt.datetime.now(dt.UTC)
        return (end - self.started_at).total_seconds()

    def add(self, outcome: FeedOutcome) -> None:
        self.bytes_read += outcome.bytes_read
        self.new_articles += outcome.new_items
        self.updated_articles += outcome.updated_items
        if outcome.outcome == "ok":
            self.feeds_ok += 1
        elif outcome.outcome == "not_modified":
            self.feeds_not_modified += 1
        elif outcome.outcome == "unchanged":
            self.feeds_unchanged += 1
        else:
            self.feeds_failed += 1
            self.feeds_disabled += outcome.status == 410
            self.errors.append(
                {
                    "feed_id": outcome.feed_id,
                    "url": outcome.url,
                    "kind": outcome.error_kind,
                    "error": outcome.error,
                }
            )

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["started_at"] = _iso(self.started_at)
        data["finished_at"] = _iso(self.finished_at)
        data["feeds_checked"] = self.feeds_checked
        data["duration_seconds"] = round(self.duration_seconds, 3)
        return data


def _iso(value: dt.datetime | None) -> str | None:
    return iso_z(value)


class Collector:
    """Holds what a pass needs: settings, engine, one shared HTTP client, the extraction seam."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        engine: Engine | None = None,
        extractor: Extractor | object | None = _DEFAULT,
        client: httpx.Client | None = None,
        parse_pool: ParsePool | object | None = _DEFAULT,
    ) -> None:
        self.settings = settings or get_settings()
        self.engine = engine or get_engine()
        # The process's shared pool (it outlives this collector); None: parse in-thread.
        self.parse_pool: ParsePool | None = (
            shared_parse_pool(self.settings, self.engine.dialect.name)
            if parse_pool is _DEFAULT
            else parse_pool  # type: ignore[assignment]
        )
        self.extractor: Extractor | None = (
            _wired_extractor(self.parse_pool) if extractor is _DEFAULT else extractor  # type: ignore[assignment]
        )
        self._limits = ParseLimits.of(self.settings)
        self._extraction: ExtractionQueue | None = None
        self._sources: dict[int, tuple[str, str | None]] = {}  # id -> name, reliability
        self._own_client = client is None
        self.client = client or build_client(self.settings)

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # --- a pass ------------------------------------------------------------------------------
    def run_pass(self, *, max_feeds: int | None = None) -> PassSummary:
        summary = PassSummary(started_at=dt.datetime.now(dt.UTC))
        handoff_batch = self.settings.extraction_handoff_batch_size
        # Held until the feeds are done, then handed over oldest first (see ExtractionQueue):
        # the merge appends instead of replaying what the pass stored before.
        extraction = ExtractionQueue(
            self.engine, self.extractor, handoff_batch, hold=HOLD_BATCHES * handoff_batch
        )
        with (
            collector_lock(self.engine),
            extraction,
            ThreadPoolExecutor(
                max_workers=self.settings.fetch_concurrency, thread_name_prefix="collector"
            ) as pool,
        ):
            self._extraction = extraction
            self._sources = {}  # a source renamed since the last pass is read again
            while max_feeds is None or summary.feeds_checked < max_feeds:
                limit = self.settings.poll_batch_size
                if max_feeds is not None:
                    limit = min(limit, max_feeds - summary.feeds_checked)
                try:
                    batch = claim_due_feeds(
                        self.engine, limit=limit, lease_seconds=self.settings.poll_lease_seconds
                    )
                except DATABASE_UNAVAILABLE as exc:
                    if summary.feeds_checked == 0:
                        raise  # nothing ran: the caller says the database is unavailable
                    # Mid-pass: keep what is stored; unclaimed and failed feeds stay due.
                    summary.interrupted = f"database unavailable: {_first_line(exc)}"
                    logger.warning(
                        "collection pass interrupted: database unavailable",
                        extra={"error": _first_line(exc), "feeds_checked": summary.feeds_checked},
                    )
                    break
                if not batch:
                    break
                for outcome in self._process_batch(pool, batch):
                    summary.add(outcome)
                    record_feed_fetch(outcome.outcome)
        self._extraction = None
        summary.extracted_articles += extraction.extracted
        summary.extraction_calls = extraction.calls
        summary.extraction_drain_seconds = round(extraction.drain_seconds, 3)
        # Crash recovery: anything committed but never extracted is picked up here.
        summary.extracted_articles += hand_off(self.engine, self.extractor, None)
        summary.finished_at = dt.datetime.now(dt.UTC)
        record_pass(summary.duration_seconds, summary.new_articles, summary.updated_articles)
        logger.info(
            "collection pass",
            extra={k: v for k, v in summary.as_dict().items() if k != "errors"},
        )
        return summary

    def _process_batch(
        self, pool: ThreadPoolExecutor, batch: list[ClaimedFeed]
    ) -> list[FeedOutcome]:
        """Run the batch with at most `fetch_per_host` feeds of one host at a time."""
        per_host: dict[str, deque[ClaimedFeed]] = defaultdict(deque)
        for feed in batch:
            per_host[_host(feed.url)].append(feed)
        active: dict[str, int] = defaultdict(int)
        running: dict[Future[FeedOutcome], str] = {}
        outcomes: list[FeedOutcome] = []
        while per_host or running:
            for host in list(per_host):
                queue = per_host[host]
                while queue and active[host] < self.settings.fetch_per_host:
                    running[pool.submit(self.process, queue.popleft())] = host
                    active[host] += 1
                if not queue:
                    del per_host[host]
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                active[running.pop(future)] -= 1
                outcomes.append(future.result())
        self._record_unchanged_many([o.pending for o in outcomes if o.pending])
        return outcomes

    # --- one feed ----------------------------------------------------------------------------
    def process(self, feed: ClaimedFeed) -> FeedOutcome:
        """Fetch, parse and store one claimed feed. Never raises: the outcome says what happened."""
        try:
            return self._process(feed)
        except DATABASE_UNAVAILABLE as exc:
            # Nothing to record it in; the claim lease makes the feed due again, so what was
            # fetched is fetched again and stored by a later pass.
            logger.warning(
                "database unavailable; feed not stored, due again when its lease ends",
                extra={"feed_id": feed.id, "error": _first_line(exc)},
            )
            outcome = FeedOutcome(feed.id, feed.url, "error", error_kind="database_unavailable")
            outcome.error = f"database unavailable: {_first_line(exc)}"
            return outcome
        except Exception as exc:
            logger.exception("feed processing failed", extra={"feed_id": feed.id})
            outcome = FeedOutcome(feed.id, feed.url, "error", error_kind="internal")
            outcome.error = f"internal error: {type(exc).__name__}: {str(exc)[:300]}"
            try:
                self._record_failure(feed, outcome, retry_after=None)
            except Exception:
                # The database itself may be away: the claim lease makes the feed due again.
                logger.warning("could not record the failure", extra={"feed_id": feed.id})
            return outcome

    def _process(self, feed: ClaimedFeed) -> FeedOutcome:
        validators = Validators(feed.etag, feed.last_modified, feed.body_hash)
        fetched = fetch_feed(self.client, feed.url, validators, self.settings)
        outcome = FeedOutcome(
            feed.id,
            feed.url,
            fetched.outcome,
            status=fetched.status,
            duration_ms=fetched.duration_ms,
            bytes_read=fetched.bytes_read,
        )
        if fetched.outcome == "error":
            outcome.error_kind, outcome.error = fetched.error_kind, fetched.error
            self._record_failure(feed, outcome, retry_after=fetched.retry_after_seconds)
            return outcome
        if fetched.outcome in ("not_modified", "unchanged"):
            outcome.pending = (feed, fetched)
            return outcome
        fetched_at = dt.datetime.now(dt.UTC)
        try:
            parsed = self._parse(fetched, fetched_at)
        except FeedParseError as exc:
            outcome.outcome, outcome.error_kind, outcome.error = "error", exc.kind, str(exc)
            self._record_failure(feed, outcome, retry_after=None)
            return outcome
        stored = self._store(feed, fetched, parsed, fetched_at)
        outcome.new_items, outcome.updated_items = len(stored.new_ids), len(stored.updated_ids)
        if self._extraction is not None:
            try:
                self._prefetch(feed, stored)
            except Exception as exc:  # only a head start lost: the hand-off extracts them
                logger.warning("could not start extraction ahead", extra={"error": repr(exc)[:300]})
            self._extraction.submit(stored.changed_ids)
        else:  # called outside a pass
            hand_off(self.engine, self.extractor, stored.changed_ids)
        return outcome

    def _prefetch(self, feed: ClaimedFeed, stored: StoreResult) -> None:
        """Start the extraction of the new articles in the parse processes now, from what was
        stored of them (app/collector/ahead.py), so that it runs while the pass goes on."""
        prefetch = getattr(self.extractor, "prefetch", None)
        if prefetch is None or not stored.inserted:
            return
        source = self._source(feed.source_id)
        if source is None:
            return
        from app.extraction.schemas import ArticleInput

        name, reliability = source
        prefetch(
            [
                # exactly what extraction reads of the stored row (store.pending_inputs)
                ArticleInput(
                    id=article_id,
                    title=entry.title,
                    text=entry.text or entry.summary or "",
                    published=entry.published_at,
                    source=name,
                    url=entry.url,
                    reliability=reliability,
                )
                for article_id, entry in sorted(stored.inserted.items())
            ]
        )

    def _source(self, source_id: int) -> tuple[str, str | None] | None:
        """A source's name and reliability, read once per collector."""
        found = self._sources.get(source_id)
        if found is None:
            with self.engine.connect() as conn:
                row = conn.execute(
                    sa.select(SOURCES.c.name, SOURCES.c.reliability).where(
                        SOURCES.c.id == source_id
                    )
                ).first()
            if row is None:
                return None
            found = self._sources[source_id] = (row.name, row.reliability)
        return found

    def _parse(self, fetched: FetchResult, fetched_at: dt.datetime) -> ParsedFeed:
        if self.parse_pool is not None:
            try:
                return self.parse_pool.parse(
                    fetched.body,
                    headers=fetched.headers,
                    final_url=fetched.final_url,
                    fetched_at=fetched_at,
                    limits=self._limits,
                )
            except ParsePoolUnavailableError as exc:
                logger.warning(
                    "parse processes unavailable; parsing in this thread",
                    extra={"error": repr(exc)[:300]},
                )
        return parse_feed(
            fetched.body,
            headers=fetched.headers,
            final_url=fetched.final_url,
            fetched_at=fetched_at,
            settings=self._limits,
        )

    def _store(
        self, feed: ClaimedFeed, fetched: FetchResult, parsed: ParsedFeed, now: dt.datetime
    ) -> StoreResult:
        with session_scope(self.engine) as session:
            stored = store_entries(
                session, source_id=feed.source_id, feed_id=feed.id, entries=parsed.entries, now=now
            )
            interval = entry_frequency_interval(
                entries_in_past_week(session, feed.id, now), self.settings
            )
            wait_s = success_interval(
                interval, [fetched.cache_hint_seconds, parsed.ttl_seconds], self.settings
            )
            etag, last_modified = _storable_validators(fetched)
            problem = parsed.problem
            update_feed(
                session,
                feed.id,
                title=parsed.title,
                etag=etag,
                last_modified=last_modified,
                body_hash=fetched.body_hash,
                final_url=(fetched.final_url or "")[:2000] or None,
                poll_interval_seconds=interval,
                next_check_at=now + dt.timedelta(seconds=wait_s),
                last_success_at=now,
                last_status=fetched.status,
                error_count=0,
                updated_at=now,
                **({"last_error": problem, "last_error_at": now} if problem else {}),
            )
            record_run(
                session,
                feed_id=feed.id,
                started_at=now - dt.timedelta(milliseconds=fetched.duration_ms),
                finished_at=dt.datetime.now(dt.UTC),
                duration_ms=fetched.duration_ms,
                http_status=fetched.status,
                outcome="ok",
                new_items=len(stored.new_ids),
                updated_items=len(stored.updated_ids),
                bytes_read=fetched.bytes_read,
                error=problem,
            )
        return stored

    def _record_unchanged_many(self, checks: list[tuple[ClaimedFeed, FetchResult]]) -> None:
        """Record a batch's not-modified and unchanged checks in one transaction.

        They are uniform, small and harmless to lose (the feed is simply checked again when
        its lease runs out), so they skip the per-feed transaction and the durable commit.
        """
        if not checks:
            return
        now = dt.datetime.now(dt.UTC)
        try:
            with session_scope(self.engine) as session:
                relax_durability(session)
                recent = entries_in_past_week_many(session, [f.id for f, _ in checks], now)
                feed_rows, run_rows = [], []
                for feed, fetched in checks:
                    interval = entry_frequency_interval(recent.get(feed.id, 0), self.settings)
                    wait_s = success_interval(interval, [fetched.cache_hint_seconds], self.settings)
                    etag, last_modified = _storable_validators(fetched)
                    if fetched.outcome == "not_modified":
                        # Keep the stored ETag; a changed Last-Modified is stored (RFC 9111 4.3.4).
                        etag, last_modified = feed.etag, last_modified or feed.last_modified
                    feed_rows.append(
                        {
                            "b_id": feed.id,
                            "b_etag": etag,
                            "b_last_modified": last_modified,
                            "b_interval": interval,
                            "b_next": now + dt.timedelta(seconds=wait_s),
                            "b_now": now,
                            "b_status": fetched.status,
                        }
                    )
                    run_rows.append(
                        {
                            "feed_id": feed.id,
                            "started_at": now - dt.timedelta(milliseconds=fetched.duration_ms),
                            "finished_at": now,
                            "duration_ms": fetched.duration_ms,
                            "http_status": fetched.status,
                            "outcome": fetched.outcome,
                            "new_items": 0,
                            "updated_items": 0,
                            "bytes_read": fetched.bytes_read,
                        }
                    )
                record_checks(session, feed_rows, run_rows)
        except Exception as exc:
            # The leases run out and these feeds are checked again; nothing else is at stake.
            logger.warning(
                "could not record not-modified checks",
                extra={"feeds": len(checks), "error": repr(exc)[:300]},
            )

    def _record_failure(
        self, feed: ClaimedFeed, outcome: FeedOutcome, *, retry_after: float | None
    ) -> None:
        now = dt.datetime.now(dt.UTC)
        errors = feed.error_count + 1
        message = (outcome.error or outcome.error_kind or "unknown error")[:2000]
        values: dict[str, Any] = {
            "error_count": errors,
            "last_error": f"{outcome.error_kind}: {message}",
            "last_error_at": now,
            "last_status": outcome.status,
            "updated_at": now,
        }
        if outcome.status == 410:
            # The one failure that stops polling: an operator may re-enable the feed.
            values.update(enabled=False, disabled_reason=f"HTTP 410 Gone at {_iso(now)}")
        else:
            delay = backoff_delay(
                feed.poll_interval_seconds, errors, self.settings, retry_after=retry_after
            )
            values["next_check_at"] = now + dt.timedelta(seconds=delay)
        with session_scope(self.engine) as session:
            relax_durability(session)
            update_feed(session, feed.id, **values)
            record_run(
                session,
                feed_id=feed.id,
                started_at=now - dt.timedelta(milliseconds=outcome.duration_ms),
                finished_at=now,
                duration_ms=outcome.duration_ms,
                http_status=outcome.status,
                outcome="error",
                bytes_read=outcome.bytes_read,
                error=f"{outcome.error_kind}: {message}",
            )
        logger.info(
            "feed failed",
            extra={"feed_id": feed.id, "kind": outcome.error_kind, "error": message[:300]},
        )


def _storable_validators(fetched: FetchResult) -> tuple[str | None, str | None]:
    # `Expires: 0` asks us not to revalidate with these validators.
    if fetched.headers.get("expires", "").strip() == "0":
        return None, None
    # An oversized validator would not fit its column; truncated it would never match anyway.
    etag = fetched.etag if fetched.etag and len(fetched.etag) <= 1000 else None
    modified = fetched.last_modified
    return etag, (modified if modified and len(modified) <= 200 else None)


def _first_line(exc: BaseException) -> str:
    cause = getattr(exc, "orig", None) or exc
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0][:300]


def _host(url: str) -> str:
    try:
        parts = urlsplit(url)
        return f"{(parts.hostname or '').lower()}:{parts.port or ''}"
    except ValueError:
        return url


def run_collection_pass(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    extractor: Extractor | object | None = _DEFAULT,
    max_feeds: int | None = None,
) -> PassSummary:
    """One pass over every due feed; what `collect --once`, the scheduler and the admin API run."""
    with Collector(settings, engine=engine, extractor=extractor) as collector:
        started = time.monotonic()
        summary = collector.run_pass(max_feeds=max_feeds)
        logger.debug("pass finished", extra={"seconds": round(time.monotonic() - started, 3)})
        return summary


def _wired_extractor(pool: ParsePool | None) -> Extractor:
    from app.runtime import extractor_for  # the wiring (imports extraction)

    return extractor_for(pool)
