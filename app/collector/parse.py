"""Bytes to normalised entries with feedparser, under the house bozo policy.

Well-formed UTF-8 RSS and Atom take a faster, equivalent path (app/collector/fastparse.py).

feedparser 6 already drops unsafe ENTITY declarations (its `replace_doctype` keeps only plain,
reference-free values) and never loads external entities; on top of that, a document whose
DOCTYPE declares entities that reference other entities or external resources is refused
before parsing, so an entity-expansion bomb or an XXE probe never reaches any XML parser.
"""

from __future__ import annotations

import codecs
import datetime as dt
import io
import logging
import re
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
from app.core.config import Settings

logger = logging.getLogger(__name__)

# Bozo exceptions that only mean "decoded differently than declared" (lemon24/reader's policy).
HARMLESS_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
PROLOG_SCAN_BYTES = 64 * 1024
GUID_MAX = 2000
URL_MAX = 2000
AUTHOR_MAX = 500


class FeedParseError(Exception):
    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __reduce__(self) -> tuple[type[FeedParseError], tuple[str, str]]:
        # Raised in a parse process and re-raised here: pickle must rebuild it with its kind.
        return type(self), (self.kind, str(self))


@dataclass(frozen=True)
class ParseLimits:
    """The settings parsing needs: small and picklable, for parse processes."""

    max_entries_per_feed: int
    max_title_chars: int
    max_text_chars: int
    fast_feed_parser: bool = True

    @classmethod
    def of(cls, settings: Settings | ParseLimits) -> ParseLimits:
        return cls(
            settings.max_entries_per_feed,
            settings.max_title_chars,
            settings.max_text_chars,
            settings.fast_feed_parser,
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


_DOCTYPE_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[(.*?)\]\s*>", re.DOTALL | re.IGNORECASE)
_ENTITY_DECL = re.compile(rb"<!ENTITY\s+(%\s*)?[^\s>]+\s+(.*?)>", re.DOTALL)
_UNSAFE_ENTITY_VALUE = re.compile(rb"^(?:SYSTEM|PUBLIC)\b|&|%", re.IGNORECASE)


def refuse_dangerous_dtd(body: bytes) -> None:
    """Refuse DOCTYPEs whose entities expand other entities or point outside the document."""
    head = _prolog_bytes(body)
    if b"<!ENTITY" not in head.upper():
        return
    for subset in _DOCTYPE_SUBSET.findall(head) or [head]:
        for parameter, value in _ENTITY_DECL.findall(subset):
            if parameter or _UNSAFE_ENTITY_VALUE.search(value.strip().strip(b"\"'")):
                raise FeedParseError(
                    "unsafe_xml",
                    "the document's DTD declares external or nested entities "
                    "(XML entity expansion / external entity); refused",
                )
            if len(value) > 1024:
                raise FeedParseError(
                    "unsafe_xml", "the document's DTD declares an oversized entity"
                )


def _prolog_bytes(body: bytes) -> bytes:
    """The part before the root element, transcoded to UTF-8 when the body is UTF-16/32."""
    head = body[: PROLOG_SCAN_BYTES * 4]
    for bom, codec in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            head = head.decode(codec, "ignore").encode("utf-8")
            break
    else:
        if head[:4] in (b"\x00<\x00?", b"<\x00?\x00", b"\x00\x00\x00<", b"<\x00\x00\x00"):
            codec = {b"\x00<": "utf-16-be", b"<\x00": "utf-16-le"}.get(head[:2], "utf-32")
            head = head.decode(codec, "ignore").encode("utf-8")
    root = re.search(rb"<[A-Za-z_]", head)
    return head[: root.start()] if root else head[:PROLOG_SCAN_BYTES]


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
    """Parse and normalise. Raises FeedParseError when the document yields no feed at all."""
    refuse_dangerous_dtd(body)
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
