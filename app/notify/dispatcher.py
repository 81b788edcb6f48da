"""The delivery worker of a process: one thread claiming due deliveries, a small pool sending
them, and on PostgreSQL a listener that turns the outbox's NOTIFY into an immediate wake-up.

It runs in the scheduler processes (`serve`, `collector`) and alone with `python -m
app.notify`. Any number may run on one PostgreSQL; on SQLite only the scheduler's process.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import NullPool

from app.core.config import Settings, get_settings
from app.core.db import get_engine, session_scope
from app.notify import delivery
from app.notify.outbox import WAKE_CHANNEL
from app.notify.producers import check_threat_level

logger = logging.getLogger(__name__)

LISTEN_RECONNECT_SECONDS = 5.0


class Dispatcher:
    def __init__(self, settings: Settings | None = None, engine: Engine | None = None) -> None:
        self.settings = settings or get_settings()
        self.engine = engine or get_engine()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._in_flight = 0
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._pool: ThreadPoolExecutor | None = None
        self._client = delivery.build_client(self.settings)
        self._last_threat_check = 0.0
        self.delivered = 0

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._pool = ThreadPoolExecutor(self.settings.webhook_concurrency, "webhook-send")
        self._spawn(self._run, "webhook-dispatcher")
        if self.engine.dialect.name == "postgresql":
            self._spawn(self._listen, "webhook-listener")
        logger.info("webhook dispatcher started")

    def _spawn(self, target: object, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def stop(self, timeout: float = 15.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self._client.close()
        logger.info("webhook dispatcher stopped")

    def wake(self) -> None:
        self._wake.set()

    # --- the claim loop ------------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                full = self.run_once()
                self._maybe_check_threat_level()
            except Exception as exc:  # the database may be down: wait, then try again
                logger.warning("webhook dispatch failed", extra={"error": repr(exc)[:300]})
                full = False
            if not full:
                self._wake.wait(self.settings.webhook_poll_seconds)
                self._wake.clear()

    def run_once(self) -> bool:
        """Claim as many due deliveries as there are free senders; True when every free sender
        got one (more may be due)."""
        free = self._free_slots()
        if free == 0:
            return False
        with session_scope(self.engine) as session:
            claimed = delivery.claim(session, free, self.settings)
        assert self._pool is not None
        for item in claimed:
            with self._lock:
                self._in_flight += 1  # counted from submission: never more claims than senders
            self._pool.submit(self._deliver, item)
        return len(claimed) == free

    def _free_slots(self) -> int:
        with self._lock:
            return self.settings.webhook_concurrency - self._in_flight

    def _deliver(self, item: delivery.Claimed) -> None:
        try:
            deliver_one(self._client, item, self.settings, self.engine)
            self.delivered += 1
        except Exception as exc:  # recorded nowhere: the lease brings the row back
            logger.warning("webhook result not recorded", extra={"error": repr(exc)[:300]})
        finally:
            with self._lock:
                self._in_flight -= 1
            self._wake.set()

    def _maybe_check_threat_level(self) -> None:
        now = time.monotonic()
        if now - self._last_threat_check < self.settings.webhook_threat_check_seconds:
            return
        self._last_threat_check = now
        with session_scope(self.engine) as session:
            check_threat_level(session)

    # --- PostgreSQL wake-ups -------------------------------------------------------------------

    def _listen(self) -> None:
        """LISTEN on a connection of its own; every notification wakes the claim loop."""
        listener = sa.create_engine(
            self.engine.url,
            poolclass=NullPool,
            connect_args={
                "application_name": f"{self.settings.application_name}-webhooks",
                "connect_timeout": 5,
                "autocommit": True,
            },
        )
        while not self._stop.is_set():
            try:
                with contextlib.closing(listener.raw_connection()) as raw:
                    conn = raw.driver_connection
                    conn.execute(f"LISTEN {WAKE_CHANNEL}")  # type: ignore[union-attr]
                    self._wake.set()  # anything committed while not listening
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):  # type: ignore[union-attr]
                            self._wake.set()
            except Exception as exc:
                logger.warning("webhook listener lost", extra={"error": repr(exc)[:300]})
                self._stop.wait(LISTEN_RECONNECT_SECONDS)
        listener.dispose()


def deliver_one(
    client: delivery.httpx.Client, item: delivery.Claimed, settings: Settings, engine: Engine
) -> str:
    result = delivery.send(client, item, settings)
    with session_scope(engine) as session:
        return delivery.record(session, item, result, settings)


_dispatcher: Dispatcher | None = None


def start_dispatcher() -> None:
    """Start this process's delivery worker (idempotent)."""
    global _dispatcher
    if _dispatcher is None:
        _dispatcher = Dispatcher()
        _dispatcher.start()


def stop_dispatcher() -> None:
    global _dispatcher
    if _dispatcher is not None:
        _dispatcher.stop()
        _dispatcher = None
