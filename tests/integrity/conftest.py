"""Issue 17's tests use the collector's fixtures (a loopback feed server and its settings) and
the API's (a live server over this run's PostgreSQL, an admin key, a writing session)."""

from tests.api.conftest import admin, client, make_client, write
from tests.collector.conftest import feed_server, settings

__all__ = ["admin", "client", "feed_server", "make_client", "settings", "write"]
