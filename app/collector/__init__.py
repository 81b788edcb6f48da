"""Collector: feeds file, polite fetching, parsing, idempotent storage, scheduling."""
