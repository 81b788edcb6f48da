"""Reads that skip the pool's liveness ping for a connection used moments ago, and retry.

`retrying_read` (app/core/db.py) trusts a connection back in the pool for under
RECENT_CHECKIN_SECONDS; one that died meanwhile (here: a proxy cut and restored) must cost the
read nothing but a second attempt on a pinged connection.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import get_engine, retrying_read
from tests.reliability.conftest import ProxiedDatabase


def _backend_pid(conn: sa.Connection) -> int:
    return int(conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one())


def test_a_recent_connection_is_reused_without_a_ping(proxied_db: ProxiedDatabase) -> None:
    engine = get_engine()
    driver: list[Any] = []

    def first_read(conn: sa.Connection) -> int:
        driver.append(conn.connection.driver_connection)
        return _backend_pid(conn)

    first = retrying_read(engine, first_read)
    # Count what the pool sends on the driver connection itself (the ping bypasses SQLAlchemy).
    sent: list[str] = []
    execute = driver[0].execute

    def counting(query: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(str(query))
        return execute(query, *args, **kwargs)

    driver[0].execute = counting
    try:
        again = retrying_read(engine, _backend_pid)
        assert again == first  # the same pooled connection...
        assert "SELECT 1" not in sent  # ...taken without a liveness ping
        with engine.connect() as conn:  # an ordinary checkout still pings
            assert _backend_pid(conn) == first
        assert "SELECT 1" in sent
    finally:
        del driver[0].execute


def test_a_connection_that_died_in_the_pool_costs_a_retry_not_an_error(
    proxied_db: ProxiedDatabase,
) -> None:
    engine = get_engine()
    first = retrying_read(engine, _backend_pid)
    proxied_db.proxy.cut()
    proxied_db.proxy.restore()
    again = retrying_read(engine, _backend_pid)  # the trusted connection is dead: retried
    assert again != first


def test_a_failing_statement_is_not_run_again(proxied_db: ProxiedDatabase) -> None:
    attempts = []

    def broken(conn: sa.Connection) -> None:
        attempts.append(1)
        conn.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(sa.exc.ProgrammingError):
        retrying_read(get_engine(), broken)
    assert len(attempts) == 1
