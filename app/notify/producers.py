"""What causes messages: event changes (from extraction), threat-level band crossings and
stored assessments. Each call writes its outbox rows in the caller's transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.core.models import Assessment, Event, EventMention, NotifyState, utcnow
from app.notify import outbox
from app.notify.filters import (
    ASSESSMENT_PUBLISHED,
    EVENT_CREATED,
    EVENT_DELETED,
    EVENT_MESSAGE_TYPES,
    EVENT_UPDATED,
    THREAT_LEVEL_CHANGED,
    iso,
)
from app.notify.outbox import Outgoing

logger = logging.getLogger(__name__)

EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
STATE: sa.Table = NotifyState.__table__  # type: ignore[attr-defined]
MENTIONS: sa.Table = EventMention.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 1000
_REBUILD = "notify.rebuild_snapshot"  # session.info key: a rebuild reports its diff at the end
_FORGOTTEN = "notify.forgotten_mentions"  # session.info key: event id -> its former articles
THREAT_STATE = "threat_level"

# What event.updated reports, by the name it reports it under.
WATCHED: dict[str, tuple[str, ...]] = {
    "severity": ("severity",),
    "claim_status": ("claim_status",),
    "place": ("location_id", "location_name", "location_precision", "lat", "lon"),
    "date": ("event_date", "date_precision"),
}
_COLUMNS = ("id", "category", *dict.fromkeys(c for cols in WATCHED.values() for c in cols))


def _value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _snapshot(row: dict[str, Any]) -> dict[str, Any]:
    return {name: row.get(name) for name in _COLUMNS}


def _event_data(row: dict[str, Any], **extra: Any) -> dict[str, Any]:
    event_id = row["id"]
    data = {
        "id": event_id,
        "url": outbox.resource_url(f"/events/{event_id}"),
        "category": row["category"],
        "severity": row["severity"],
        "claim_status": row["claim_status"],
        "event_date": _value(row["event_date"]),
    }
    data.update(extra)
    return data


def changes(old: dict[str, Any], new: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The watched fields that differ, as {name: {"from": ..., "to": ...}}."""
    found = {}
    for name, columns in WATCHED.items():
        before = {c: _value(old.get(c)) for c in columns}
        after = {c: _value(new.get(c)) for c in columns}
        if before != after:
            if len(columns) == 1:
                before, after = before[columns[0]], after[columns[0]]  # type: ignore[assignment]
            found[name] = {"from": before, "to": after}
    return found


def _read_events(session: Session, ids: Iterable[int] | None) -> dict[int, dict[str, Any]]:
    columns = [EVENTS.c[name] for name in _COLUMNS]
    if ids is None:
        return {r.id: dict(r._mapping) for r in session.execute(sa.select(*columns))}
    wanted = sorted(set(ids))
    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        query = sa.select(*columns).where(EVENTS.c.id.in_(chunk))
        found.update({r.id: dict(r._mapping) for r in session.execute(query)})
    return found


def note_forgotten_mentions(session: Session, article_ids: Sequence[int]) -> None:
    """Extraction's hook before an article's old mentions are dropped: which events they
    supported, so an event left with none can name the event its articles moved to."""
    if _REBUILD in session.info or not outbox.matchers(session, (EVENT_DELETED,)):
        return
    noted: dict[int, set[int]] = session.info.setdefault(_FORGOTTEN, {})
    wanted = list(article_ids)
    for start in range(0, len(wanted), _IN_CHUNK):
        query = sa.select(MENTIONS.c.event_id, MENTIONS.c.article_id).where(
            MENTIONS.c.article_id.in_(wanted[start : start + _IN_CHUNK])
        )
        for event_id, article_id in session.execute(query):
            noted.setdefault(event_id, set()).add(article_id)


def _successors(
    deleted: Sequence[int], forgotten: dict[int, set[int]], supporters: dict[int, list[int]]
) -> dict[int, int]:
    """A deleted event's successor: the surviving event holding most of its former articles
    (ties: the lowest id); none when its articles now support no event."""
    found = {}
    for event_id in deleted:
        former = forgotten.get(event_id, set())
        scores = [
            (-len(former & set(articles)), other)
            for other, articles in supporters.items()
            if other not in deleted and former & set(articles)
        ]
        if scores:
            found[event_id] = min(scores)[1]
    return found


def record_event_changes(
    session: Session,
    *,
    created: Sequence[dict[str, Any]],
    updated: Sequence[dict[str, Any]],
    deleted: Sequence[int],
    supporters: dict[int, list[int]] | None = None,
) -> int:
    """Extraction's hook, called after new ids are known and before the UPDATE and DELETE of
    the batch are sent (so the rows still hold their old values). `supporters`: the article
    ids of each touched event's new mentions. Returns how many messages were written."""
    forgotten: dict[int, set[int]] = session.info.pop(_FORGOTTEN, {})
    if _REBUILD in session.info or not (created or updated or deleted):
        return 0
    if any(_may_move_the_level(row) for row in (*created, *updated)) or deleted:
        session.info[_LEVEL_DIRTY] = True
    subscribers = outbox.matchers(session, EVENT_MESSAGE_TYPES)
    if not subscribers:
        return 0
    old = _read_events(session, [r["id"] for r in updated] + list(deleted))
    outgoing = _event_messages(
        [_snapshot(r) for r in created],
        [(old[r["id"]], _snapshot(r)) for r in updated if r["id"] in old],
        [old[i] for i in deleted if i in old],
        _successors(deleted, forgotten, supporters or {}),
    )
    return outbox.write(session, outgoing, subscribers)


def _event_messages(
    created: list[dict[str, Any]],
    updated: list[tuple[dict[str, Any], dict[str, Any]]],
    deleted: list[dict[str, Any]],
    replaced_by: dict[int, int],
) -> list[Outgoing]:
    outgoing = [Outgoing(EVENT_CREATED, _event_data(row), row) for row in created]
    for before, after in updated:
        changed = changes(before, after)
        if changed:
            data = _event_data(after, changed=sorted(changed), changes=changed)
            outgoing.append(Outgoing(EVENT_UPDATED, data, after))
    for row in deleted:
        successor = replaced_by.get(row["id"])
        data = _event_data(
            row,
            reason="merged" if successor else "removed",
            replaced_by=successor,
            replaced_by_url=outbox.resource_url(f"/events/{successor}") if successor else None,
        )
        outgoing.append(Outgoing(EVENT_DELETED, data, row))
    return outgoing


def begin_rebuild(session: Session) -> None:
    """`extract --rebuild` deletes and re-creates every event (keeping ids): remember the
    events as they were, so that only real differences are announced at the end."""
    if outbox.matchers(session, EVENT_MESSAGE_TYPES):
        session.info[_REBUILD] = _read_events(session, None)
    else:
        session.info[_REBUILD] = None


def end_rebuild(session: Session) -> int:
    before = session.info.pop(_REBUILD, None)
    if before is None:
        return 0
    subscribers = outbox.matchers(session, EVENT_MESSAGE_TYPES)
    after = _read_events(session, None)
    outgoing = _event_messages(
        [row for i, row in after.items() if i not in before],
        [(before[i], row) for i, row in after.items() if i in before],
        [row for i, row in before.items() if i not in after],
        {},
    )
    return outbox.write(session, outgoing, subscribers)


# --- threat level ------------------------------------------------------------------------------

# Days before today whose events can move today's level: the window, its previous window and
# their baselines (situation.span_needed: 7 x 6 days), and a year-precision date's year.
LEVEL_LOOKBACK = dt.timedelta(days=7 * 6 + 366)
_LEVEL_DIRTY = "notify.level_dirty"  # session.info key: this transaction changed recent events


def _may_move_the_level(row: dict[str, Any]) -> bool:
    day = row.get("event_date")
    return not isinstance(day, dt.date) or day >= utcnow().date() - LEVEL_LOOKBACK


def after_extraction(session: Session) -> bool:
    """Extraction's hook after a batch is written: re-evaluate the level when the batch
    changed events recent enough to move it (a backfill of old news costs nothing)."""
    if not session.info.pop(_LEVEL_DIRTY, False):
        return False
    return check_threat_level(session)


def _locked_state(session: Session, name: str) -> dict[str, Any] | None:
    """The state row, locked until the transaction ends (two checkers announce a crossing once)."""
    query = sa.select(STATE.c.value).where(STATE.c.name == name)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    value = session.execute(query).scalar_one_or_none()
    return dict(value) if value is not None else None


def _save_state(session: Session, name: str, value: dict[str, Any], exists: bool) -> None:
    if exists:
        statement = sa.update(STATE).where(STATE.c.name == name)
        session.execute(statement.values(value=value, updated_at=utcnow()))
    else:
        session.execute(sa.insert(STATE).values(name=name, value=value, updated_at=utcnow()))


def check_threat_level(session: Session, at: dt.datetime | None = None) -> bool:
    """Announce `threat_level.changed` when the current level (the window ending today, as
    known now) is in another band than the last one announced. The first check only records
    the level. Returns whether a message was written."""
    subscribers = outbox.matchers(session, (THREAT_LEVEL_CHANGED,))
    if not subscribers:
        return False
    from app.assessment.threat import compute_threat_level

    now = at or utcnow()
    if session.get_bind().dialect.name == "postgresql":  # the row may not exist yet: serialise
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x5746_4E54})
    state = _locked_state(session, THREAT_STATE)
    try:
        threat = compute_threat_level(session, at=now)
    except sa.exc.DBAPIError:
        raise  # the transaction is broken anyway: let the change fail and be retried
    except Exception as exc:  # a defect in scoring must not block extraction; the next
        logger.error("threat level not evaluated", extra={"error": repr(exc)[:300]})  # check
        return False  # (a later batch, or the delivery worker's timer) evaluates it again
    current = {"level": threat.level, "score": threat.score, "at": iso(now)}
    if state is not None and state.get("level") == threat.level:
        return False
    _save_state(session, THREAT_STATE, current, exists=state is not None)
    if state is None:
        return False
    data = {
        "level": threat.level,
        "previous_level": state.get("level"),
        "score": threat.score,
        "previous_score": state.get("score"),
        "trend": threat.trend,
        "window": {"from": threat.first_day.isoformat(), "to": threat.last_day.isoformat()},
        "url": outbox.resource_url("/threat-level"),
    }
    outbox.write(session, [Outgoing(THREAT_LEVEL_CHANGED, data)], subscribers)
    logger.info("threat level changed", extra={"level": threat.level, "was": state.get("level")})
    return True


def record_assessment(session: Session, assessment: Assessment) -> int:
    """`assessment.published` for a stored report (a re-built period is published again)."""
    subscribers = outbox.matchers(session, (ASSESSMENT_PUBLISHED,))
    if not subscribers:
        return 0
    data = {
        "id": assessment.id,
        "url": outbox.resource_url(f"/assessments/{assessment.id}"),
        "period": {"from": iso(assessment.period_start), "to": iso(assessment.period_end)},
        "level": assessment.level,
        "score": assessment.score,
        "revised": assessment.updated_at != assessment.created_at,
    }
    return outbox.write(session, [Outgoing(ASSESSMENT_PUBLISHED, data)], subscribers)
