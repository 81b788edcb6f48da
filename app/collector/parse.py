"""Bytes to normalised entries with feedparser, under the house bozo policy.

Well-formed UTF-8 RSS and Atom take a faster, equivalent path (app/collector/fastparse.py).

Before either parser reads a document, `app.collector.xmlguard.scan_document` refuses any
internal DTD subset that declares entities (an expat pass, not a prefix scan) and counts entries
as it reads, so neither an entity-expansion bomb, an XXE probe nor a flood of entries reaches
feedparser; the whole parse runs under a CPU-time and a memory budget (`xmlguard.bounded`) in
the fetch thread as in a parse process. feedparser 6 also drops unsafe entities and never loads
external ones: a second line, no longer the first.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import feedparser

from app.collector.fastparse import fast_parse
from app.collector.normalize import (
    canonical_url,
    cap,
    clean_text,
    html_to_text,
    identity_key,
    published_time,
    sha256,
)
from app.collector.xmlguard import BudgetExceeded, FeedParseError, bounded, scan_document
from app.core.config import Settings

logger = logging.getLogger(__name__)

# Bozo exceptions that only mean "decoded differently than declared" (lemon24/reader's policy).
HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
GUID_MAX = 2000
URL_MAX = 2000
AUTHOR_MAX = 500


@dataclass(frozen=True)
class ParseLimits:
    """The settings parsing needs: small and picklable, for parse processes."""

    max_entries_per_feed: int
    max_title_chars: int
    max_text_chars: int
    fast_feed_parser: bool = True
    max_parsed_entries: int = 5000  # more in one document: the feed is refused
    max_cpu_seconds: float = 10.0
    max_memory_mb: int = 512

    @classmethod
    def of(cls, settings: Settings | ParseLimits) -> ParseLimits:
        if isinstance(settings, ParseLimits):
            return settings
        return cls(
            settings.max_entries_per_feed,
            settings.max_title_chars,
            settings.max_text_chars,
            settings.fast_feed_parser,
            settings.parse_max_entries,
            settings.parse_max_cpu_seconds,
            settings.parse_max_memory_mb,
        )


@dataclass(frozen=True)
class NormalizedEntry:
    guid: str
    guid_hash: str
    url: str | None
    canonical_url: str | None
    title: str
    summary: str | None
    text: str | None
    author: str | None
    published_at: dt.datetime
    published_inferred: bool
    content_hash: str


@dataclass
class ParsedFeed:
    title: str | None
    version: str
    entries: list[NormalizedEntry]
    problems: list[str] = field(default_factory=list)
    ttl_seconds: float | None = None

    @property
    def problem(self) -> str | None:
        return "; ".join(self.problems)[:2000] if self.problems else None


def feedparser_headers(headers: Mapping[str, str], final_url: str | None) -> dict[str, str]:
    """Response headers as feedparser wants them: lower-case, no encoding, final URL as base."""
    out = {k.lower(): v for k, v in headers.items() if k.lower() != "content-encoding"}
    out.pop("content-length", None)
    if final_url:
        out["content-location"] = final_url
    return out


def run_feedparser(
    body: bytes, headers: Mapping[str, str], final_url: str | None
) -> feedparser.FeedParserDict:
    # Bytes in a BytesIO, never a str: a str may be taken as a URL or a path.
    return feedparser.parse(
        io.BytesIO(body),
        response_headers=feedparser_headers(headers, final_url),
    )


def _feedparser_or_error(
    body: bytes, headers: Mapping[str, str], final_url: str | None
) -> feedparser.FeedParserDict:
    try:
        return run_feedparser(body, headers, final_url)
    except (ValueError, LookupError, TypeError) as exc:
        # feedparser raises on a few inputs instead of setting bozo (a character reference to
        # a lone surrogate such as &#xD800; is a UnicodeEncodeError): an error of this feed.
        raise FeedParseError(
            "parse_error", f"feedparser failed: {type(exc).__name__}: {str(exc)[:300]}"
        ) from None


def parse_feed(
    body: bytes,
    *,
    headers: Mapping[str, str],
    final_url: str | None,
    fetched_at: dt.datetime,
    settings: Settings | ParseLimits,
) -> ParsedFeed:
    """Parse and normalise. Raises FeedParseError when the document yields no feed at all, is
    refused by the guard, or exceeds the parse's CPU or memory budget."""
    limits = ParseLimits.of(settings)
    try:
        return bounded(
            lambda: _parse(body, headers, final_url, fetched_at, limits),
            cpu_seconds=limits.max_cpu_seconds,
            memory_mb=limits.max_memory_mb,
        )
    except BudgetExceeded as exc:
        budget = (
            f"{limits.max_cpu_seconds} s of CPU (parse_max_cpu_seconds)"
            if exc.kind == "too_slow"
            else f"{limits.max_memory_mb} MB (parse_max_memory_mb)"
        )
        raise FeedParseError(exc.kind, f"parsing needed more than {budget}") from None


def _parse(
    body: bytes,
    headers: Mapping[str, str],
    final_url: str | None,
    fetched_at: dt.datetime,
    settings: ParseLimits,
) -> ParsedFeed:
    scan_document(body, max_entries=settings.max_parsed_entries)
    fast = fast_parse(body, headers) if settings.fast_feed_parser else None
    result = fast if fast is not None else _feedparser_or_error(body, headers, final_url)
    problems = _bozo_problems(result)
    if not result.get("version") and not result.entries:
        detail = f" ({problems[0]})" if problems else ""
        raise FeedParseError("not_a_feed", f"not an RSS or Atom feed{detail}")
    if not result.entries and problems:
        raise FeedParseError("parse_error", f"malformed feed with no entries: {problems[0]}")
    entries = normalize_entries(result.entries, fetched_at, settings, problems)
    return ParsedFeed(
        title=cap(html_to_text(result.feed.get("title")), 1000) or None,
        version=result.get("version") or "unknown",
        entries=entries,
        problems=problems,
        ttl_seconds=_ttl_seconds(result.feed),
    )


def _bozo_problems(result: feedparser.FeedParserDict) -> list[str]:
    if not result.get("bozo"):
        return []
    exc = result.get("bozo_exception")
    if isinstance(exc, HARMLESS_BOZO):
        logger.debug("feed encoding warning", extra={"warning": str(exc)[:300]})
        return []
    return [f"malformed: {type(exc).__name__}: {str(exc)[:300]}"]


def _ttl_seconds(feed: Mapping[str, Any]) -> float | None:
    ttl = str(feed.get("ttl") or "").strip()
    return float(ttl) * 60 if ttl.isdigit() else None


def normalize_entries(
    raw_entries: list[Any],
    fetched_at: dt.datetime,
    settings: Settings | ParseLimits,
    problems: list[str],
) -> list[NormalizedEntry]:
    if len(raw_entries) > settings.max_entries_per_feed:
        problems.append(
            f"{len(raw_entries)} entries; only the first {settings.max_entries_per_feed} kept"
        )
        raw_entries = raw_entries[: settings.max_entries_per_feed]
    seen: set[str] = set()
    entries: list[NormalizedEntry] = []
    skipped = 0
    for position, raw in enumerate(raw_entries):
        try:
            entry = normalize_entry(raw, fetched_at, settings, seen, position)
        except Exception as exc:  # one bad entry is skipped, not the feed
            skipped += 1
            logger.warning("entry skipped", extra={"position": position, "error": repr(exc)[:300]})
            continue
        entries.append(entry)
    if skipped:
        problems.append(f"{skipped} entries could not be read and were skipped")
    return entries


def normalize_entry(
    raw: Mapping[str, Any],
    fetched_at: dt.datetime,
    settings: Settings | ParseLimits,
    seen: set[str],
    position: int,
) -> NormalizedEntry:
    summary = cap(html_to_text(raw.get("summary")), settings.max_text_chars)
    contents = raw.get("content") or []
    body = "\n\n".join(html_to_text(c.get("value")) for c in contents if c.get("value"))
    text = cap(body, settings.max_text_chars) or summary
    title = html_to_text(raw.get("title")).replace("\n", " ")
    if not title:
        title = (summary or text or "(untitled)").split("\n", 1)[0]
    title = cap(title, min(settings.max_title_chars, 1000))
    link = _safe_link(raw.get("link"))
    key = identity_key(raw, title, text)
    if key in seen:
        # Feeds that reuse one GUID: keep the first, tell later ones apart by URL, then position.
        by_url = f"{key}\n{link}" if link else ""
        key = by_url if by_url and by_url not in seen else f"{key}\n#{position}"
    seen.add(key)
    published, inferred, warning = published_time(raw, fetched_at)
    if warning:
        logger.warning("entry date", extra={"warning": warning, "guid": key[:200]})
    author = clean_text(str(raw.get("author") or ""))[:AUTHOR_MAX] or None
    return NormalizedEntry(
        guid=key[:GUID_MAX],
        guid_hash=sha256(key),
        url=link,
        canonical_url=canonical_url(link),
        title=title,
        summary=summary or None,
        text=text or None,
        author=author,
        published_at=published,
        published_inferred=inferred,
        content_hash=sha256(title, summary, text),
    )


def _safe_link(value: Any) -> str | None:
    link = clean_text(str(value or ""))
    if not link or len(link) > URL_MAX or not link.lower().startswith(("http://", "https://")):
        return None
    return link
