"""Articles from JSON (the `extract` command and `POST /extract`), read as leniently as real
feeds and scripts need.

An item is refused only when it is not a JSON object or carries no text at all (neither title
nor text). Everything else is read as well as it can be, and what was set aside is said in
`warnings`: a missing title (the first sentence stands in), a missing or unreadable `published`
(the event date is then only what the text says), a reduced-precision `published` ("2023-05",
"2023"), an over-long text (cut at the configured limit), a field of the wrong type (ignored).

Fields go by the names this project documents (`title`, `text`, `published`, `url`, `source`);
the names feeds and scrapers commonly use instead (`headline`; `summary`, `description`,
`content`, `body`; `published_at`, `pubDate`, `date`; `link`) are read where the documented
one is absent, with a warning. Besides ISO 8601, `published` may be an RFC 2822 feed date
("Tue, 26 May 2026 04:30:00 GMT") or a written date ("May 26, 2026", "26 May 2026").
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field
from typing import Any

from app.core.config import get_settings
from app.extraction.schemas import ArticleInput

_YEAR_MONTH = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")
# the documented field, then the names feeds and scrapers use for the same thing
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "title": ("headline",),
    "text": ("summary", "description", "content", "body"),
    "published": ("published_at", "pubDate", "pub_date", "date", "datetime"),
    "url": ("link",),
}
_WRITTEN_DATE_FORMATS = ("%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %B %Y", "%d %b %Y")


class InvalidArticle(ValueError):
    """The input is not an article we can read; the message says why."""


@dataclass(frozen=True, slots=True)
class ReadArticle:
    """An article and what was set aside to read it."""

    article: ArticleInput
    warnings: list[str] = field(default_factory=list)


def article_from_json(obj: Any) -> ArticleInput:
    return read_article(obj).article


def read_article(obj: Any) -> ReadArticle:
    if not isinstance(obj, dict):
        raise InvalidArticle("an article must be a JSON object")
    settings = get_settings()
    warnings: list[str] = []
    obj = _with_documented_names(obj, warnings)
    title = _text(obj, "title", settings.max_title_chars, warnings)
    text = _text(obj, "text", settings.max_text_chars, warnings)
    if not title.strip() and not text.strip():
        raise InvalidArticle("the article has no text (title and text are both empty or absent)")
    if not title.strip():
        warnings.append("no title: the first sentence of the text stands in for it")
    identifier = obj.get("id")
    if identifier is not None and not isinstance(identifier, str | int):
        warnings.append("id is neither a string nor an integer: ignored")
        identifier = None
    source = _optional_string(obj, "source", warnings) or ""
    url = _optional_string(obj, "url", warnings)
    published, precision = _published(obj.get("published"), warnings)
    article = ArticleInput(
        id=identifier if identifier is not None else "",
        title=title,
        text=text,
        published=published,
        published_precision=precision,
        source=source[:200],
        url=url,
    )
    return ReadArticle(article, warnings)


def _with_documented_names(obj: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """`obj` with each absent documented field taken from its first present synonym."""
    renamed = dict(obj)
    for name, synonyms in FIELD_SYNONYMS.items():
        if renamed.get(name) not in (None, ""):
            continue
        found = next((s for s in synonyms if obj.get(s) not in (None, "")), None)
        if found is not None:
            renamed[name] = obj[found]
            warnings.append(f"{name} read from {found!r}")
    return renamed


def _written_date(value: str) -> dt.datetime | None:
    """An RFC 2822 feed date or a date written out in English, as UTC; None if neither."""
    text = value.strip()
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        parsed = None
    if parsed is not None:
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    for form in _WRITTEN_DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, form).replace(tzinfo=dt.UTC)
        except ValueError:
            continue
    return None


def parse_published(value: Any) -> dt.datetime:
    """ISO 8601 timestamp or date; a bare date is midnight UTC, a time without offset is UTC."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArticle("published is required (ISO 8601, e.g. 2026-05-26T04:30:00Z)")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArticle(f"published is not an ISO 8601 timestamp: {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _published(value: Any, warnings: list[str]) -> tuple[dt.datetime | None, str]:
    """The publish time and how much of it is known: day, month, year or none."""
    if value is None or (isinstance(value, str) and not value.strip()):
        warnings.append("no published date: event dates come from the text alone")
        return None, "none"
    if isinstance(value, str):
        reduced = _YEAR_MONTH.match(value.strip())
        if reduced:
            year, month = int(reduced.group(1)), reduced.group(2)
            if month is None:
                return dt.datetime(year, 1, 1, tzinfo=dt.UTC), "year"
            if 1 <= int(month) <= 12:
                return dt.datetime(year, int(month), 1, tzinfo=dt.UTC), "month"
        try:
            return parse_published(value), "day"
        except InvalidArticle:
            pass
        written = _written_date(value)
        if written is not None:
            return written, "day"
    shown = value[:40] if isinstance(value, str) else type(value).__name__
    warnings.append(
        f"published {shown!r} is not an ISO 8601 date or timestamp: ignored, "
        "event dates come from the text alone"
    )
    return None, "none"


def _text(obj: dict[str, Any], name: str, limit: int, warnings: list[str]) -> str:
    value = obj.get(name)
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        warnings.append(f"{name} is not a string: ignored")
        return ""
    if len(value) > limit:
        warnings.append(f"{name} is longer than {limit} characters: cut there")
        return value[:limit]
    return value


def _optional_string(obj: dict[str, Any], name: str, warnings: list[str]) -> str | None:
    value = obj.get(name)
    if value is None or isinstance(value, str):
        return value
    warnings.append(f"{name} is not a string: ignored")
    return None
