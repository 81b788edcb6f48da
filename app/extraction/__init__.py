"""Extraction: articles to explainable events.

Pure core: `extract_article(ArticleInput) -> list[ExtractedEvent]`. Database side (the
collector's seam): `extract_pending(session, article_ids=..., limit=...)` and
`rebuild_events(session)`; both flush, the caller commits. `extract_all` is the pure part of
`extract_pending` (a batch of inputs to their events); a caller may run it elsewhere, as the
collector does in its parse processes, and pass it as `extract_many`.
"""

from app.extraction.core import extract_article
from app.extraction.lexicon import warm_up
from app.extraction.schemas import ArticleInput, ExtractedEvent, Location
from app.extraction.store import extract_all, extract_pending, rebuild_events

__all__ = [
    "ArticleInput",
    "ExtractedEvent",
    "Location",
    "extract_all",
    "extract_article",
    "extract_pending",
    "rebuild_events",
    "warm_up",
]
