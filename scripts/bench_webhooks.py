#!/usr/bin/env python3
"""Time to notify: from the commit of a new event to the receiver's 2xx, with N subscriptions.

Usage:
    python scripts/bench_webhooks.py [--events 100] [--subscriptions 10] [--interval 0.2]
                                     [--workers 1] [--database-url URL]

It creates a PostgreSQL database of its own (dropped at the end), migrates it, starts one
loopback receiver per subscription (each verifies the Standard Webhooks signature before it
answers 204 and notes the instant), starts `python -m app.notify` delivery processes (as a
collector runs them), then stores articles one at a time and extracts them with the real
extraction (`extract_pending`), each making a new event, noting the instant its transaction
committed. Each (event, subscription) pair is one sample: the receiver's 2xx instant minus the
commit instant. Prints p50, p90, p99 and max, and a JSON line last.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_ADMIN = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
PLACES = ("Jongju", "Sunan", "Wonsan", "Sinpo", "Hamhung", "Kaesong", "Sinuiju", "Pyongyang")


class Arrivals:
    """(event id, subscription index) -> the instant the receiver answered 2xx."""

    def __init__(self) -> None:
        self.at: dict[tuple[int, int], float] = {}
        self.bad = 0
        self.lock = threading.Lock()


def start_receiver(index: int, secret: str, arrivals: Arrivals) -> ThreadingHTTPServer:
    from standardwebhooks import Webhook

    verifier = Webhook(secret)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                message = verifier.verify(body, dict(self.headers.items()))
            except Exception:
                with arrivals.lock:
                    arrivals.bad += 1
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            answered = time.time()
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
            if message["type"] == "event.created":
                with arrivals.lock:
                    arrivals.at.setdefault((message["data"]["id"], index), answered)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ["WATCHFLOOR_ALLOW_PRIVATE_FEEDS"] = "true"
    os.environ.setdefault("WATCHFLOOR_LOG_LEVEL", "WARNING")
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.core.migrate import upgrade_to_head
    from app.core.models import Article, Source, WebhookSubscription
    from app.extraction import extract_pending
    from app.notify.signing import new_secret

    engine = get_engine()
    upgrade_to_head(engine)
    arrivals = Arrivals()
    servers = []
    with Session(engine) as session:
        for index in range(args.subscriptions):
            secret = new_secret()
            server = start_receiver(index, secret, arrivals)
            servers.append(server)
            port = server.server_address[1]
            session.add(
                WebhookSubscription(
                    url=f"http://127.0.0.1:{port}/hook/{index}",
                    event_types=["event.created", "event.updated", "event.deleted"],
                    secret=secret,
                )
            )
        source = Source(name="Bench Wire", kind="wire", reliability="B")
        session.add(source)
        session.commit()
        source_id = source.id
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = [
        subprocess.Popen([sys.executable, "-m", "app.notify"], cwd=ROOT, env=env)
        for _ in range(args.workers)
    ]
    time.sleep(3.0)  # the workers connect and LISTEN
    committed: dict[int, float] = {}
    try:
        start_day = dt.datetime(2026, 1, 5, 6, 0, tzinfo=dt.UTC)
        for n in range(args.events):
            published = start_day + dt.timedelta(days=3 * n)  # far apart: never one event
            place = PLACES[n % len(PLACES)]
            text = (
                f"North Korea fired a short-range ballistic missile from the {place} area on "
                f"{published:%A}, South Korea's Joint Chiefs of Staff said."
            )
            with Session(engine) as session:
                session.add(
                    Article(
                        source_id=source_id,
                        guid=f"bench-{n}",
                        guid_hash=hashlib.sha256(f"bench-{n}".encode()).hexdigest(),
                        url=f"https://bench.example/{n}",
                        canonical_url=f"https://bench.example/{n}",
                        title=f"North Korea fires ballistic missile from {place}",
                        text=text,
                        published_at=published,
                        content_hash=hashlib.sha256(text.encode()).hexdigest(),
                    )
                )
                session.flush()
                before = set(session.scalars(sa.text("SELECT id FROM events")))
                extract_pending(session)
                new = set(session.scalars(sa.text("SELECT id FROM events"))) - before
                session.commit()
                done = time.time()
            for event_id in new:
                committed[event_id] = done
            time.sleep(args.interval)
        expected = len(committed) * args.subscriptions
        deadline = time.monotonic() + 60
        while len(arrivals.at) < expected and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(30)
        for server in servers:
            server.shutdown()
        engine.dispose()
    samples = [
        at - committed[event_id]
        for (event_id, _), at in arrivals.at.items()
        if event_id in committed
    ]
    missing = len(committed) * args.subscriptions - len(samples)
    return {
        "benchmark": "webhooks_time_to_notify",
        "events": len(committed),
        "subscriptions": args.subscriptions,
        "delivery_processes": args.workers,
        "samples": len(samples),
        "missing": missing,
        "bad_signatures": arrivals.bad,
        "p50_s": round(statistics.median(samples), 4) if samples else None,
        "p90_s": round(percentile(samples, 0.90), 4) if samples else None,
        "p99_s": round(percentile(samples, 0.99), 4) if samples else None,
        "max_s": round(max(samples), 4) if samples else None,
        "target": {"p50_s": 1.0, "p99_s": 5.0},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100)
    parser.add_argument("--subscriptions", type=int, default=10)
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between events")
    parser.add_argument("--workers", type=int, default=1, help="delivery processes")
    parser.add_argument("--database-url", default=None, help="an existing, disposable database")
    args = parser.parse_args()
    admin = sa.create_engine(DEFAULT_ADMIN, isolation_level="AUTOCOMMIT")
    name = None
    url = args.database_url
    if url is None:
        name = f"wf_bench_hooks_{secrets.token_hex(4)}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = make_url(DEFAULT_ADMIN).set(database=name).render_as_string(hide_password=False)
    try:
        result = run(args, url)
    finally:
        if name is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    print(
        f"{result['events']} new events x {result['subscriptions']} subscriptions = "
        f"{result['samples']} deliveries ({result['missing']} missing, "
        f"{result['bad_signatures']} bad signatures), {result['delivery_processes']} "
        "delivery process(es)"
    )
    print(
        f"commit -> receiver 2xx: p50 {result['p50_s']} s, p90 {result['p90_s']} s, "
        f"p99 {result['p99_s']} s, max {result['max_s']} s (targets: p50 < 1 s, p99 < 5 s)"
    )
    print(json.dumps(result))
    return 0 if result["missing"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
