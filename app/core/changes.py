"""The change sequence under the sync contract, and the tombstones of removed events.

Every insert and update of an event (and every tombstone) takes the next value of one
sequence that only grows, set by the database itself (a trigger), so no writer can forget it:

- PostgreSQL: the sequence `events_change_seq`; a BEFORE INSERT OR UPDATE trigger takes the
  extraction writer's transaction-level advisory lock before drawing the value. Writers are
  therefore serialised and commit in sequence order: a reader never sees change n+1 committed
  while change n is still in flight, which is what lets a poller resume from "the last change
  I saw" without ever missing one (the back-dated-row problem of timestamp-based polling).
- SQLite: one writer at a time anyway; a one-row counter table and AFTER triggers.

`record_removed_events` writes the tombstones (`GET /events/deleted`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session

from app.core.models import Event, EventMention, EventTombstone, utcnow

# The extraction writer's advisory lock ("WFEX", app/extraction/store.py): the trigger takes
# the same one, so extraction (which already holds it) pays nothing more.
WRITER_LOCK_ID = 0x5746_4558
SEQUENCE = "events_change_seq"
SQLITE_COUNTER = "change_counter"

_PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION watchfloor_next_change() RETURNS trigger AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({WRITER_LOCK_ID});
    NEW.change_seq := nextval('{SEQUENCE}');
    RETURN NEW;
END
$$ LANGUAGE plpgsql
"""
_TABLES = ("events", "event_tombstones")


def install(connection: Connection) -> None:
    """Create the sequence (or counter) and triggers, and number the rows already there."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}"))
        connection.execute(sa.text(_PG_FUNCTION))
        for table in _TABLES:
            connection.execute(
                sa.text(
                    f"CREATE TRIGGER {table}_change_seq BEFORE INSERT OR UPDATE ON {table} "
                    "FOR EACH ROW EXECUTE FUNCTION watchfloor_next_change()"
                )
            )
        # Existing rows in their order of change (the trigger draws the values).
        connection.execute(
            sa.text(
                "UPDATE events SET change_seq = NULL WHERE id IN "
                "(SELECT id FROM events ORDER BY updated_at, id)"
            )
        )
        return
    connection.execute(
        sa.text(
            f"CREATE TABLE IF NOT EXISTS {SQLITE_COUNTER} "
            "(id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL)"
        )
    )
    connection.execute(sa.text(f"INSERT OR IGNORE INTO {SQLITE_COUNTER} VALUES (1, 0)"))
    for table in _TABLES:
        bump = (
            f"UPDATE {SQLITE_COUNTER} SET value = value + 1 WHERE id = 1; "
            f"UPDATE {table} SET change_seq = (SELECT value FROM {SQLITE_COUNTER} WHERE id = 1) "
            "WHERE id = NEW.id;"
        )
        connection.execute(
            sa.text(
                f"CREATE TRIGGER {table}_change_seq_insert AFTER INSERT ON {table} BEGIN {bump} END"
            )
        )
        # The insert trigger's own UPDATE changes change_seq, so it does not count twice.
        connection.execute(
            sa.text(
                f"CREATE TRIGGER {table}_change_seq_update AFTER UPDATE ON {table} "
                f"WHEN NEW.change_seq IS OLD.change_seq BEGIN {bump} END"
            )
        )
    connection.execute(sa.text("UPDATE events SET change_seq = change_seq"))


def uninstall(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        for table in _TABLES:
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_change_seq ON {table}"))
        connection.execute(sa.text("DROP FUNCTION IF EXISTS watchfloor_next_change()"))
        connection.execute(sa.text(f"DROP SEQUENCE IF EXISTS {SEQUENCE}"))
        return
    for table in _TABLES:
        for when in ("insert", "update"):
            connection.execute(sa.text(f"DROP TRIGGER IF EXISTS {table}_change_seq_{when}"))
    connection.execute(sa.text(f"DROP TABLE IF EXISTS {SQLITE_COUNTER}"))


# --- tombstones -------------------------------------------------------------------------------

EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
MENTIONS: sa.Table = EventMention.__table__  # type: ignore[attr-defined]
TOMBSTONES: sa.Table = EventTombstone.__table__  # type: ignore[attr-defined]
_IN_CHUNK = 1000


def mention_owners(session: Session, article_ids: Iterable[int]) -> dict[int, set[int]]:
    """article id -> the events its mentions belong to now (read before re-extraction moves
    them, so a removed event can name the event that took them over)."""
    owners: dict[int, set[int]] = {}
    ids = list(article_ids)
    for start in range(0, len(ids), _IN_CHUNK):
        chunk = ids[start : start + _IN_CHUNK]
        rows = session.execute(
            sa.select(MENTIONS.c.article_id, MENTIONS.c.event_id).where(
                MENTIONS.c.article_id.in_(chunk)
            )
        )
        for article_id, event_id in rows:
            owners.setdefault(article_id, set()).add(event_id)
    return owners


def record_removed_events(
    session: Session,
    candidates: Iterable[int],
    owners_before: Mapping[int, set[int]] | None = None,
    *,
    now: dt.datetime | None = None,
) -> list[int]:
    """Tombstones for those of `candidates` no longer in `events`. `replaced_by`: the live
    event that now holds most of the removed event's former articles (None when none does).
    Flushes only; the caller's unit of work commits. Returns the removed ids."""
    wanted = sorted(set(candidates))
    if not wanted:
        return []
    live: set[int] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start : start + _IN_CHUNK]
        live.update(session.scalars(sa.select(EVENTS.c.id).where(EVENTS.c.id.in_(chunk))))
    gone = [event_id for event_id in wanted if event_id not in live]
    if not gone:
        return []
    successors = _successors(session, gone, owners_before or {})
    moment = now or utcnow()
    for event_id in gone:
        # Upsert: an id removed, re-created (a rebuild keeps ids) and removed again.
        session.execute(sa.delete(TOMBSTONES).where(TOMBSTONES.c.id == event_id))
    session.execute(
        sa.insert(TOMBSTONES),
        [
            {"id": event_id, "deleted_at": moment, "replaced_by": successors.get(event_id)}
            for event_id in gone
        ],
    )
    return gone


def _successors(
    session: Session, gone: list[int], owners_before: Mapping[int, set[int]]
) -> dict[int, int]:
    articles_of: dict[int, set[int]] = {}
    for article_id, events in owners_before.items():
        for event_id in events:
            articles_of.setdefault(event_id, set()).add(article_id)
    wanted_articles = sorted({a for e in gone for a in articles_of.get(e, ())})
    now_owners = mention_owners(session, wanted_articles)
    successors: dict[int, int] = {}
    for event_id in gone:
        votes: dict[int, int] = {}
        for article_id in articles_of.get(event_id, ()):
            for owner in now_owners.get(article_id, ()):
                votes[owner] = votes.get(owner, 0) + 1
        if votes:
            successors[event_id] = min(votes, key=lambda owner: (-votes[owner], owner))
    return successors
