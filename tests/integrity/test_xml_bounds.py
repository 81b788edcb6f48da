"""Defects 2 and 3 of issue 17: no entity declaration reaches a parser, and a parse is bounded.

An internal DTD subset that declares any entity is refused by a parser-grade scan (expat),
wherever the declaration stands in the subset. Entries are counted while the document is read
(a feed over the bound is an error of that feed), and parsing runs under a CPU-time and a
memory budget in every mode, in the fetch thread (SQLite, `parse_workers = 0`) as in a parse
process.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlalchemy.engine import Engine

from app.collector.parse import FeedParseError, ParseLimits, parse_feed
from app.collector.xmlguard import BudgetExceeded, bounded, scan_document
from app.core.config import Settings
from tests.collector.builders import item, rss2
from tests.collector.conftest import add_feeds, articles, collect, feed_row, runs
from tests.support.feedserver import FeedServer, Reply

NOW = dt.datetime(2026, 5, 26, tzinfo=dt.UTC)
LIMITS = ParseLimits(500, 1000, 200_000)


def markup_first_bomb(levels: int = 5, padding: int = 0) -> bytes:
    """The defect's document: an entity holding markup first, which stopped both prefix scans,
    then nested entities (10**levels copies of "lol"), then padding."""
    nested = "\n".join(
        f' <!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, levels + 1)
    )
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n <!ENTITY a "<b>y</b>">\n'
        ' <!ENTITY l0 "lol">\n'
        f"{nested}\n]>\n"
        '<rss version="2.0"><channel><title>t</title>'
        f"<item><title>x</title><link>https://example.org/bomb</link>"
        f"<description>&l{levels};</description></item>"
        f"<!-- {'p' * padding} --></channel></rss>"
    ).encode()


def _utf16(document: bytes) -> bytes:
    return (
        document.decode()
        .replace('version="1.0"?>', 'version="1.0" encoding="UTF-16"?>')
        .encode("utf-16")
    )


@pytest.mark.parametrize(
    "document",
    [
        markup_first_bomb(),
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ELEMENT rss ANY><!ENTITY x "plain">]><rss/>',
        b'<!DOCTYPE rss [<!-- <b> --><!ENTITY % p "x">]><rss version="2.0"/>',
        b"<!DOCTYPE rss [<!ATTLIST rss a CDATA '<b'><!ENTITY x SYSTEM 'file:///etc/passwd'>]><rss/>",
        _utf16(markup_first_bomb()),
        b'<?xml version="1.0" encoding="EUC-KR"?><!DOCTYPE r [<!ENTITY a "<i>">]><rss/>',
        b'\n  <!DOCTYPE rss [<!ENTITY a "<b>y</b>">]><rss/>',  # expat refuses the prolog
    ],
    ids=["markup-first", "plain", "parameter", "after-attlist", "utf16", "euc-kr", "junk-prolog"],
)
def test_any_entity_declaration_is_refused(document: bytes) -> None:
    with pytest.raises(FeedParseError) as refused:
        parse_feed(document, headers={}, final_url=None, fetched_at=NOW, settings=LIMITS)
    assert refused.value.kind == "unsafe_xml"


@pytest.mark.parametrize(
    "document",
    [
        rss2([item(1)]),
        b'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "http://my.netscape.com/rss-0.91.dtd">'
        + rss2([item(1)]).split(b"?>", 1)[1],
        rss2([item(1, summary="")]).replace(
            b"<description></description>",
            b"<description><![CDATA[how to write <!ENTITY x 'y'> in XML]]></description>",
        ),
    ],
    ids=["no-doctype", "external-dtd-only", "entity-in-cdata"],
)
def test_documents_without_entity_declarations_pass(document: bytes) -> None:
    scan_document(document, max_entries=10)
    parsed = parse_feed(document, headers={}, final_url=None, fetched_at=NOW, settings=LIMITS)
    assert len(parsed.entries) == 1


def test_markup_first_bomb_is_an_error_of_that_feed(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/bomb"] = Reply(200, markup_first_bomb(levels=5, padding=10_000))
    feed_server.routes["/ok"] = Reply(200, rss2([item(1)]))
    bomb_id, ok_id = add_feeds(db, [feed_server.url("/bomb"), feed_server.url("/ok")])
    collect(settings, db)
    [run] = runs(db, bomb_id)
    assert run.outcome == "error" and run.error.startswith("unsafe_xml"), run.error
    assert feed_row(db, ok_id).error_count == 0
    assert not any("lollol" in (a.text or "") + a.title for a in articles(db))


def _tiny_items(count: int) -> bytes:
    items = "".join(f"<item><title>{n}</title><guid>g{n}</guid></item>" for n in range(count))
    return f'<rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()


def test_entries_are_bounded_while_the_document_is_read() -> None:
    limits = ParseLimits(500, 1000, 200_000, max_parsed_entries=2000)
    body = _tiny_items(120_000)
    started = time.process_time()
    with pytest.raises(FeedParseError) as refused:
        parse_feed(body, headers={}, final_url=None, fetched_at=NOW, settings=limits)
    assert refused.value.kind == "too_many_entries"
    assert time.process_time() - started < 3  # the parse stopped at the bound, not at the end
    # Malformed documents (read by feedparser's loose parser) are bounded too.
    broken = body.replace(b"<title>7</title>", b"<title>7 & 8</title>")
    with pytest.raises(FeedParseError) as refused:
        parse_feed(broken, headers={}, final_url=None, fetched_at=NOW, settings=limits)
    assert refused.value.kind == "too_many_entries"


def test_a_feed_over_the_entry_bound_is_an_error_of_that_feed(
    db: Engine, settings: Settings, feed_server: FeedServer
) -> None:
    feed_server.routes["/many"] = Reply(200, _tiny_items(20_000))
    [many] = add_feeds(db, [feed_server.url("/many")])
    collect(settings.model_copy(update={"parse_max_entries": 1000}), db)
    [run] = runs(db, many)
    assert run.outcome == "error" and run.error.startswith("too_many_entries"), run.error
    assert articles(db) == []


def _spin() -> None:
    while True:
        sum(range(1000))


def _hoard() -> list[bytes]:
    hoard = []
    while True:
        hoard.append(b"x" * 1_000_000)


def test_cpu_budget_stops_a_parse_in_this_thread() -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as stopped:
        bounded(_spin, cpu_seconds=0.5, memory_mb=512)
    assert stopped.value.kind == "too_slow"
    assert time.monotonic() - started < 3


def test_memory_budget_stops_a_parse_in_this_thread() -> None:
    with pytest.raises(BudgetExceeded) as stopped:
        bounded(_hoard, cpu_seconds=30, memory_mb=64)
    assert stopped.value.kind == "too_large"


def test_a_bounded_call_returns_its_value_and_leaves_nothing_pending() -> None:
    assert bounded(lambda: 42, cpu_seconds=5, memory_mb=64) == 42
    time.sleep(0.2)  # a late watchdog must not raise into this thread afterwards
    assert sum(range(10)) == 45
