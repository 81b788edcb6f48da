"""Time the OGC API over real HTTP on a scratch PostgreSQL database of N synthetic events.

Usage: python scripts/bench_ogc.py [--events 20000] [--pg postgresql+psycopg://postgres@127.0.0.1/postgres]
Prints one line per measurement, then a final JSON line. The scratch database is dropped at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CATEGORIES = ("missile_test", "artillery", "diplomacy", "military_exercise", "border_maritime")


def seed(engine: sa.Engine, count: int) -> None:
    rng = random.Random(7)
    start = dt.date(2024, 1, 1)
    rows = []
    for i in range(count):
        placed = rng.random() > 0.1
        rows.append(
            {
                "key": f"bench-{i}",
                "category": rng.choice(CATEGORIES),
                "title": f"bench event {i}",
                "event_date": start + dt.timedelta(days=rng.randrange(900)),
                "date_precision": "day",
                "lat": round(rng.uniform(37.5, 42.5), 4) if placed else None,
                "lon": round(rng.uniform(124.5, 130.5), 4) if placed else None,
                "location_name": "somewhere" if placed else None,
                "actors": [],
                "weapons": [],
                "figures": {},
                "severity": rng.randint(1, 5),
                "claim_status": rng.choice(("claimed", "reported", "confirmed")),
                "confidence": 0.5,
                "corroboration": 1,
                "created_at": dt.datetime.now(dt.UTC),
                "updated_at": dt.datetime.now(dt.UTC),
            }
        )
    from app.core.models import Event

    with engine.begin() as conn:
        for offset in range(0, len(rows), 5000):
            conn.execute(sa.insert(Event.__table__), rows[offset : offset + 5000])
        conn.execute(sa.text("ANALYZE events"))


def timed(url: str, repeat: int = 5) -> tuple[float, dict]:
    samples, body = [], {}
    for _ in range(repeat):
        began = time.perf_counter()
        response = httpx.get(url, timeout=120)
        samples.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
        body = response.json()
    return statistics.median(samples), body


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
        ),
    )
    args = parser.parse_args()
    name = f"wf_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    os.environ["DATABASE_URL"] = make_url(args.pg).set(database=name).render_as_string(False)
    os.environ["WATCHFLOOR_LOG_LEVEL"] = "WARNING"
    from app.api.main import create_app
    from app.core import db
    from app.core.migrate import upgrade_to_head
    from tests.support.live import live_server

    results: dict[str, float | int] = {"events": args.events}
    try:
        upgrade_to_head(db.get_engine())
        seed(db.get_engine(), args.events)
        with live_server(create_app()) as base:
            items = f"{base}/ogc/collections/events/items"
            results["first_page_100_ms"], _ = timed(f"{items}?limit=100")
            results["filtered_page_ms"], _ = timed(
                f"{items}?limit=100&bbox=125,38,127,40&datetime=2025-01-01T00:00:00Z/..&category=diplomacy"
            )
            began, url, pages = time.perf_counter(), f"{items}?limit=1000", 0
            while url:
                page = httpx.get(url, timeout=120).json()
                pages += 1
                url = next((k["href"] for k in page["links"] if k["rel"] == "next"), None)
            results["full_walk_limit_1000_ms"] = (time.perf_counter() - began) * 1000
            results["full_walk_pages"] = pages
            results["export_events_ms"], export = timed(f"{base}/export/events.geojson", repeat=3)
            results["export_features"] = export["numberReturned"]
            results["collections_ms"], _ = timed(f"{base}/ogc/collections/events")
    finally:
        db.reset_engine()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    for key, value in results.items():
        print(f"{key}: {value:.1f}" if isinstance(value, float) else f"{key}: {value}")
    print(json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
