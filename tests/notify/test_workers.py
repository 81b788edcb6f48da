"""Two delivery processes (`python -m app.notify`) on one PostgreSQL share the outbox and never
deliver a message twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.models import WebhookAttempt, WebhookDelivery
from app.notify import outbox
from tests.notify.conftest import ROOT, subscribe, wait_until

MESSAGES = 150


class Counting(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    received: ClassVar[Counter[str]] = Counter()
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        time.sleep(0.01)  # a little work, so that both processes have claims in flight
        with self.lock:
            self.received[f"{self.path} {self.headers['webhook-id']}"] += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    Counting.received = Counter()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _workers(database_url: str, count: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": database_url,
        "WATCHFLOOR_ALLOW_PRIVATE_FEEDS": "true",
        "WATCHFLOOR_WEBHOOK_CONCURRENCY": "4",
        "WATCHFLOOR_WEBHOOK_POLL_SECONDS": "0.5",
        "WATCHFLOOR_LOG_LEVEL": "WARNING",
    }
    return [
        subprocess.Popen([sys.executable, "-m", "app.notify"], cwd=ROOT, env=env)
        for _ in range(count)
    ]


def _listening(engine: Engine) -> int:
    with engine.connect() as conn:
        query = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'LISTEN watchfloor%'"
        return int(conn.execute(sa.text(query)).scalar_one())


def test_two_processes_never_deliver_a_message_twice(
    db: Engine, database_url: str, receiver: str
) -> None:
    subs = [subscribe(db, f"{receiver}/{n}") for n in range(2)]
    workers = _workers(database_url, 2)
    try:
        assert wait_until(lambda: _listening(db) >= 2, 30), "the workers did not start"
        for start in range(0, MESSAGES, 10):  # a stream of commits, as extraction makes them
            with Session(db) as session:
                outbox.write_for(
                    session,
                    [("event.created", {"id": n}, [s.id or 0 for s in subs])
                     for n in range(start, start + 10)],
                )  # fmt: skip
                session.commit()
        expected = MESSAGES * len(subs)
        assert wait_until(lambda: sum(Counting.received.values()) >= expected, 60)
        time.sleep(1.0)  # anything sent twice would arrive meanwhile
        assert all(p.poll() is None for p in workers), "a worker died"
    finally:
        for process in workers:
            process.send_signal(signal.SIGTERM)
        for process in workers:
            process.wait(30)
    assert len(Counting.received) == expected
    assert set(Counting.received.values()) == {1}  # each (subscription, id) exactly once
    with Session(db) as session:
        assert set(session.scalars(sa.select(WebhookDelivery.status))) == {"delivered"}
        attempts = session.scalar(sa.select(sa.func.count()).select_from(WebhookAttempt))
        assert attempts == expected
    assert all(p.returncode == 0 for p in workers)  # SIGTERM: a clean stop
