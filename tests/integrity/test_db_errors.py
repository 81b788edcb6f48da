"""Defect 4 of issue 17: a permanent error is never reported as a temporary outage.

No statement binds a parameter list whose length comes from the data (psycopg's limit is
65,535 parameters), and only connection-level database errors become 503 + Retry-After.
"""

from __future__ import annotations

import time

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

EVENTS = 66_000  # more than one statement may bind


def _many_events(write: Session) -> None:
    write.execute(
        sa.text(
            "INSERT INTO events (key, category, title, event_date, date_precision, actors, "
            "weapons, figures, severity, claim_status, confidence, corroboration, "
            "first_reported_at, last_reported_at, created_at, updated_at) "
            "SELECT 'bulk:' || g, 'cyber', 'Event ' || g, DATE '2026-05-21' + (g % 8), 'day', "
            "'[]', '[]', '{}', 1 + g % 5, 'reported', 0.5, 1, "
            "TIMESTAMPTZ '2026-05-21 00:00Z' + (g % 8) * INTERVAL '1 day', "
            "TIMESTAMPTZ '2026-05-21 00:00Z' + (g % 8) * INTERVAL '1 day', now(), now() "
            "FROM generate_series(1, :n) AS g"
        ),
        {"n": EVENTS},
    )
    write.commit()


def test_an_assessment_over_more_events_than_one_statement_binds(
    client: httpx.Client, admin: dict[str, str], write: Session
) -> None:
    _many_events(write)
    started = time.monotonic()
    response = client.post(
        "/assessments", json={"from": "2026-05-21", "to": "2026-05-28"}, headers=admin, timeout=300
    )
    assert response.status_code == 201, response.text[:500]
    assert "Retry-After" not in response.headers
    assert response.json()["threat_level"]  # the report was built over all of them
    assert time.monotonic() - started < 300


def test_only_connection_level_errors_count_as_an_outage(db: Engine) -> None:
    from app.core.db import is_connection_error

    with pytest.raises(sa.exc.OperationalError) as too_many, db.connect() as conn:
        ids = list(range(70_000))
        conn.execute(
            sa.text("SELECT 1 WHERE 1 IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": ids},
        )
    assert not is_connection_error(too_many.value)  # a bug of the query: never "try again"
    with pytest.raises(sa.exc.DBAPIError) as cancelled, db.connect() as conn:
        conn.execute(sa.text("SET statement_timeout = 50"))
        conn.execute(sa.text("SELECT pg_sleep(1)"))
    assert not is_connection_error(cancelled.value)
    refused = sa.create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with pytest.raises(sa.exc.OperationalError) as unreachable:
        refused.connect()
    assert is_connection_error(unreachable.value)
    with pytest.raises(sa.exc.DBAPIError) as killed, db.connect() as conn:
        pid = conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        with db.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        conn.execute(sa.text("SELECT 1"))
    assert is_connection_error(killed.value)
