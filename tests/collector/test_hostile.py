"""Hostile feeds: each gets a bounded, recorded outcome and leaves the other feeds alone."""

from __future__ import annotations

import gzip
import time
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector.parse import run_feedparser
from app.core.config import Settings
from tests.collector.builders import BILLION_LAUGHS, item, rss2, xxe_document
from tests.collector.conftest import (
    add_feeds,
    articles,
    collect,
    collector_settings,
    feed_row,
    runs,
)
from tests.support.feedserver import FeedServer, Reply, serving

# Seconds a step may overrun its deadline when other work shares a 2-core machine: far
# below the hangs these tests guard against (a 30 s silence, a minutes-long drip).
LOADED_MACHINE_MARGIN = 10.0
CAP = 1024 * 1024


@pytest.fixture
def hostile_settings(database_url: str) -> Settings:
    return collector_settings(fetch_max_bytes=CAP, fetch_timeout_seconds=3.0)


def _healthy(server: FeedServer) -> str:
    server.routes["/healthy"] = Reply(200, rss2([item(900, host="healthy.example")]))
    return server.url("/healthy")


def run_hostile(
    db: Engine, settings: Settings, server: FeedServer, reply: Reply | Any, path: str = "/bad"
) -> tuple[Any, Any, float]:
    """One pass over a hostile feed and a healthy one; returns (hostile row, its run, seconds)."""
    server.routes[path] = reply
    bad_id, ok_id = add_feeds(db, [server.url(path), _healthy(server)])
    started = time.monotonic()
    summary = collect(settings, db)
    elapsed = time.monotonic() - started
    healthy = feed_row(db, ok_id)
    assert healthy.error_count == 0 and healthy.last_success_at is not None
    assert any(
        a.canonical_url == "https://healthy.example/2026/05/story-900/" for a in articles(db)
    )
    assert summary.feeds_ok >= 1
    [run] = runs(db, bad_id)
    return feed_row(db, bad_id), run, elapsed


def _assert_failed(row: Any, run: Any, kind: str) -> None:
    assert run.outcome == "error" and run.error.startswith(kind), run.error
    assert row.error_count == 1 and row.last_error.startswith(kind) and row.enabled


def test_server_dripping_one_byte_at_a_time_hits_the_deadline(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    reply = Reply(200, rss2([item(1)]), drip_interval=0.2)  # ~1 KB at 5 B/s: minutes
    row, run, elapsed = run_hostile(db, hostile_settings, feed_server, reply)
    _assert_failed(row, run, "timeout")
    # The drip would take minutes; the margin holds on a loaded 2-core machine.
    assert elapsed < hostile_settings.fetch_timeout_seconds + LOADED_MACHINE_MARGIN
    assert run.duration_ms < (hostile_settings.fetch_timeout_seconds + LOADED_MACHINE_MARGIN) * 1000


def test_server_that_never_answers_hits_the_deadline(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    row, run, elapsed = run_hostile(db, hostile_settings, feed_server, Reply(200, b"x", delay=30))
    _assert_failed(row, run, "timeout")
    assert elapsed < hostile_settings.fetch_timeout_seconds + LOADED_MACHINE_MARGIN  # not 30 s


def test_oversize_body_stops_at_the_cap(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = rss2([item(i, summary="x" * 10_000) for i in range(300)])  # ~3 MB
    row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, body))
    _assert_failed(row, run, "too_large")
    assert str(CAP) in run.error


def test_gzip_bomb_stops_at_the_cap_after_decompression(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    bomb = gzip.compress(b"<rss>" + b"\0" * (200 * CAP), compresslevel=9)  # 200 MiB inflated
    assert len(bomb) < CAP  # small on the wire: only the inflated size can catch it
    reply = Reply(200, bomb, {"Content-Encoding": "gzip"})
    row, run, elapsed = run_hostile(db, hostile_settings, feed_server, reply)
    _assert_failed(row, run, "too_large")
    assert "after decompression" in run.error
    assert elapsed < 6 * LOADED_MACHINE_MARGIN


def test_gzip_body_within_the_cap_is_read(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    reply = Reply(200, gzip.compress(rss2([item(1), item(2)])), {"Content-Encoding": "gzip"})
    feed_server.routes["/gz"] = reply
    add_feeds(db, [feed_server.url("/gz")])
    summary = collect(hostile_settings, db)
    assert summary.feeds_ok == 1 and summary.new_articles == 2
    assert "gzip" in feed_server.seen("/gz")[0].headers["accept-encoding"]


def test_endless_body_stops_at_the_cap(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    reply = Reply(200, b"<item><title>again</title></item>" * 512, endless=True)
    row, run, _ = run_hostile(db, hostile_settings, feed_server, reply)
    _assert_failed(row, run, "too_large")


def test_redirect_loop_is_cut(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    reply = Reply(302, b"", {"Location": "/bad"})
    row, run, _ = run_hostile(db, hostile_settings, feed_server, reply)
    _assert_failed(row, run, "too_many_redirects")
    assert len(feed_server.seen("/bad")) == hostile_settings.fetch_max_redirects + 1


def test_redirect_to_a_refused_address_never_reaches_it(db: Engine, database_url: str) -> None:
    # 127.0.0.0/8 all answers on Linux: allow 127.0.0.2 only, redirect to 127.0.0.3.
    settings = collector_settings(allow_private_feeds="127.0.0.2")
    with serving("127.0.0.2") as allowed, serving("127.0.0.3") as forbidden:
        forbidden.routes["/feed"] = Reply(200, rss2([item(1, host="forbidden.example")]))
        allowed.routes["/moved"] = Reply(301, b"", {"Location": forbidden.url("/feed")})
        allowed.routes["/healthy"] = Reply(200, rss2([item(2, host="allowed.example")]))
        bad, ok = add_feeds(db, [allowed.url("/moved"), allowed.url("/healthy")])
        direct = add_feeds(db, [forbidden.url("/feed")], source="Direct")[0]
        summary = collect(settings, db)
        assert forbidden.requests == []
        assert len(allowed.seen("/moved")) == 1
    assert summary.feeds_ok == 1 and summary.feeds_failed == 2
    for fid in (bad, direct):
        row = feed_row(db, fid)
        assert row.last_error.startswith("blocked_address") and "127.0.0.3" in row.last_error
    assert feed_row(db, ok).error_count == 0
    assert [a.canonical_url for a in articles(db)] == ["https://allowed.example/2026/05/story-2/"]


def test_loopback_is_refused_by_default(db: Engine, feed_server: FeedServer) -> None:
    feed_server.routes["/feed"] = Reply(200, rss2([item(1)]))
    add_feeds(db, [feed_server.url("/feed")], settings=None)
    summary = collect(Settings(allow_private_feeds=""), db)
    assert summary.feeds_failed == 1 and feed_server.requests == []
    assert "loopback" in summary.errors[0]["error"]


def test_malformed_xml_with_entries_stores_them_and_records_the_problem(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = rss2([item(1), item(2)]).replace(b"</channel></rss>", b"<broken>&undefined; </channel>")
    row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, body))
    assert run.outcome == "ok" and run.new_items == 2 and run.error.startswith("malformed")
    assert row.error_count == 0 and row.last_error.startswith("malformed")


def test_malformed_xml_without_entries_is_an_error_of_that_feed(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>&bad; <</rss>'
    row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, body))
    assert run.outcome == "error" and row.error_count == 1
    assert run.error.split(":")[0] in {"parse_error", "not_a_feed"}


def test_a_document_feedparser_raises_on_is_a_parse_error_of_that_feed(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    """feedparser raises (instead of setting bozo) on a reference to a lone surrogate."""
    body = rss2([item(1, title="Lone &#xD800; surrogate")]).replace(b"&amp;#xD800;", b"&#xD800;")
    assert b"&#xD800;" in body
    row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, body))
    assert run.outcome == "error" and run.error.startswith("parse_error"), run.error
    assert row.error_count == 1 and row.enabled


def test_html_page_is_not_a_feed(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = b"<!doctype html><html><head><title>Home</title></head><body><p>Hello</p></body></html>"
    row, run, _ = run_hostile(
        db, hostile_settings, feed_server, Reply(200, body, content_type="text/html")
    )
    _assert_failed(row, run, "not_a_feed")


def test_empty_body_is_an_error(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, b"  \n"))
    _assert_failed(row, run, "empty")


def test_entity_expansion_bomb_is_refused(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    row, run, elapsed = run_hostile(db, hostile_settings, feed_server, Reply(200, BILLION_LAUGHS))
    _assert_failed(row, run, "unsafe_xml")
    assert elapsed < 3 * LOADED_MACHINE_MARGIN  # refused before parsing, never expanded
    assert not any("lollol" in (a.title + (a.text or "")) for a in articles(db))


def test_external_entities_are_refused_and_never_read(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer, tmp_path: Any
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    feed_server.routes["/secret"] = Reply(200, b"REMOTE-SECRET", content_type="text/plain")
    feed_server.routes["/xxe-http"] = Reply(200, xxe_document(feed_server.url("/secret")))
    row, run, _ = run_hostile(
        db, hostile_settings, feed_server, Reply(200, xxe_document(f"file://{secret}"))
    )
    _assert_failed(row, run, "unsafe_xml")
    with db.connect() as conn:
        dumped = " ".join(
            str(v) for r in conn.execute(sa.text("SELECT * FROM articles")) for v in r
        ) + " ".join(str(v) for r in conn.execute(sa.text("SELECT * FROM feeds")) for v in r)
    assert "TOP-SECRET" not in dumped and "REMOTE-SECRET" not in dumped
    assert feed_server.seen("/secret") == []


@pytest.mark.parametrize("document", ["bomb", "xxe-file"])
def test_feedparser_alone_neither_expands_nor_reads(document: str, tmp_path: Any) -> None:
    """Defence in depth: even past our DTD guard, feedparser 6 drops unsafe entities."""
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    body = BILLION_LAUGHS if document == "bomb" else xxe_document(f"file://{secret}")
    started = time.monotonic()
    result = run_feedparser(body, {"content-type": "application/rss+xml"}, "https://example.org/")
    assert time.monotonic() - started < 3 * LOADED_MACHINE_MARGIN
    text = repr(result.entries) + repr(result.feed)
    assert "TOP-SECRET" not in text and "lollollol" not in text
    assert len(text) < 100_000


def test_wrong_and_missing_charsets_are_decoded(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    latin = rss2([item(1, title="Séoul café")]).replace(
        b'encoding="UTF-8"', b'encoding="ISO-8859-1"'
    )
    latin = latin.decode("utf-8").encode("latin-1")
    feed_server.routes["/lie"] = Reply(
        200,
        latin.replace(b'encoding="ISO-8859-1"', b'encoding="UTF-8"'),
        content_type="application/rss+xml; charset=utf-8",
    )
    feed_server.routes["/none"] = Reply(200, latin, content_type="application/xml")
    feed_server.routes["/plain"] = Reply(
        200, rss2([item(3, title="Plain")]), content_type="text/plain"
    )
    ids = add_feeds(db, [feed_server.url(p) for p in ("/lie", "/none", "/plain")])
    summary = collect(hostile_settings, db)
    assert summary.feeds_ok == 3, summary.errors
    titles = sorted(a.title for a in articles(db))
    assert "Plain" in titles and titles.count("Séoul café") == 1  # same story: one article
    assert all(feed_row(db, i).error_count == 0 for i in ids)


def test_two_megabyte_title_is_capped(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = rss2([item(1, title="T" * 2_000_000)])
    _row, run, _ = run_hostile(
        db,
        hostile_settings.model_copy(update={"fetch_max_bytes": 4 * CAP}),
        feed_server,
        Reply(200, body),
    )
    assert run.outcome == "ok"
    [story] = [a for a in articles(db) if "story-1/" in (a.canonical_url or "")]
    assert len(story.title) <= hostile_settings.max_title_chars


def test_thousands_of_entries_are_capped_per_feed(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    body = rss2([item(i) for i in range(3000)])
    settings = hostile_settings.model_copy(update={"max_entries_per_feed": 200})
    _row, run, elapsed = run_hostile(db, settings, feed_server, Reply(200, body))
    assert run.outcome == "ok" and run.new_items == 200
    assert "3000 entries" in run.error
    assert elapsed < 60


def test_absurd_dates_fall_back_to_fetch_time(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    entries = [
        item(1, published="Mon, 01 Jan 0001 00:00:00 GMT"),
        item(2, published="Fri, 31 Dec 9999 23:59:59 GMT"),
        item(3, published=None),
        item(4, published="not a date"),
        item(5),
    ]
    _row, run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, rss2(entries)))
    assert run.outcome == "ok" and run.new_items == 5
    by_title = {a.title: a for a in articles(db)}
    for n in (1, 2, 3, 4):
        story = by_title[f"North Korea story {n}"]
        assert story.published_inferred
        assert abs((story.published_at - story.fetched_at).total_seconds()) < 5
    assert not by_title["North Korea story 5"].published_inferred


def test_scripts_and_markup_never_reach_the_stored_text(
    db: Engine, hostile_settings: Settings, feed_server: FeedServer
) -> None:
    summary = (
        "<p>Launch &amp; detected.</p><script>alert('x')</script><style>p{color:red}</style>"
        '<img src=x onerror="alert(1)"><a href="javascript:alert(2)">link</a>'
        "&lt;script&gt;alert(3)&lt;/script&gt;"
    )
    entries = [item(1, summary=summary, title="<b>Bold</b> &amp;amp; title\x00")]
    _row, _run, _ = run_hostile(db, hostile_settings, feed_server, Reply(200, rss2(entries)))
    [story] = [a for a in articles(db) if "story-1/" in (a.canonical_url or "")]
    for field in (story.title, story.summary, story.text):
        assert "alert" not in field and "<" not in field and "\x00" not in field
    assert story.summary.startswith("Launch & detected.") and "link" in story.summary
    assert story.title.startswith("Bold")
