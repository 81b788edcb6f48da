"""Delivery to real receivers on 127.0.0.1: signatures, a receiver killed mid-run, refusals,
410, failing for days, replay. The dispatcher runs in this process (threads); the two-process
case is tests/notify/test_workers.py."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.core.models import WebhookAttempt, WebhookDelivery, WebhookSubscription, utcnow
from app.notify import delivery, outbox
from app.notify.dispatcher import Dispatcher
from tests.notify.conftest import fast_settings, subscribe, wait_until


def enqueue(engine: Engine, subscription_ids: list[int], count: int, start: int = 0) -> None:
    with Session(engine) as session:
        outbox.write_for(
            session,
            [("event.created", {"id": n, "url": f"/events/{n}"}, subscription_ids)
             for n in range(start, start + count)],
        )  # fmt: skip
        session.commit()


def all_msg_ids(engine: Engine) -> set[str]:
    with Session(engine) as session:
        return set(session.scalars(sa.text("SELECT msg_id FROM webhook_messages")))


def statuses(engine: Engine) -> Counter[str]:
    with Session(engine) as session:
        return Counter(session.scalars(sa.select(WebhookDelivery.status)))


def attempts_by_msg(engine: Engine, outcome: str | None = None) -> Counter[str]:
    with Session(engine) as session:
        query = sa.select(WebhookAttempt.msg_id)
        if outcome:
            query = query.where(WebhookAttempt.outcome == outcome)
        return Counter(session.scalars(query))


@pytest.fixture
def dispatcher(db: Engine) -> Iterator[Any]:
    running: list[Dispatcher] = []

    def _start(**overrides: Any) -> Dispatcher:
        worker = Dispatcher(fast_settings(**overrides), db)
        worker.start()
        running.append(worker)
        return worker

    yield _start
    for worker in running:
        worker.stop()


def test_a_receiver_killed_mid_run_ends_with_every_message_accepted(
    db: Engine, make_receiver: Any, dispatcher: Any
) -> None:
    receiver = make_receiver()
    sub = subscribe(db, receiver.url, secret=receiver.secret)
    dispatcher()
    enqueue(db, [sub.id], 40)
    assert wait_until(lambda: len(receiver.accepted()) >= 10, 30)
    receiver.kill()  # mid-run: some sends fail to connect, some lose their answer
    enqueue(db, [sub.id], 40, start=40)
    time.sleep(1.0)  # retries hit the closed port meanwhile
    receiver.start()
    enqueue(db, [sub.id], 20, start=80)

    expected = all_msg_ids(db)
    assert len(expected) == 100
    assert wait_until(lambda: statuses(db) == Counter({"delivered": 100}), 60), statuses(db)
    accepted = receiver.accepted()
    assert set(accepted) == expected  # every message id accepted
    assert receiver.rejected() == []  # every request carried a valid signature
    attempts = attempts_by_msg(db)
    assert attempts_by_msg(db, "network_error"), "the kill should have cost some attempts"
    for msg_id, times in accepted.items():
        # a repeat carries the same id, and each receipt is an attempt in the delivery log
        assert times <= attempts[msg_id]
        assert attempts_by_msg(db, "ok")[msg_id] == 1


def test_several_subscriptions_each_get_their_own_signed_copy(
    db: Engine, make_receiver: Any, dispatcher: Any
) -> None:
    receivers = [make_receiver() for _ in range(3)]
    subs = [subscribe(db, r.url, secret=r.secret) for r in receivers]
    dispatcher()
    enqueue(db, [s.id for s in subs], 5)
    assert wait_until(lambda: statuses(db) == Counter({"delivered": 15}), 30)
    ids = all_msg_ids(db)
    for receiver in receivers:
        assert set(receiver.accepted()) == ids and receiver.rejected() == []


def test_a_refused_address_is_refused_at_delivery(
    db: Engine, make_receiver: Any, dispatcher: Any
) -> None:
    receiver = make_receiver()
    # written directly, past the creation check (as if the policy changed since)
    sub = subscribe(db, receiver.url, secret=receiver.secret)
    dispatcher(allow_private_feeds="")
    enqueue(db, [sub.id], 1)
    assert wait_until(lambda: attempts_by_msg(db, "refused"), 15)
    time.sleep(0.5)
    assert receiver.lines() == []  # nothing ever reached it
    with Session(db) as session:
        attempt = session.scalars(sa.select(WebhookAttempt)).first()  # type: ignore[arg-type]
        assert attempt is not None and "loopback" in (attempt.error or "")
        row = session.get(WebhookDelivery, attempt.delivery_id)
        assert row is not None and row.status == "pending" and row.attempts >= 1


def test_metadata_addresses_are_refused_even_when_private_ones_are_allowed(db: Engine) -> None:
    sub = subscribe(db, "http://169.254.169.254/latest/meta-data/")
    enqueue(db, [sub.id], 1)
    settings = fast_settings()
    with Session(db) as session:
        [item] = delivery.claim(session, 10, settings)
        session.commit()
    with delivery.build_client(settings) as client:
        result = delivery.send(client, item, settings)
    assert result.outcome == "refused" and "metadata" in (result.error or "")


class _Fixed(BaseHTTPRequestHandler):
    status = 410
    hits = 0

    def do_POST(self) -> None:
        type(self).hits += 1
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def answering() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def _start(status: int) -> tuple[str, type[_Fixed]]:
        handler = type("Handler", (_Fixed,), {"status": status, "hits": 0})
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/hook", handler

    yield _start
    for server in servers:
        server.shutdown()


def test_410_gone_disables_the_subscription(db: Engine, answering: Any, dispatcher: Any) -> None:
    url, handler = answering(410)
    sub = subscribe(db, url)
    dispatcher()
    enqueue(db, [sub.id], 1)
    assert wait_until(lambda: _subscription(db, sub.id).status == "disabled", 15)
    after = _subscription(db, sub.id)
    assert "410" in (after.disabled_reason or "")
    enqueue(db, [sub.id], 2, start=10)  # owed before it was disabled, say
    time.sleep(1.0)
    assert handler.hits == 1  # nothing more is sent once it said Gone
    assert statuses(db) == Counter({"failed": 1, "pending": 2})


def _subscription(engine: Engine, sub_id: int | None) -> WebhookSubscription:
    with Session(engine) as session:
        sub = session.get(WebhookSubscription, sub_id)
        assert sub is not None
        session.expunge(sub)
        return sub


def test_errors_back_off_then_give_up_after_the_retry_window(db: Engine, answering: Any) -> None:
    url, handler = answering(500)
    sub = subscribe(db, url)
    enqueue(db, [sub.id], 1)
    retried_before, gave_up_before = _metric("failed"), _metric("gave_up")
    settings = fast_settings(webhook_backoff_base_seconds=5.0, webhook_backoff_max_seconds=60.0)
    next_at = []
    with delivery.build_client(settings) as client:
        for _ in range(3):
            with Session(db) as session:  # make it due now, as if the delay had passed
                session.execute(sa.update(WebhookDelivery).values(next_attempt_at=utcnow()))
                [item] = delivery.claim(session, 10, settings)
                session.commit()
            result = delivery.send(client, item, settings)
            with Session(db) as session:
                assert delivery.record(session, item, result, settings) == "pending"
                session.commit()
                row = session.scalars(sa.select(WebhookDelivery)).one()  # type: ignore[arg-type]
                next_at.append((row.next_attempt_at - row.last_attempt_at).total_seconds())
    # 5 s, 10 s, 20 s, each +-25 %
    for delay, base in zip(next_at, (5, 10, 20), strict=True):
        assert base * 0.74 <= delay <= base * 1.26
    with Session(db) as session:  # 26 hours later: given up
        old = utcnow() - dt.timedelta(hours=26)
        session.execute(sa.update(WebhookDelivery).values(next_attempt_at=utcnow(), created_at=old))
        [item] = delivery.claim(session, 10, settings)
        session.commit()
    with delivery.build_client(settings) as client, Session(db) as session:
        result = delivery.send(client, item, settings)
        assert delivery.record(session, item, result, settings) == "failed"
        session.commit()
    assert handler.hits == 4
    assert attempts_by_msg(db, "http_error") == Counter({item.msg_id: 4})
    # /metrics counts each attempt by what became of it: three to retry, then given up
    assert _metric("failed") - retried_before == 3
    assert _metric("gave_up") - gave_up_before == 1


def _metric(outcome: str) -> float:
    value = REGISTRY.get_sample_value("watchfloor_webhook_deliveries_total", {"outcome": outcome})
    return value or 0.0


def test_a_subscription_failing_for_days_is_disabled(db: Engine, answering: Any) -> None:
    url, _ = answering(503)
    sub = subscribe(db, url)
    enqueue(db, [sub.id], 1)
    settings = fast_settings()
    with Session(db) as session:
        since = utcnow() - dt.timedelta(days=6)
        session.execute(
            sa.update(WebhookSubscription).values(failing_since=since)  # type: ignore[arg-type]
        )
        [item] = delivery.claim(session, 10, settings)
        session.commit()
    with delivery.build_client(settings) as client, Session(db) as session:
        delivery.record(session, item, delivery.send(client, item, settings), settings)
        session.commit()
    after = _subscription(db, sub.id)
    assert after.status == "disabled" and "5 days" in (after.disabled_reason or "")


def test_a_claimed_row_is_not_claimed_again_until_its_lease_ends(db: Engine) -> None:
    sub = subscribe(db, "http://127.0.0.1:9/hook")
    enqueue(db, [sub.id], 3)
    settings = fast_settings()
    with Session(db) as first, Session(db) as second:
        mine = delivery.claim(first, 2, settings)  # rows locked, not yet committed
        theirs = delivery.claim(second, 10, settings)  # SKIP LOCKED: only the third
        assert len(mine) == 2 and len(theirs) == 1
        assert not {m.delivery_id for m in mine} & {t.delivery_id for t in theirs}
        first.commit()
        second.commit()
    with Session(db) as session:
        assert delivery.claim(session, 10, settings) == []  # leased
