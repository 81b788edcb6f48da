"""The feedparser-rs fast path gives what feedparser gives, or declines: proven on one corpus.

Every document is read by `parse_feed` twice, fast path on and off; the two results must be
equal (entries with their identity keys, dates, text and hashes, feed title, TTL, problems).
The corpus: the benchmark generator's feeds, the demo feeds, the test builders' RSS 2.0 / RSS
1.0 / Atom, hostile documents, and documents written for the known disagreements.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from pathlib import Path

import pytest

from app.collector import fastparse
from app.collector.parse import FeedParseError, ParsedFeed, ParseLimits, parse_feed
from tests.collector.builders import BILLION_LAUGHS, atom, item, rss1, rss2, xxe_document

pytestmark = pytest.mark.skipif(
    not fastparse.available(), reason="feedparser-rs is not installed (an optional accelerator)"
)

ROOT = Path(__file__).resolve().parents[2]
FETCHED_AT = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
FINAL_URL = "https://example.org/feed.xml"
RSS_HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
FAST = ParseLimits(500, 1000, 200_000, fast_feed_parser=True)
SLOW = ParseLimits(500, 1000, 200_000, fast_feed_parser=False)
NS = (
    'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/"'
)


def _rss(items: str, *, head: str = '<?xml version="1.0" encoding="UTF-8"?>') -> bytes:
    return (
        f'{head}<rss version="2.0" {NS}><channel><title>T &amp; Co</title>'
        f"<link>https://example.org/</link><ttl>30</ttl>{items}</channel></rss>"
    ).encode()


DATES = [
    "Tue, 26 May 2026 04:30:00 +0000",
    "Tue, 26 May 2026 13:30:00 +0900",
    "26 May 2026 04:30 GMT",
    "Tue, 26 May 2026 04:30:00 KST",  # feedparser reads it; feedparser-rs does not
    "Tue, 26 May 2026 04:30:00 EST",
    "2026-05-26T04:30:00+09:00",
    "2026-05-26",
    "May 26, 2026",  # feedparser-rs reads it; feedparser does not
    "garbage",
    "Tue, 31 Feb 2026 04:30:00 +0000",
]

# Documents on which the two parsers are known to disagree (the fast path must decline them,
# or repair the difference as it does for dates).
TRICKY = {
    "dates": _rss(
        "".join(
            f"<item><title>a{i}</title><link>https://example.org/{i}</link>"
            f"<pubDate>{when}</pubDate></item>"
            for i, when in enumerate(DATES)
        )
    ),
    "relative guid": _rss(
        "<item><title>r</title><link>https://example.org/r</link><guid>x1</guid></item>"
    ),
    "relative link": _rss("<item><title>r</title><link>/2026/05/x</link></item>"),
    "author and dc:creator": _rss(
        "<item><title>a</title><link>https://example.org/a</link>"
        "<dc:creator>Jane</dc:creator><author>bob@example.org (Bob)</author></item>"
    ),
    "content and scripts": _rss(
        "<item><title><![CDATA[Kim &amp; <b>missiles</b>]]></title>"
        "<link>https://example.org/c</link><guid>urn:c:1</guid>"
        "<description>&lt;p&gt;Teaser &amp;amp; more&lt;/p&gt;</description>"
        "<content:encoded><![CDATA[<p>Body <script>alert(1)</script> text<br/>"
        "&#8217;quoted&#8217; 북한</p>]]></content:encoded></item>"
    ),
    "leading whitespace": b"\n  " + _rss("<item><title>w</title><guid>urn:w</guid></item>"),
    "atom xml:base": (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" '
        b'xml:base="https://example.org/base/"><title>B</title><id>urn:f</id>'
        b'<entry><title>E</title><id>e/1</id><link href="rel/e"/>'
        b"<updated>2026-05-26T00:00:00Z</updated></entry></feed>"
    ),
    "latin-1": (
        '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>Caf\xe9'
        "</title><item><title>Caf\xe9</title><link>https://example.org/c</link></item>"
        "</channel></rss>"
    ).encode("latin-1"),
    "malformed": _rss("<item><title>a & b</title><link>https://example.org/m</link></item>"),
    "unclosed": _rss("<item><title>u</title><link>https://example.org/u</link></item>")[:-16],
    "json feed": b'{"version": "https://jsonfeed.org/version/1.1", "title": "J", "items": '
    b'[{"id": "urn:j", "content_text": "x", "url": "https://example.org/j"}]}',
    "html page": b"<!DOCTYPE html><html><body><p>not a feed</p></body></html>",
    "billion laughs": BILLION_LAUGHS,
    "xxe": xxe_document("file:///etc/passwd"),
}


def _corpus() -> dict[str, bytes]:
    sys.path.insert(0, str(ROOT / "scripts"))
    import feed_corpus

    docs = {f"corpus {i}": body for i, body in enumerate(feed_corpus.generate_corpus(12, 20))}
    for path in sorted((ROOT / "app/collector/demo").glob("*.xml")):
        docs[f"demo {path.name}"] = path.read_bytes()
    items = [item(n) for n in range(1, 6)]
    docs |= {
        "builders rss2": rss2(items),
        "builders rss1": rss1(items),
        "builders atom": atom(items),
    }
    return docs | TRICKY


CORPUS = _corpus()


def _read(body: bytes, limits: ParseLimits) -> ParsedFeed | str:
    try:
        return parse_feed(
            body, headers=RSS_HEADERS, final_url=FINAL_URL, fetched_at=FETCHED_AT, settings=limits
        )
    except FeedParseError as exc:
        return f"{exc.kind}: {exc}"


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_fast_path_reads_every_document_as_feedparser_does(name: str) -> None:
    body = CORPUS[name]
    assert _read(body, FAST) == _read(body, SLOW)


def test_fast_path_takes_the_well_formed_majority() -> None:
    """Equality above would hold trivially if the fast path never ran: it must take these."""
    ordinary = [n for n in CORPUS if n.startswith(("corpus", "demo", "builders"))]
    taken = [n for n in ordinary if fastparse.fast_parse(CORPUS[n], RSS_HEADERS) is not None]
    assert len(taken) == len(ordinary), sorted(set(ordinary) - set(taken))
    assert fastparse.fast_parse(TRICKY["dates"], RSS_HEADERS) is not None


@pytest.mark.parametrize(
    "name",
    [
        "relative guid",
        "relative link",
        "author and dc:creator",
        "leading whitespace",
        "atom xml:base",
        "latin-1",
        "malformed",
        "unclosed",
        "json feed",
        "html page",
        "billion laughs",
        "xxe",
    ],
)
def test_fast_path_declines_what_the_parsers_read_differently(name: str) -> None:
    assert fastparse.fast_parse(TRICKY[name], RSS_HEADERS) is None


def test_a_non_utf8_charset_in_the_headers_goes_to_feedparser() -> None:
    body = CORPUS["builders rss2"]
    assert fastparse.fast_parse(body, {"Content-Type": "text/xml; charset=windows-1252"}) is None
    assert fastparse.fast_parse(body, {"Content-Type": "text/xml"}) is not None


def test_dates_are_feedparsers_on_the_fast_path() -> None:
    """feedparser-rs alone reads "KST" as nothing and "May 26, 2026" as a date; the fast path
    gives feedparser's instants for both, so an entry's date does not depend on the path."""
    fast = _read(TRICKY["dates"], FAST)
    assert isinstance(fast, ParsedFeed)
    by_title = {e.title: e for e in fast.entries}
    kst, month_day = by_title[f"a{DATES.index('Tue, 26 May 2026 04:30:00 KST')}"], by_title["a7"]
    assert kst.published_at == dt.datetime(2026, 5, 26, 4, 30, tzinfo=dt.UTC)
    assert not kst.published_inferred
    assert month_day.published_inferred and month_day.published_at == FETCHED_AT


def test_the_fast_path_never_treats_bytes_as_a_url() -> None:
    assert fastparse.fast_parse(b"http://127.0.0.1:9/feed.xml", RSS_HEADERS) is None
    assert fastparse.fast_parse(b"/etc/passwd", RSS_HEADERS) is None


# --- damaged documents -------------------------------------------------------------------------
INSERTS = [b"<", b">", b"&", b"<![CDATA[", b"]]>", b'<!DOCTYPE x [<!ENTITY a "b">]>', b"\x00"]
INSERTS += [b"&#0;", b"&#xD800;", b"<item>", b"</item>", b"<dc:creator>"]
IDENTITY = ("guid", "guid_hash", "url", "canonical_url", "title", "author")
DATES_OF = ("published_at", "published_inferred")


def _damaged(rng: random.Random, body: bytes) -> bytes:
    """A document with 1-20 random byte edits: the kind of damage truncation, bad encoders and
    hand-written feeds produce, and more."""
    damaged = bytearray(body)
    for _ in range(rng.randint(1, 20)):
        pos, roll = rng.randrange(len(damaged)), rng.random()
        if roll < 0.4:
            damaged[pos] = rng.randrange(256)
        elif roll < 0.7:
            del damaged[pos : pos + rng.randint(1, 50)]
        else:
            damaged[pos:pos] = rng.choice(INSERTS)
    return bytes(damaged)


def test_damaged_documents_keep_identity_dates_and_problems_on_both_paths() -> None:
    """Thousands of randomly damaged feeds: the fast path declines almost all of them, and on
    those it takes, every entry has the same identity, title, author, dates and problems as
    with feedparser. Only text may differ, where an entry's escaped HTML is itself broken and
    the two HTML repairers recover different words (bounded here)."""
    rng = random.Random(20261206)
    originals = [body for name, body in CORPUS.items() if name.startswith("corpus")]
    taken = text_differs = 0
    for _ in range(2500):
        body = _damaged(rng, rng.choice(originals))
        if fastparse.fast_parse(body, RSS_HEADERS) is None:
            continue
        taken += 1
        fast, slow = _read(body, FAST), _read(body, SLOW)
        assert isinstance(fast, ParsedFeed) and isinstance(slow, ParsedFeed)
        assert fast.problems == slow.problems and fast.title == slow.title
        assert len(fast.entries) == len(slow.entries)
        for mine, theirs in zip(fast.entries, slow.entries, strict=True):
            for name in IDENTITY + DATES_OF:
                assert getattr(mine, name) == getattr(theirs, name), name
        text_differs += fast != slow
    assert taken >= 50  # the property above was really exercised
    assert text_differs <= taken * 0.15, (text_differs, taken)
