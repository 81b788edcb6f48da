"""The annex: the period's collected articles grouped by publisher, as in the seed report."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app.assessment import methodology as m
from app.core.isotime import iso_z
from app.core.models import Article, Source

_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(value: str | None) -> str:
    """Feed summaries may carry (sanitised) markup: the annex shows text only."""
    if not value:
        return ""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", value))).strip()


def teaser(value: str | None, limit: int = m.ANNEX_TEASER_CHARS) -> str:
    text = plain_text(value)
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return f"{cut} [...]"


def build_annex(
    session: Session, start: dt.datetime, end: dt.datetime, *, max_articles: int
) -> dict[str, Any]:
    """Articles published in [start, end), grouped by publisher (busiest first), newest first.

    At most `max_articles` are listed; `truncated` says whether more exist.
    """
    rows = session.execute(
        sa.select(
            col(Article.id),
            col(Article.title),
            col(Article.url),
            col(Article.published_at),
            col(Article.summary),
            col(Source.id),
            col(Source.name),
        )
        .join(Source, col(Source.id) == col(Article.source_id))
        .where(col(Article.published_at) >= start, col(Article.published_at) < end)
        .order_by(col(Article.published_at).desc(), col(Article.id).desc())
        .limit(max_articles + 1)
    ).all()
    truncated = len(rows) > max_articles
    groups: dict[int, dict[str, Any]] = {}
    for art_id, title, url, published_at, summary, source_id, source_name in rows[:max_articles]:
        group = groups.setdefault(
            source_id, {"publisher": source_name, "source_id": source_id, "articles": []}
        )
        group["articles"].append(
            {
                "id": art_id,
                "title": title,
                "url": url,
                "published_at": iso_z(published_at),
                "teaser": teaser(summary),
            }
        )
    ordered = sorted(groups.values(), key=lambda g: (-len(g["articles"]), g["publisher"]))
    return {
        "from": iso_z(start),
        "to": iso_z(end),
        "article_count": min(len(rows), max_articles),
        "truncated": truncated,
        "sources": ordered,
    }
