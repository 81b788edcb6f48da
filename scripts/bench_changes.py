"""What the change sequence costs writers: events inserted and updated with the trigger that
draws `change_seq` (app/core/changes.py), and with it disabled, in a scratch PostgreSQL
database (created on the WATCHFLOOR_TEST_PG server, dropped at the end).

    python scripts/bench_changes.py [--events 50000] [--rounds 3]

Prints ms per 1,000 rows for each case (median of the rounds) and a final JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ADMIN_URL = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
INSERT = """
INSERT INTO events (key, category, title, event_date, date_precision, actors, weapons,
                    figures, severity, claim_status, confidence, corroboration,
                    created_at, updated_at)
SELECT 'bench-' || :round || '-' || n, 'missile_test', 'Event ' || n,
       DATE '2020-01-01' + (n % 2000), 'day', '[]', '[]', '{}', 1 + n % 5, 'reported', 0.5, 1,
       now(), now()
FROM generate_series(1, :n) AS n
"""


def timed(engine: sa.Engine, statement: str, **params: object) -> float:
    with engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(sa.text(statement), params)
        return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from app.core.config import Settings
    from app.core.db import make_engine
    from app.core.migrate import upgrade_to_head

    name = f"wf_bench_changes_{secrets.token_hex(3)}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.engine.make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(Settings(database_url=url), role="bench")
    results: dict[str, float] = {}
    try:
        upgrade_to_head(engine)
        per_case: dict[str, list[float]] = {}
        for round_ in range(args.rounds):
            for trigger in (True, False):
                state = "ENABLE" if trigger else "DISABLE"
                with engine.begin() as conn:
                    conn.execute(sa.text("TRUNCATE events RESTART IDENTITY CASCADE"))
                    conn.execute(sa.text(f"ALTER TABLE events {state} TRIGGER events_change_seq"))
                label = "with_trigger" if trigger else "without_trigger"
                insert = timed(engine, INSERT, n=args.events, round=round_)
                update = timed(engine, "UPDATE events SET severity = 1 + (severity % 5)")
                per_case.setdefault(f"insert_{label}", []).append(insert)
                per_case.setdefault(f"update_{label}", []).append(update)
        with engine.begin() as conn:
            conn.execute(sa.text("ALTER TABLE events ENABLE TRIGGER events_change_seq"))
        for case, seconds in per_case.items():
            results[f"{case}_ms_per_1000"] = round(
                statistics.median(seconds) * 1000 / (args.events / 1000), 3
            )
            print(f"{case:>26}: {results[f'{case}_ms_per_1000']:8.3f} ms per 1,000 rows")
        results["events"] = args.events
        results["load_average"] = round(os.getloadavg()[0], 2)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
