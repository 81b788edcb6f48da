"""Issue 17's tests use the collector's fixtures: a loopback feed server and its settings."""

from tests.collector.conftest import feed_server, settings

__all__ = ["feed_server", "settings"]
