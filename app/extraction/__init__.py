"""Extraction: articles to explainable events.

Pure core: `extract_article(ArticleInput) -> list[ExtractedEvent]`. Database side (the
collector's seam): `extract_pending(session, article_ids=..., limit=...)` and
`rebuild_events(session)`; both flush, the caller commits.
"""

from app.extraction.core import extract_article
from app.extraction.schemas import ArticleInput, ExtractedEvent, Location
from app.extraction.store import extract_pending, rebuild_events

__all__ = [
    "ArticleInput",
    "ExtractedEvent",
    "Location",
    "extract_article",
    "extract_pending",
    "rebuild_events",
]
