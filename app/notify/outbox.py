"""The transactional outbox: messages written in the same transaction as the change.

A message is one row of `webhook_messages`; what each subscription is owed is a row of
`webhook_deliveries`, fanned out at write time from the subscriptions that want it (active and
paused ones; a paused subscription's deliveries wait). Nothing is sent here: the rows commit or
roll back with the change, and delivery workers (app/notify/delivery.py) send what committed.
On PostgreSQL a NOTIFY, which PostgreSQL itself delivers only at commit, wakes the workers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.assessment.area import Area
from app.core.config import get_settings
from app.core.models import WebhookDelivery, WebhookMessage, WebhookSubscription, utcnow
from app.notify.filters import Matcher, iso
from app.notify.signing import new_message_id

MESSAGES: sa.Table = WebhookMessage.__table__  # type: ignore[attr-defined]
DELIVERIES: sa.Table = WebhookDelivery.__table__  # type: ignore[attr-defined]
SUBSCRIPTIONS: sa.Table = WebhookSubscription.__table__  # type: ignore[attr-defined]
WAKE_CHANNEL = "watchfloor_webhooks"
RECEIVING = ("active", "paused")  # disabled subscriptions are owed nothing new


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to write: its type, its `data`, and the event it is about (for filters)."""

    type: str
    data: dict[str, Any]
    event: dict[str, Any] | None = None


def matchers(session: Session, wanted_types: Sequence[str]) -> list[Matcher]:
    """The receiving subscriptions that want any of these types (one query)."""
    s = SUBSCRIPTIONS.c
    rows = session.execute(
        sa.select(s.id, s.event_types, s.filters).where(s.status.in_(RECEIVING)).order_by(s.id)
    ).all()
    area = Area.from_settings()
    found = []
    for row in rows:
        if set(row.event_types or ()) & set(wanted_types):
            found.append(Matcher(row.id, list(row.event_types), dict(row.filters or {}), area))
    return found


def resource_url(path: str) -> str:
    """The resource's URL: absolute with WATCHFLOOR_PUBLIC_BASE_URL, else a path from the root."""
    base = (get_settings().public_base_url or "").rstrip("/")
    return f"{base}{path}"


def body_of(message_type: str, data: dict[str, Any], at: dt.datetime) -> dict[str, Any]:
    return {"type": message_type, "timestamp": iso(at), "data": data}


def write(session: Session, outgoing: Sequence[Outgoing], subscribers: Sequence[Matcher]) -> int:
    """Write the messages some subscription wants and their deliveries; returns how many."""
    now = utcnow()
    pairs = []
    for item in outgoing:
        wanting = [m.subscription_id for m in subscribers if m.wants(item.type, item.event)]
        if wanting:
            pairs.append((item, wanting))
    if not pairs:
        return 0
    return write_for(session, [(i.type, i.data, w) for i, w in pairs], now)


def write_for(
    session: Session,
    messages: Sequence[tuple[str, dict[str, Any], Sequence[int]]],
    now: dt.datetime | None = None,
) -> int:
    """Write (type, data, subscription ids) messages and their deliveries, then wake workers."""
    now = now or utcnow()
    rows = [
        {
            "msg_id": new_message_id(),
            "type": message_type,
            "body": body_of(message_type, data, now),
            "created_at": now,
        }
        for message_type, data, _ in messages
    ]
    ids = {
        msg_id: message_id
        for message_id, msg_id in session.execute(
            sa.insert(MESSAGES).returning(
                MESSAGES.c.id, MESSAGES.c.msg_id, sort_by_parameter_order=True
            ),
            rows,
        )
    }
    deliveries = [
        {
            "message_id": ids[row["msg_id"]],
            "subscription_id": subscription_id,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for row, (_, _, subscription_ids) in zip(rows, messages, strict=True)
        for subscription_id in subscription_ids
    ]
    session.execute(sa.insert(DELIVERIES), deliveries)
    wake_workers(session)
    return len(rows)


def wake_workers(session: Session) -> None:
    """PostgreSQL delivers a NOTIFY at commit (and never on rollback); SQLite workers poll."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_notify(:channel, '')"), {"channel": WAKE_CHANNEL})
