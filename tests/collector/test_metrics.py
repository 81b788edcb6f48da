"""A real collection pass (loopback feed server, PostgreSQL, real extraction) moves the
collection, extraction and event counters of /metrics by what it did."""

from __future__ import annotations

import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine

from app.core.config import Settings
from app.runtime import extractor_for
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, collect, make_due
from tests.support.feedserver import FeedServer, Reply

LAUNCH = {
    "title": "North Korea fires ballistic missile into the East Sea, JCS says",
    "summary": "North Korea fired a short-range ballistic missile from near Pyongyang into the "
    "East Sea on Tuesday morning, South Korea's Joint Chiefs of Staff said.",
}


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def counters() -> dict[str, float]:
    return {
        "ok": sample("watchfloor_feed_fetches_total", outcome="ok"),
        "unchanged": sample("watchfloor_feed_fetches_total", outcome="unchanged"),
        "error": sample("watchfloor_feed_fetches_total", outcome="error"),
        "new": sample("watchfloor_articles_written_total", change="new"),
        "extracted": sample("watchfloor_articles_extracted_total"),
        "events": sample("watchfloor_events_written_total", change="created"),
        "passes": sample("watchfloor_collection_pass_duration_seconds_count"),
    }


def event_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text("SELECT count(*) FROM events")).scalar_one())


def test_a_pass_counts_fetches_articles_extraction_and_events(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1, **LAUNCH), item(2)]))
    feed_server.routes["/broken"] = Reply(500, b"down")
    add_feeds(db, [feed_server.url("/feed"), feed_server.url("/broken")])
    before = counters()

    summary = collect(settings, db, extractor=extractor_for())
    after = counters()
    assert summary.new_articles == 2
    assert after["ok"] - before["ok"] == 1
    assert after["error"] - before["error"] == 1
    assert after["new"] - before["new"] == 2
    assert after["extracted"] - before["extracted"] == summary.extracted_articles == 2
    assert after["passes"] - before["passes"] == 1
    created = event_rows(db)
    assert created >= 1, "the launch report should give an event"
    assert after["events"] - before["events"] == created

    make_due(db)
    collect(settings, db, extractor=extractor_for())
    again = counters()
    assert again["unchanged"] - after["unchanged"] == 1  # same body: nothing new written
    assert again["new"] == after["new"]
    assert again["events"] == after["events"]
