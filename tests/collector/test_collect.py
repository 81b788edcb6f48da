"""Collection over real HTTP (a loopback server) into real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import email.utils

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector.pipeline import Collector
from app.core.config import Settings
from tests.collector.builders import atom, item, rss1, rss2
from tests.collector.conftest import (
    Recorder,
    add_feeds,
    articles,
    collect,
    feed_row,
    make_due,
    runs,
)
from tests.support.feedserver import FeedServer, Reply, conditional


def test_conditional_get_sends_validators_and_304_costs_no_parsing(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    body = rss2([item(i) for i in range(3)])
    feed_server.routes["/feed"] = conditional(body, '"v1"', "Tue, 26 May 2026 04:00:00 GMT")
    [fid] = add_feeds(db, [feed_server.url("/feed")])
    first = collect(settings, db)
    assert first.feeds_ok == 1 and first.new_articles == 3
    make_due(db)
    second = collect(settings, db)
    request = feed_server.seen("/feed")[-1]
    assert request.headers["if-none-match"] == '"v1"'
    assert request.headers["if-modified-since"] == "Tue, 26 May 2026 04:00:00 GMT"
    assert request.headers["user-agent"].startswith("Watchfloor/")
    assert "application/rss+xml" in request.headers["accept"]
    assert second.feeds_not_modified == 1 and second.new_articles == 0
    assert [r.outcome for r in runs(db, fid)] == ["ok", "not_modified"]
    assert runs(db, fid)[-1].http_status == 304
    row = feed_row(db, fid)
    assert (
        row.etag == '"v1"' and row.error_count == 0 and row.next_check_at > dt.datetime.now(dt.UTC)
    )


def test_same_body_without_validators_is_unchanged(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    [fid] = add_feeds(db, [feed_server.url("/feed")])
    collect(settings, db)
    make_due(db)
    summary = collect(settings, db)
    assert summary.feeds_unchanged == 1 and summary.new_articles == 0
    assert [r.outcome for r in runs(db, fid)] == ["ok", "unchanged"]
    assert len(articles(db)) == 2


def test_failures_back_off_then_recovery_resets_the_counter(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(500, b"oops", content_type="text/plain")
    [fid] = add_feeds(db, [feed_server.url("/feed")])
    delays = []
    for expected_errors in (1, 2, 3):
        make_due(db)
        before = dt.datetime.now(dt.UTC)
        summary = collect(settings, db)
        row = feed_row(db, fid)
        assert summary.feeds_failed == 1
        assert row.error_count == expected_errors
        assert row.enabled and "HTTP 500" in row.last_error
        delays.append((row.next_check_at - before).total_seconds())
    interval = feed_row(db, fid).poll_interval_seconds
    # interval x 2^(n-1) with +-10 % jitter
    for n, delay in enumerate(delays, start=1):
        assert 0.89 * interval * 2 ** (n - 1) <= delay <= 1.11 * interval * 2 ** (n - 1) + 5
    feed_server.routes["/feed"] = Reply(200, rss2([item(1)]))
    make_due(db)
    summary = collect(settings, db)
    row = feed_row(db, fid)
    assert summary.feeds_ok == 1 and row.error_count == 0 and row.last_success_at is not None
    assert [r.outcome for r in runs(db, fid)] == ["error", "error", "error", "ok"]


def test_backoff_is_capped(db: Engine, feed_server: FeedServer) -> None:
    settings = Settings(allow_private_feeds="127.0.0.1", poll_backoff_max_seconds=3600)
    feed_server.routes["/feed"] = Reply(503, b"down", content_type="text/plain")
    [fid] = add_feeds(db, [feed_server.url("/feed")])
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE feeds SET error_count = 20"))
    make_due(db)
    before = dt.datetime.now(dt.UTC)
    collect(settings, db)
    assert (feed_row(db, fid).next_check_at - before).total_seconds() <= 3600 + 2


def test_410_disables_the_feed_and_other_errors_never_do(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/gone"] = Reply(410, b"gone", content_type="text/plain")
    feed_server.routes["/missing"] = Reply(404, b"nope", content_type="text/plain")
    gone, missing = add_feeds(db, [feed_server.url("/gone"), feed_server.url("/missing")])
    summary = collect(settings, db)
    assert summary.feeds_failed == 2 and summary.feeds_disabled == 1
    gone_row, missing_row = feed_row(db, gone), feed_row(db, missing)
    assert not gone_row.enabled and "410" in gone_row.disabled_reason
    assert missing_row.enabled and missing_row.disabled_reason is None
    make_due(db)
    collect(settings, db)
    assert len(feed_server.seen("/gone")) == 1  # a disabled feed is not fetched again
    assert len(feed_server.seen("/missing")) == 2


def test_429_retry_after_is_a_floor(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/seconds"] = Reply(429, b"slow down", {"Retry-After": "90000"})
    later = email.utils.format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=20), True)
    feed_server.routes["/date"] = Reply(503, b"busy", {"Retry-After": later})
    by_seconds, by_date = add_feeds(db, [feed_server.url("/seconds"), feed_server.url("/date")])
    before = dt.datetime.now(dt.UTC)
    collect(settings, db)
    seconds_row, date_row = feed_row(db, by_seconds), feed_row(db, by_date)
    # 90000 s exceeds the 24 h back-off cap: the cap wins.
    assert (seconds_row.next_check_at - before).total_seconds() == pytest_approx(86400, 5)
    assert (date_row.next_check_at - before).total_seconds() >= 20 * 3600 - 5
    assert "Retry-After" in seconds_row.last_error


def pytest_approx(value: float, tolerance: float) -> object:
    import pytest

    return pytest.approx(value, abs=tolerance)


def test_atom_rss1_and_rss2_are_all_read(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/atom"] = Reply(
        200, atom([item(1, host="a.example")]), content_type="application/atom+xml"
    )
    feed_server.routes["/rdf"] = Reply(
        200, rss1([item(2, host="b.example")]), content_type="application/rdf+xml"
    )
    feed_server.routes["/rss"] = Reply(200, rss2([item(3, host="c.example")]))
    add_feeds(db, [feed_server.url(p) for p in ("/atom", "/rdf", "/rss")])
    summary = collect(settings, db)
    rows = articles(db)
    assert summary.feeds_ok == 3 and len(rows) == 3
    by_host = {r.canonical_url.split("/")[2]: r for r in rows}
    assert set(by_host) == {"a.example", "b.example", "c.example"}
    for n, host in ((1, "a.example"), (2, "b.example"), (3, "c.example")):
        row = by_host[host]
        assert row.title == f"North Korea story {n}"
        assert row.published_at == item(n)["published"] and not row.published_inferred


def test_duplicate_guids_within_and_across_feeds(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    same_guid = [item(i, guid="https://example.org/?p=same") for i in range(3)]
    feed_server.routes["/reuse"] = Reply(200, rss2(same_guid))
    # The same two stories in a second feed of the same source: one article each.
    feed_server.routes["/mirror"] = Reply(200, rss2([item(10), item(11)]))
    feed_server.routes["/copy"] = Reply(200, rss2([item(10), item(11)]))
    add_feeds(db, [feed_server.url(p) for p in ("/reuse", "/mirror", "/copy")])
    summary = collect(settings, db)
    rows = articles(db)
    assert summary.feeds_ok == 3
    assert len(rows) == 5 and summary.new_articles == 5
    assert len({r.guid_hash for r in rows}) == 5
    reused = [r for r in rows if r.guid.startswith("https://example.org/?p=same")]
    assert len(reused) == 3 and reused[0].guid != reused[1].guid


def test_one_canonical_url_across_two_sources_is_two_articles_of_one_story(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    story = item(
        1, link="https://www.example.org/2026/05/story/?utm_source=rss&utm_medium=feed#top"
    )
    variant = item(
        1,
        guid="urn:other:guid",
        link="HTTPS://WWW.EXAMPLE.ORG:443/2026/05/story/?fbclid=abc",
    )
    feed_server.routes["/one"] = Reply(200, rss2([story]))
    feed_server.routes["/two"] = Reply(200, rss2([variant]))
    add_feeds(db, [feed_server.url("/one")], source="Source One")
    add_feeds(db, [feed_server.url("/two")], source="Source Two")
    summary = collect(settings, db)
    rows = articles(db)
    # Only a source changes its own articles (issue 17): each source keeps its copy, linked
    # to the other by the canonical URL both normalise to.
    assert summary.feeds_ok == 2 and summary.new_articles == 2 and len(rows) == 2
    assert {r.canonical_url for r in rows} == {"https://www.example.org/2026/05/story/"}
    assert len({r.source_id for r in rows}) == 2


def test_changed_text_updates_the_article_and_queues_it_for_extraction(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    add_feeds(db, [feed_server.url("/feed")])
    recorder = Recorder()
    collect(settings, db, extractor=recorder)
    first_ids = sorted(r.id for r in articles(db))
    assert sorted(recorder.calls[0]) == first_ids  # new articles handed over in the same pass
    assert recorder.calls[-1] is None  # then the catch-up call
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE articles SET extracted_at = now()"))
    published_before = {r.id: r.published_at for r in articles(db)}
    changed = item(
        1, summary="A corrected teaser.", published=dt.datetime(2026, 5, 1, tzinfo=dt.UTC)
    )
    feed_server.routes["/feed"] = Reply(200, rss2([changed, item(2)]))
    make_due(db)
    recorder.calls.clear()
    summary = collect(settings, db, extractor=recorder)
    rows = {r.id: r for r in articles(db)}
    updated = [r for r in rows.values() if r.summary == "A corrected teaser."]
    assert summary.updated_articles == 1 and summary.new_articles == 0 and len(rows) == 2
    assert recorder.calls[0] == [updated[0].id]
    assert updated[0].extracted_at is None
    assert updated[0].published_at == published_before[updated[0].id]  # never overwritten
    assert updated[0].updated_at > updated[0].fetched_at
    assert all(r.extracted_at is not None for r in rows.values() if r.id != updated[0].id)


def test_extraction_failure_loses_nothing(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    def broken(session: object, *, article_ids: object = None, limit: object = None) -> int:
        raise RuntimeError("extractor crashed")

    feed_server.routes["/feed"] = Reply(200, rss2([item(1), item(2)]))
    add_feeds(db, [feed_server.url("/feed")])
    summary = collect(settings, db, extractor=broken)
    rows = articles(db)
    assert summary.feeds_ok == 1 and len(rows) == 2
    assert all(r.extracted_at is None for r in rows)


def test_missing_extraction_package_is_skipped(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1)]))
    add_feeds(db, [feed_server.url("/feed")])
    with Collector(settings, engine=db) as collector:  # default: looked up lazily
        summary = collector.run_pass()
    assert summary.feeds_ok == 1 and summary.new_articles == 1


def test_entry_frequency_sets_the_next_check(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    now = dt.datetime.now(dt.UTC)
    busy = [item(i, published=now - dt.timedelta(hours=i)) for i in range(100)]
    feed_server.routes["/busy"] = Reply(200, rss2(busy))
    feed_server.routes["/quiet"] = Reply(
        200, rss2([item(1, host="q.example", published=now - dt.timedelta(days=30))])
    )
    feed_server.routes["/ttl"] = Reply(
        200,
        rss2([item(1, host="t.example", published=now)], extra="<ttl>300</ttl>"),
        {"Cache-Control": "max-age=60"},
    )
    busy_id, quiet_id = add_feeds(db, [feed_server.url("/busy"), feed_server.url("/quiet")])
    [ttl_id] = add_feeds(db, [feed_server.url("/ttl")], source="Other")
    collect(settings, db)
    # A week / 100 entries = 6048 s, inside [min, max].
    assert feed_row(db, busy_id).poll_interval_seconds == 7 * 24 * 3600 // 100
    assert feed_row(db, quiet_id).poll_interval_seconds == settings.poll_interval_max_seconds
    ttl = feed_row(db, ttl_id)
    # ttl 300 min = 5 h beats the entry-frequency interval.
    assert (ttl.next_check_at - ttl.last_success_at).total_seconds() >= 5 * 3600 - 1
