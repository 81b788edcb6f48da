"""Collector: feeds file, polite fetching, parsing, idempotent storage, scheduling.

The public face; everything else in the package is an implementation detail.
"""

from app.collector.demo import DemoSummary, load_demo
from app.collector.feedsfile import LoadResult, SourceSpec, load_feeds_file, upsert_sources
from app.collector.netpolicy import validate_feed_url
from app.collector.pipeline import Collector, FeedOutcome, PassSummary, run_collection_pass

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
