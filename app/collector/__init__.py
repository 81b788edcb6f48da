"""Collector: feeds file, polite fetching, parsing, idempotent storage, scheduling.

The public face; everything else in the package is an implementation detail. Names are
imported on first use (PEP 562), so a parse process importing `app.collector.parse` does not
pay for the HTTP client, the database layer and the scheduler it never uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.collector.demo import DemoSummary, load_demo
    from app.collector.feedsfile import LoadResult, SourceSpec, load_feeds_file, upsert_sources
    from app.collector.netpolicy import validate_feed_url
    from app.collector.pipeline import Collector, FeedOutcome, PassSummary, run_collection_pass

_HOMES = {
    "DemoSummary": "demo",
    "load_demo": "demo",
    "LoadResult": "feedsfile",
    "SourceSpec": "feedsfile",
    "load_feeds_file": "feedsfile",
    "upsert_sources": "feedsfile",
    "validate_feed_url": "netpolicy",
    "Collector": "pipeline",
    "FeedOutcome": "pipeline",
    "PassSummary": "pipeline",
    "run_collection_pass": "pipeline",
}

__all__ = [
    "Collector",
    "DemoSummary",
    "FeedOutcome",
    "LoadResult",
    "PassSummary",
    "SourceSpec",
    "load_demo",
    "load_feeds_file",
    "run_collection_pass",
    "upsert_sources",
    "validate_feed_url",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
