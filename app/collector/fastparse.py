"""feedparser-rs as a fast path for well-formed feeds; feedparser stays the reference parser.

feedparser costs about 0.4 ms of CPU per entry, most of a collection pass. feedparser-rs (Rust,
feedparser-compatible API) reads the same documents more than ten times faster, but the two do
not agree on everything, and an entry must get the same identity, dates and text whichever
parser read it (a feed may take either path from one poll to the next). So the fast path takes
only documents on which the two are known to agree, and says "not mine" (None) for the rest,
which go to feedparser with the house bozo policy:

- the body starts with markup (no leading whitespace, which feedparser reports as malformed),
  declares no DOCTYPE anywhere (feedparser's entity handling is the reference), is UTF-8 (the
  charset in the Content-Type, when given, too: feedparser lets the HTTP charset win), is
  well-formed
  XML by expat, as feedparser's strict parser requires (where it is not, feedparser reports
  the feed as malformed and reads it with its loose parser, while feedparser-rs reads on);
- feedparser-rs finds an RSS or Atom feed with entries and no error (JSON Feed is not read by
  feedparser, so it is not read here either);
- every entry's id and link is absolute, with an authority for http(s) (feedparser resolves relative ones against the final
  URL, which feedparser-rs does not know), no entry has both an RSS author and a dc:creator
  (the two pick differently), and no limit of feedparser-rs was reached.

Dates are not taken from feedparser-rs: its raw date strings go through feedparser's own date
parser, so the same string gives the same instant on both paths (they differ on formats such
as "KST" or "May 26, 2026"). `tests/collector/test_fastparse.py` runs both over the same
fixture documents and the benchmark corpus and requires equal results.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from xml.parsers import expat

from feedparser.datetimes import _parse_date as feedparser_date

try:  # an optional accelerator: without it every document goes to feedparser
    import feedparser_rs
except ImportError:  # pragma: no cover - exercised only where the wheel is missing
    feedparser_rs = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

FAST_VERSIONS = frozenset({"rss20", "rss092", "rss091u", "rss091n", "rss090", "rss10", "atom10"})
UTF8_NAMES = frozenset({"utf-8", "utf8", "us-ascii", "ascii"})
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_CHARSET = re.compile(r"charset\s*=\s*\"?([A-Za-z0-9._-]+)", re.IGNORECASE)
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_BOM = b"\xef\xbb\xbf"
# Any "<!" but a comment or CDATA: a DOCTYPE or a stray declaration, wherever it stands.
_DECLARATION = re.compile(rb"<!(?!--|\[CDATA\[)")
# feedparser-rs's own caps, set above anything the collector keeps; reaching one declines.
_MAX_ENTRIES = 10_000
_MAX_CONTENT_BLOCKS = 10


def available() -> bool:
    return feedparser_rs is not None


class FastFeed:
    """The parts of a feedparser result that `parse_feed` reads, from feedparser-rs."""

    __slots__ = ("entries", "feed", "version")

    def __init__(self, version: str, feed: dict[str, Any], entries: list[dict[str, Any]]) -> None:
        self.version = version
        self.feed = feed
        self.entries = entries

    def get(self, key: str, default: Any = None) -> Any:
        return {"version": self.version, "bozo": False}.get(key, default)


def fast_parse(body: bytes, headers: Mapping[str, str]) -> FastFeed | None:
    """The feed read by feedparser-rs, or None when feedparser must read this document."""
    if feedparser_rs is None or not _plain_utf8_markup(body, headers):
        return None
    try:
        # Relative URIs stay relative, so the guard below sees them (feedparser resolves them
        # against the final URL, which feedparser-rs does not know).
        result = feedparser_rs.parse_with_limits(
            body, limits=_limits(), resolve_relative_uris=False
        )
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:
        # A fast-path failure only means "let feedparser read it". BaseException, because a
        # Rust panic reaches Python as pyo3's PanicException, which is not an Exception.
        logger.debug("feedparser-rs failed", extra={"error": repr(exc)[:300]})
        return None
    if result.bozo or result.version not in FAST_VERSIONS or not result.entries:
        return None
    if len(result.entries) >= _MAX_ENTRIES:
        return None
    both_authors = b"<author" in body and b"creator" in body
    entries = []
    for entry in result.entries:
        view = _entry_view(entry, both_authors)
        if view is None:
            return None
        entries.append(view)
    feed = result.feed
    return FastFeed(result.version, {"title": feed.get("title"), "ttl": feed.get("ttl")}, entries)


def _plain_utf8_markup(body: bytes, headers: Mapping[str, str]) -> bool:
    start = body[len(_BOM) :] if body.startswith(_BOM) else body
    if not start.startswith(b"<") or _DECLARATION.search(body):
        return False
    declared = _XML_ENCODING.match(start[:200])
    if declared and declared.group(1).decode("ascii").lower() not in UTF8_NAMES:
        return False
    content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
    charset = _CHARSET.search(content_type)
    if charset and charset.group(1).lower() not in UTF8_NAMES:
        return False
    return _well_formed(body)  # which also rejects bytes that are not valid UTF-8


def _well_formed(body: bytes) -> bool:
    """Well-formed, namespace-correct XML by expat, the parser feedparser uses: where expat
    fails, feedparser falls back to its loose parser and reports the feed as malformed, while
    feedparser-rs often reads on (a stray "]]>", a control character, an unbound prefix).
    Costs a few microseconds an entry: no handlers are set."""
    parser = expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        return False
    return True


def _entry_view(entry: Any, both_authors: bool) -> dict[str, Any] | None:
    """The fields `normalize_entry` reads, as feedparser would give them; None: decline."""
    ident, link = entry.get("id"), entry.get("link")
    if (ident and not _absolute(ident)) or (link and not _absolute(link)):
        return None
    if both_authors and entry.get("dc_creator"):
        return None
    content = entry.get("content") or []
    if len(content) >= _MAX_CONTENT_BLOCKS:
        return None
    return {
        "id": ident,
        "link": link,
        "title": entry.get("title"),
        "summary": entry.get("summary"),
        "content": [{"value": block.value} for block in content],
        "author": entry.get("author"),
        "published_parsed": _date(entry.get("published")),
        "updated_parsed": _date(entry.get("updated") or entry.get("dc_date")),
        "created_parsed": _date(entry.get("created")),
    }


def _absolute(uri: str) -> bool:
    """What feedparser leaves as it is when it resolves against an http(s) base: a URI with a
    scheme, and for http(s) an authority too ("https:/x" is relative to an https base)."""
    scheme = _SCHEME.match(uri.strip())
    if scheme is None:
        return False
    if scheme.group(1).lower() in ("http", "https"):
        return uri.strip()[scheme.end() :].startswith("//")
    return True


def _date(raw: str | None) -> time.struct_time | None:
    return feedparser_date(raw) if raw else None


def _limits() -> Any:
    return feedparser_rs.ParserLimits(
        max_entries=_MAX_ENTRIES, max_content_blocks=_MAX_CONTENT_BLOCKS
    )
