"""Sending what the outbox owes: claim, sign, POST, record.

Claiming is one `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING` that
moves the rows' `next_attempt_at` a lease ahead and stamps a claim token: several delivery
processes share the work and never take the same row, and a crashed worker's rows come back
when the lease (longer than the request deadline) runs out. On SQLite the same UPDATE runs
under SQLite's single database write lock; only one delivery process runs per database file
there (the scheduler's file lock), which is the documented single-process fallback.

A result is recorded only by the claim that made it (the token must still match). Every
attempt is a `webhook_attempts` row. 2xx delivers; 410 Gone disables the subscription; any
other answer, a network error or a refused address retries with exponential back-off and
jitter until `webhook_retry_hours` after the message, then gives the delivery up; a
subscription without a 2xx for `webhook_disable_after_days` is disabled.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
import sqlalchemy as sa
from sqlmodel import Session

from app import __version__
from app.collector.netpolicy import (
    AddressPolicy,
    BlockedAddressError,
    DeadlineExceededError,
    VettedBackend,
    fetch_deadline,
)
from app.core.config import Settings
from app.core.models import WebhookAttempt, utcnow
from app.metrics import WEBHOOK_DELIVERIES
from app.notify.outbox import DELIVERIES, MESSAGES, SUBSCRIPTIONS
from app.notify.signing import signed_headers

logger = logging.getLogger(__name__)

ATTEMPTS: sa.Table = WebhookAttempt.__table__  # type: ignore[attr-defined]
USER_AGENT = f"Watchfloor-Webhooks/{__version__}"
MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class Claimed:
    delivery_id: int
    token: str
    subscription_id: int
    url: str
    secret: str
    msg_id: str
    body: bytes
    attempts: int
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Result:
    outcome: str  # ok | http_error | network_error | refused
    status_code: int | None
    duration_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome == "ok"


def body_bytes(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


def build_client(settings: Settings, policy: AddressPolicy | None = None) -> httpx.Client:
    """Connections vetted at connect time by the feeds' address policy; no redirects (a 3xx is
    a failed delivery), no proxies from the environment (they would hide the address)."""
    transport = httpx.HTTPTransport(retries=0, trust_env=False)
    transport._pool = httpcore.ConnectionPool(  # httpx takes no network backend argument
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=max(settings.webhook_concurrency * 2, 10),
        max_keepalive_connections=settings.webhook_concurrency * 2,
        keepalive_expiry=5.0,
        retries=0,
        network_backend=VettedBackend(
            policy or AddressPolicy.from_settings(settings),
            dns_timeout=settings.fetch_dns_timeout_seconds,
        ),
    )
    return httpx.Client(
        transport=transport,
        follow_redirects=False,
        timeout=httpx.Timeout(settings.webhook_timeout_seconds),
        headers={"User-Agent": USER_AGENT, "Content-Type": "application/json"},
        trust_env=False,
    )


def claim(session: Session, limit: int, settings: Settings) -> list[Claimed]:
    """Claim up to `limit` due deliveries of active subscriptions; the caller commits."""
    now = utcnow()
    token = secrets.token_hex(16)
    d, s = DELIVERIES.c, SUBSCRIPTIONS.c
    due = (
        sa.select(d.id)
        .join(SUBSCRIPTIONS, s.id == d.subscription_id)
        .where(d.status == "pending", d.next_attempt_at <= now, s.status == "active")
        .order_by(d.next_attempt_at, d.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(of=DELIVERIES, skip_locked=True)
    lease = now + dt.timedelta(seconds=settings.webhook_lease_seconds)
    statement = (
        sa.update(DELIVERIES)
        .where(d.id.in_(due.scalar_subquery()))
        .values(next_attempt_at=lease, claim_token=token)
        .returning(d.id)
    )
    ids = list(session.scalars(statement))
    if not ids:
        return []
    m = MESSAGES.c
    rows = session.execute(
        sa.select(d.id, d.subscription_id, d.attempts, d.created_at, s.url, s.secret)
        .add_columns(m.msg_id, m.body)
        .join_from(DELIVERIES, SUBSCRIPTIONS, s.id == d.subscription_id)
        .join(MESSAGES, m.id == d.message_id)
        .where(d.id.in_(ids))
        .order_by(d.id)
    )
    return [
        Claimed(
            r.id,
            token,
            r.subscription_id,
            r.url,
            r.secret,
            r.msg_id,
            body_bytes(r.body),
            r.attempts,
            r.created_at,
        )
        for r in rows
    ]


def send(client: httpx.Client, item: Claimed, settings: Settings) -> Result:
    """POST one signed message. Never raises: the result says what happened."""
    started = time.monotonic()
    token = fetch_deadline.set(started + settings.webhook_timeout_seconds)
    headers = signed_headers(item.secret, item.msg_id, int(time.time()), item.body)
    try:
        with client.stream("POST", item.url, content=item.body, headers=headers) as response:
            status = response.status_code  # the body is never read: only the status counts
        outcome = "ok" if 200 <= status < 300 else "http_error"
        error = None if outcome == "ok" else f"HTTP {status}"
        return Result(outcome, status, _ms(started), error)
    except BlockedAddressError as exc:
        return Result("refused", None, _ms(started), str(exc)[:MAX_ERROR_CHARS])
    except (httpx.HTTPError, DeadlineExceededError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
        return Result("network_error", None, _ms(started), error)
    finally:
        fetch_deadline.reset(token)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential (base x 2^(n-1)), capped, with +-25 % jitter so retries do not march in step."""
    delay = settings.webhook_backoff_base_seconds * 2 ** min(attempts - 1, 30)
    delay = min(delay, settings.webhook_backoff_max_seconds)
    return delay * (0.75 + random.random() * 0.5)


def record(session: Session, item: Claimed, result: Result, settings: Settings) -> str:
    """Store one attempt and its consequences; returns the delivery's new status (or 'lost'
    when the claim expired and another worker owns the row now)."""
    now = utcnow()
    session.execute(
        sa.insert(ATTEMPTS).values(
            delivery_id=item.delivery_id,
            subscription_id=item.subscription_id,
            msg_id=item.msg_id,
            attempted_at=now,
            duration_ms=result.duration_ms,
            status_code=result.status_code,
            outcome=result.outcome,
            error=result.error,
        )
    )
    attempts = item.attempts + 1
    given_up = now - item.created_at >= dt.timedelta(hours=settings.webhook_retry_hours)
    if result.ok:
        status, next_at = "delivered", now
    elif result.status_code == 410 or given_up:
        status, next_at = "failed", now
    else:
        status = "pending"
        next_at = now + dt.timedelta(seconds=backoff_seconds(attempts, settings))
    d = DELIVERIES.c
    updated = session.execute(
        sa.update(DELIVERIES)
        .where(d.id == item.delivery_id, d.claim_token == item.token)
        .values(
            status=status,
            attempts=attempts,
            next_attempt_at=next_at,
            last_attempt_at=now,
            delivered_at=now if result.ok else None,
            last_status_code=result.status_code,
            last_error=result.error,
            claim_token=None,
        )
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        logger.warning("webhook claim expired before its result", extra={"msg_id": item.msg_id})
        return "lost"
    _subscription_health(session, item.subscription_id, result, now, settings)
    WEBHOOK_DELIVERIES.labels(outcome=_METRIC_OUTCOME[status]).inc()
    return status


# the delivery's new status, as /metrics counts attempts: sent, to be retried, or given up
_METRIC_OUTCOME = {"delivered": "delivered", "pending": "failed", "failed": "gave_up"}


def _subscription_health(
    session: Session, subscription_id: int, result: Result, now: dt.datetime, settings: Settings
) -> None:
    s = SUBSCRIPTIONS.c
    this = sa.update(SUBSCRIPTIONS).where(s.id == subscription_id)
    if result.ok:
        session.execute(this.values(failing_since=None, last_success_at=now))
        return
    if result.status_code == 410:
        reason = f"the receiver answered 410 Gone at {now.isoformat()}"
        session.execute(this.values(status="disabled", disabled_reason=reason, updated_at=now))
        logger.warning(
            "webhook subscription disabled: 410", extra={"subscription": subscription_id}
        )
        return
    session.execute(this.where(s.failing_since.is_(None)).values(failing_since=now))
    limit = now - dt.timedelta(days=settings.webhook_disable_after_days)
    reason = f"no successful delivery for {settings.webhook_disable_after_days:g} days"
    disabled = session.execute(
        this.where(s.status == "active", s.failing_since <= limit).values(
            status="disabled", disabled_reason=reason, updated_at=now
        )
    )
    if disabled.rowcount:  # type: ignore[attr-defined]
        logger.warning(
            "webhook subscription disabled: failing", extra={"subscription": subscription_id}
        )
