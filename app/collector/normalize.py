"""Entries to clean, comparable records: canonical URLs, plain text, UTC dates, identity keys.

Domain rules live here as named constants (they describe feeds, not deployments):
tracking parameters, the plausible publication window.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import html
import logging
import re
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

# Query parameters that identify a campaign or a click, never the story.
TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "ref_src",
        "cmpid",
        "spm",
        "ocid",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "piwik_", "matomo_", "hsa_")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Feeds do carry dates in year 1 or 9999; outside this window a date is treated as missing.
EARLIEST_PLAUSIBLE = dt.datetime(1990, 1, 1, tzinfo=dt.UTC)
FUTURE_TOLERANCE = dt.timedelta(days=2)


def canonical_url(url: str | None) -> str | None:
    """Lower-case scheme and host, no default port, no fragment, no tracking parameters."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    query = urlencode(
        [
            (k, v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
            if k.lower() not in TRACKING_PARAMS and not k.lower().startswith(TRACKING_PREFIXES)
        ],
        doseq=True,
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


_DROP_BLOCKS = re.compile(
    r"<(script|style|noscript|template|iframe|object|svg|math|head)\b.*?(?:</\1\s*>|\Z)",
    re.IGNORECASE | re.DOTALL,
)
_COMMENTS = re.compile(r"<!--.*?(?:-->|\Z)|<!\[CDATA\[|\]\]>", re.DOTALL)
_BREAKS = re.compile(
    r"<\s*(?:br|/?p|/?div|/?li|/?h[1-6]|/?tr|/?blockquote|/?section|/?article|/?ul|/?ol|/?pre)\b[^>]*>",
    re.IGNORECASE,
)
_TAGS = re.compile(r"</?[a-zA-Z!?][^>]*(?:>|\Z)")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_NEWLINES = re.compile(r"\s*\n\s*")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def html_to_text(value: str | None) -> str:
    """Plain text from an HTML fragment: scripts and styles dropped, entities decoded."""
    if not value:
        return ""
    if "<" not in value and "&" not in value:
        return clean_text(value)
    text = _COMMENTS.sub(" ", value)
    text = _DROP_BLOCKS.sub(" ", text)
    text = _BREAKS.sub("\n", text)
    text = _TAGS.sub("", text)
    text = html.unescape(text)
    # Text that was escaped twice (&amp;lt;script&amp;gt;) decodes to markup: strip it again.
    if "<" in text and _TAGS.search(text):
        text = _TAGS.sub("", _DROP_BLOCKS.sub(" ", text))
    return clean_text(text)


def clean_text(value: str) -> str:
    text = _CONTROL.sub("", value)
    text = _SPACES.sub(" ", text)
    text = _NEWLINES.sub("\n", text)
    return text.strip()


def cap(value: str, limit: int) -> str:
    if len(value) <= limit:
        return value
    return value[: max(0, limit - 1)].rstrip() + "…"


def struct_to_utc(value: time.struct_time | None) -> dt.datetime | None:
    """feedparser's *_parsed (UTC struct_time) to an aware datetime; None when unusable."""
    if value is None:
        return None
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(value), dt.UTC)
    except (OverflowError, ValueError, OSError, TypeError):
        return None


def published_time(
    entry: Mapping[str, Any], fetched_at: dt.datetime
) -> tuple[dt.datetime, bool, str | None]:
    """(published UTC, inferred?, warning). Missing or absurd dates use the fetch time."""
    raw = None
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        # dict.get: FeedParserDict maps missing keys onto others (with a deprecation warning).
        raw = dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)
        if raw:
            break
    when = struct_to_utc(raw)
    if raw and when is None:
        return fetched_at, True, f"unusable date {tuple(raw)[:6]}; fetch time used"
    if when is None:
        return fetched_at, True, None
    if when < EARLIEST_PLAUSIBLE or when > fetched_at + FUTURE_TOLERANCE:
        return fetched_at, True, f"implausible date {when.isoformat()}; fetch time used"
    return when, False, None


def sha256(*parts: str) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\x1f")
    return digest.hexdigest()


def identity_key(entry: Mapping[str, Any], title: str, text: str) -> str:
    """The stable key of an entry: RSS guid / Atom id, else link, else title + content."""
    guid = clean_text(str(entry.get("id") or entry.get("guid") or ""))
    if guid:
        return guid
    link = clean_text(str(entry.get("link") or ""))
    if link:
        return link
    return "sha256:" + sha256(title, text)
