"""Every metric of the service, its labels and the functions that record it.

Labels take values from small closed sets (HTTP method, route template, status code, feed
outcome, table): a scrape stays the same size however many URLs, feeds or users there are.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from prometheus_client import Counter, Histogram, disable_created_metrics

NAMESPACE = "watchfloor"
# No `_created` series beside each counter and histogram: half the samples, nothing lost
# that Prometheus uses (it detects counter resets by itself).
disable_created_metrics()

# --- HTTP ---------------------------------------------------------------------------------------
HTTP_REQUESTS = Counter(
    "http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    namespace=NAMESPACE,
)
HTTP_LATENCY = Histogram(
    "http_request_duration_seconds",
    "Time to answer an HTTP request (until the last body byte is sent), by route template.",
    ["method", "route"],
    namespace=NAMESPACE,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)

# --- collection ---------------------------------------------------------------------------------
FEED_FETCHES = Counter(
    "feed_fetches",
    "Feed fetches, by outcome: ok (new content), not_modified (HTTP 304), unchanged (same "
    "body) or error.",
    ["outcome"],
    namespace=NAMESPACE,
)
FEED_OUTCOMES = ("ok", "not_modified", "unchanged", "error")
ARTICLES_WRITTEN = Counter(
    "articles_written",
    "Articles stored by collection passes: new ones and updated ones.",
    ["change"],
    namespace=NAMESPACE,
)
COLLECTION_PASS_DURATION = Histogram(
    "collection_pass_duration_seconds",
    "Duration of one collection pass (claim, fetch, parse, store, hand over to extraction).",
    namespace=NAMESPACE,
    buckets=(0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800),
)

# --- extraction ---------------------------------------------------------------------------------
ARTICLES_EXTRACTED = Counter(
    "articles_extracted",
    "Articles run through extraction by the collector (rate(): the extraction rate).",
    namespace=NAMESPACE,
)
EXTRACTION_DURATION = Histogram(
    "extraction_duration_seconds",
    "Duration of one hand-over of a batch of articles to extraction.",
    namespace=NAMESPACE,
    buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300),
)
EVENTS_WRITTEN = Counter(
    "events_written",
    "Event rows written to the database by this process: created or updated (counted at the "
    "database boundary, whoever writes: collection, `extract --rebuild`).",
    ["change"],
    namespace=NAMESPACE,
)

# --- push (recorded by app/notify/delivery.py as each attempt is stored) ----------------------
WEBHOOK_DELIVERIES = Counter(
    "webhook_deliveries",
    "Webhook deliveries attempted, by outcome (delivered, failed, gave_up).",
    ["outcome"],
    namespace=NAMESPACE,
)


def _zero_known_series() -> None:
    """Known label values start at 0, so a rate over them exists before the first event."""
    for outcome in FEED_OUTCOMES:
        FEED_FETCHES.labels(outcome=outcome)
    for change in ("new", "updated"):
        ARTICLES_WRITTEN.labels(change=change)
    for change in ("created", "updated"):
        EVENTS_WRITTEN.labels(change=change)


_zero_known_series()


def record_feed_fetch(outcome: str) -> None:
    FEED_FETCHES.labels(outcome=outcome if outcome in FEED_OUTCOMES else "error").inc()


def record_pass(seconds: float, new_articles: int, updated_articles: int) -> None:
    COLLECTION_PASS_DURATION.observe(max(0.0, seconds))
    ARTICLES_WRITTEN.labels(change="new").inc(new_articles)
    ARTICLES_WRITTEN.labels(change="updated").inc(updated_articles)


def record_extraction(articles: int, seconds: float) -> None:
    ARTICLES_EXTRACTED.inc(articles)
    EXTRACTION_DURATION.observe(max(0.0, seconds))


# --- rows written, at the database boundary -----------------------------------------------------
EVENTS_TABLE = "events"


def _count_event_rows(
    _conn: Any,
    cursor: Any,
    _statement: str,
    parameters: Any,
    context: Any,
    executemany: bool,
) -> None:
    """After each statement: an INSERT or UPDATE of the events table adds its rows."""
    if context is None or not (context.isinsert or context.isupdate):
        return
    table = getattr(getattr(context.compiled, "statement", None), "table", None)
    if getattr(table, "name", None) != EVENTS_TABLE:
        return
    rows = cursor.rowcount
    if rows is None or rows < 0:  # a driver that does not say: one row per parameter set
        rows = len(parameters) if executemany else 1
    EVENTS_WRITTEN.labels(change="created" if context.isinsert else "updated").inc(rows)


def install_row_counters() -> None:
    """Count event rows written by every engine of this process (once per process)."""
    if not sa.event.contains(sa.engine.Engine, "after_cursor_execute", _count_event_rows):
        sa.event.listen(sa.engine.Engine, "after_cursor_execute", _count_event_rows)


install_row_counters()
