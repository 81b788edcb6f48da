"""Extraction: articles to explainable events.

The collector's seam is `extract_pending(session, article_ids=...)` (see the extraction issue).
"""
