"""The narrow seam to extraction: `extract_pending(session, *, article_ids=None, limit=None)`.

Looked up lazily so collection works before (and without) the extraction package. Calls are
serialised within a process: extraction merges events across articles, and running several
merges at once in one process would only contend on the same rows.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.db import session_scope

logger = logging.getLogger(__name__)

Extractor = Callable[..., int]
_lock = threading.Lock()


def resolve_extractor() -> Extractor | None:
    try:
        module = importlib.import_module("app.extraction")
    except ImportError:
        return None
    function = getattr(module, "extract_pending", None)
    return function if callable(function) else None


def hand_off(engine: Engine, extractor: Extractor | None, article_ids: Sequence[int] | None) -> int:
    """Extract the given articles (None: every article not yet extracted). Never raises."""
    if extractor is None:
        logger.debug("extraction not available; articles stay pending")
        return 0
    if article_ids is not None and not article_ids:
        return 0
    try:
        with _lock, session_scope(engine) as session:
            return int(_call(extractor, session, article_ids) or 0)
    except Exception as exc:
        # The articles are committed with extracted_at NULL: the end-of-pass catch-up retries.
        logger.warning(
            "extraction failed; articles stay pending",
            extra={"error": repr(exc)[:500], "articles": len(article_ids or [])},
        )
        return 0


def _call(extractor: Extractor, session: Session, article_ids: Sequence[int] | None) -> int:
    if article_ids is None:
        return extractor(session, article_ids=None)
    return extractor(session, article_ids=list(article_ids))
