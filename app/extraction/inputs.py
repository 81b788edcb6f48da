"""Articles from JSON (the `extract` command and `POST /extract`), with clear errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.core.config import get_settings
from app.extraction.schemas import ArticleInput


class InvalidArticle(ValueError):
    """The input is not an article we can read; the message says why."""


def article_from_json(obj: Any) -> ArticleInput:
    if not isinstance(obj, dict):
        raise InvalidArticle("an article must be a JSON object")
    settings = get_settings()
    title = _text(obj, "title", required=True, limit=settings.max_title_chars)
    text = _text(obj, "text", required=False, limit=settings.max_text_chars)
    if not title.strip() and not text.strip():
        raise InvalidArticle("title and text are both empty")
    identifier = obj.get("id")
    if identifier is not None and not isinstance(identifier, str | int):
        raise InvalidArticle("id must be a string or an integer")
    source = obj.get("source") or ""
    url = obj.get("url")
    if not isinstance(source, str) or (url is not None and not isinstance(url, str)):
        raise InvalidArticle("source and url must be strings")
    return ArticleInput(
        id=identifier if identifier is not None else "",
        title=title,
        text=text,
        published=parse_published(obj.get("published")),
        source=source[:200],
        url=url,
    )


def parse_published(value: Any) -> dt.datetime:
    """ISO 8601; a bare date is midnight UTC and a time without offset is taken as UTC."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidArticle("published is required (ISO 8601, e.g. 2026-05-26T04:30:00Z)")
    try:
        parsed = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidArticle(f"published is not an ISO 8601 timestamp: {value[:40]!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _text(obj: dict[str, Any], name: str, *, required: bool, limit: int) -> str:
    value = obj.get(name)
    if value is None:
        if required:
            raise InvalidArticle(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise InvalidArticle(f"{name} must be a string")
    if len(value) > limit:
        raise InvalidArticle(f"{name} is longer than {limit} characters")
    return value
