"""Webhook tests: subscriptions written directly, real receivers in their own processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.config import Settings
from app.core.models import WebhookSubscription
from app.notify.filters import EVENT_TYPES
from app.notify.signing import new_secret
from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def fast_settings(**overrides: Any) -> Settings:
    """Loopback receivers allowed, and retries in fractions of a second."""
    values: dict[str, Any] = {
        "allow_private_feeds": "true",
        "webhook_backoff_base_seconds": 0.1,
        "webhook_backoff_max_seconds": 0.5,
        "webhook_poll_seconds": 0.2,
        "webhook_timeout_seconds": 3.0,
        "webhook_lease_seconds": 30,
    }
    values.update(overrides)
    return Settings(**values)


def subscribe(
    engine: Engine,
    url: str,
    *,
    event_types: tuple[str, ...] = EVENT_TYPES,
    filters: dict[str, Any] | None = None,
    secret: str | None = None,
) -> WebhookSubscription:
    with Session(engine, expire_on_commit=False) as session:
        sub = WebhookSubscription(
            url=url,
            event_types=list(event_types),
            filters=filters or {},
            secret=secret or new_secret(),
        )
        session.add(sub)
        session.commit()
        return sub


class Receiver:
    """`python -m tests.support.webhook_receiver` on a fixed port; kill() and start() again."""

    def __init__(self, secret: str, log: Path) -> None:
        self.secret = secret
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.support.webhook_receiver", str(self.port), self.secret,
             str(self.log)],
            cwd=ROOT,
        )  # fmt: skip
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=0.5)
                return
            except httpx.HTTPError:
                time.sleep(0.05)
        raise RuntimeError("the receiver did not start")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def lines(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []

    def accepted(self) -> Counter[str]:
        return Counter(line[3:] for line in self.lines() if line.startswith("OK "))

    def rejected(self) -> list[str]:
        return [line for line in self.lines() if line.startswith("BAD")]


@pytest.fixture
def make_receiver(tmp_path: Path) -> Iterator[Any]:
    started: list[Receiver] = []

    def _make(secret: str | None = None) -> Receiver:
        receiver = Receiver(secret or new_secret(), tmp_path / f"receiver-{len(started)}.log")
        receiver.start()
        started.append(receiver)
        return receiver

    yield _make
    for receiver in started:
        if receiver.process is not None and receiver.process.poll() is None:
            receiver.kill()


def wait_until(predicate: Any, timeout: float = 30.0, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return bool(predicate())
