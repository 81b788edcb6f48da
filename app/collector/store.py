"""Idempotent storage of entries, feed state and collection runs. Services flush; callers commit.

Articles are unique per (source, entry key) and per (source, canonical URL). Existing rows are
matched on either key, within the storing source only: a feed never changes another source's
article, whatever URL it links (the same URL from two sources is two articles of one story).
The rest are inserted with INSERT ... ON CONFLICT DO NOTHING (any unique index), so a
concurrent collector inserting the same story for the same source loses quietly.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from app.collector.parse import NormalizedEntry
from app.core.db import chunked
from app.core.models import Article, CollectionRun, Feed, UTCDateTime

ARTICLES = Article.__table__  # type: ignore[attr-defined]
FEEDS = Feed.__table__  # type: ignore[attr-defined]
RUNS = CollectionRun.__table__  # type: ignore[attr-defined]
CHUNK = 500  # rows per statement, well under PostgreSQL's 65,535 bind parameters


@dataclass
class StoreResult:
    new_ids: list[int] = field(default_factory=list)
    updated_ids: list[int] = field(default_factory=list)
    # The inserted rows' entries by article id (PostgreSQL; empty elsewhere): what was stored
    # of each new article, so its extraction may start without reading it back.
    inserted: dict[int, NormalizedEntry] = field(default_factory=dict)

    @property
    def changed_ids(self) -> list[int]:
        return self.new_ids + self.updated_ids


def dialect_insert(session: Session, table: sa.Table) -> Any:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    if name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect: {name}")


def dedupe_batch(entries: Iterable[NormalizedEntry]) -> list[NormalizedEntry]:
    """One row per conflict key, first wins; oldest first so ids follow publication time."""
    seen_guid: set[str] = set()
    seen_url: set[str] = set()
    unique = []
    for entry in entries:
        if entry.guid_hash in seen_guid or (
            entry.canonical_url and entry.canonical_url in seen_url
        ):
            continue
        seen_guid.add(entry.guid_hash)
        if entry.canonical_url:
            seen_url.add(entry.canonical_url)
        unique.append(entry)
    unique.sort(key=lambda e: e.published_at)
    return unique


def store_entries(
    session: Session,
    *,
    source_id: int,
    feed_id: int | None,
    entries: Sequence[NormalizedEntry],
    now: dt.datetime,
) -> StoreResult:
    result = StoreResult()
    batch = dedupe_batch(entries)
    for start in range(0, len(batch), CHUNK):
        chunk = batch[start : start + CHUNK]
        by_guid, by_url = _existing(session, source_id, chunk)
        inserts, updates = [], []
        for entry in chunk:
            match = by_guid.get(entry.guid_hash) or (
                by_url.get(entry.canonical_url) if entry.canonical_url else None
            )
            if match is None:
                inserts.append(_row(entry, source_id, feed_id, now))
            elif match[1] != entry.content_hash:
                updates.append(_changes(match[0], source_id, entry, now))
        inserted = _insert(session, inserts)
        result.new_ids += [article_id for article_id, _ in inserted]
        by_hash = {entry.guid_hash: entry for entry in chunk}
        result.inserted.update(
            (article_id, by_hash[guid_hash]) for article_id, guid_hash in inserted if guid_hash
        )
        result.updated_ids += _update(session, updates)
    session.flush()
    return result


def _existing(
    session: Session, source_id: int, chunk: Sequence[NormalizedEntry]
) -> tuple[dict[str, tuple[int, str]], dict[str, tuple[int, str]]]:
    hashes = [e.guid_hash for e in chunk]
    urls = [e.canonical_url for e in chunk if e.canonical_url]
    condition = ARTICLES.c.guid_hash.in_(hashes)
    if urls:
        condition = sa.or_(condition, ARTICLES.c.canonical_url.in_(urls))
    # Only this source's rows: another source's article under the same URL is never a match.
    condition = sa.and_(ARTICLES.c.source_id == source_id, condition)
    rows = session.execute(
        sa.select(
            ARTICLES.c.id,
            ARTICLES.c.source_id,
            ARTICLES.c.guid_hash,
            ARTICLES.c.canonical_url,
            ARTICLES.c.content_hash,
        ).where(condition)
    ).all()
    by_guid = {r.guid_hash: (r.id, r.content_hash) for r in rows}
    by_url = {r.canonical_url: (r.id, r.content_hash) for r in rows if r.canonical_url}
    return by_guid, by_url


def _row(entry: NormalizedEntry, source_id: int, feed_id: int | None, now: dt.datetime) -> dict:
    return {
        "source_id": source_id,
        "feed_id": feed_id,
        "guid": entry.guid,
        "guid_hash": entry.guid_hash,
        "url": entry.url,
        "canonical_url": entry.canonical_url,
        "title": entry.title,
        "summary": entry.summary,
        "text": entry.text,
        "author": entry.author,
        "published_at": entry.published_at,
        "published_inferred": entry.published_inferred,
        "fetched_at": now,
        "updated_at": now,
        "content_hash": entry.content_hash,
        "extracted_at": None,
    }


def _changes(article_id: int, source_id: int, entry: NormalizedEntry, now: dt.datetime) -> dict:
    # The published date is never overwritten on refresh.
    return {
        "b_id": article_id,
        "b_source": source_id,
        "b_title": entry.title,
        "b_summary": entry.summary,
        "b_text": entry.text,
        "b_author": entry.author,
        "b_hash": entry.content_hash,
        "b_now": now,
    }


def _insert(session: Session, rows: list[dict]) -> list[tuple[int, str | None]]:
    """Insert what no unique index holds yet; (id, guid_hash) of each row inserted (the hash
    on PostgreSQL only)."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _insert_json(session, rows)
    stmt = dialect_insert(session, ARTICLES).on_conflict_do_nothing().returning(ARTICLES.c.id)
    return [(row[0], None) for row in session.execute(stmt, rows)]


_INSERTED_COLUMNS = (
    "source_id",
    "feed_id",
    "guid",
    "guid_hash",
    "url",
    "canonical_url",
    "title",
    "summary",
    "text",
    "author",
    "published_at",
    "published_inferred",
    "fetched_at",
    "updated_at",
    "content_hash",
)
# One constant statement with the whole batch as one JSON document: the SQL text never changes
# with the batch size, so the server prepares it once (a multi-row VALUES list is re-parsed for
# every feed), and json.dumps costs the collector half of what dumping one array per column did.
_INSERT_JSON = sa.text(
    f"INSERT INTO articles ({', '.join(_INSERTED_COLUMNS)}) "
    f"SELECT {', '.join(_INSERTED_COLUMNS)} "
    "FROM json_populate_recordset(NULL::articles, CAST(:rows AS json)) "
    "ON CONFLICT DO NOTHING RETURNING id, guid_hash"
)


def _insert_json(session: Session, rows: list[dict]) -> list[tuple[int, str | None]]:
    document = json.dumps(
        [{column: _json_value(row[column]) for column in _INSERTED_COLUMNS} for row in rows],
        ensure_ascii=False,
    )
    return [(row[0], row[1]) for row in session.execute(_INSERT_JSON, {"rows": document})]


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


_UPDATE = (
    sa.update(ARTICLES)
    .where(ARTICLES.c.id == sa.bindparam("b_id"))
    # Never another source's row, whatever matched it: only a source changes its own articles.
    .where(ARTICLES.c.source_id == sa.bindparam("b_source"))
    .where(ARTICLES.c.content_hash != sa.bindparam("b_hash"))
    .values(
        title=sa.bindparam("b_title"),
        summary=sa.bindparam("b_summary"),
        text=sa.bindparam("b_text"),
        author=sa.bindparam("b_author"),
        content_hash=sa.bindparam("b_hash"),
        updated_at=sa.bindparam("b_now", type_=UTCDateTime()),
        # Changed text must be extracted again.
        extracted_at=None,
    )
)


def _update(session: Session, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    session.connection().execute(_UPDATE, rows)
    return [row["b_id"] for row in rows]


def entries_in_past_week(session: Session, feed_id: int, now: dt.datetime) -> int:
    return int(
        session.execute(
            sa.select(sa.func.count())
            .select_from(ARTICLES)
            .where(ARTICLES.c.feed_id == feed_id)
            .where(ARTICLES.c.published_at >= now - dt.timedelta(days=7))
        ).scalar_one()
    )


def entries_in_past_week_many(
    session: Session, feed_ids: Sequence[int], now: dt.datetime
) -> dict[int, int]:
    counts: dict[int, int] = {}
    for chunk in chunked(feed_ids):  # poll_batch_size has no upper bound
        rows = session.execute(
            sa.select(ARTICLES.c.feed_id, sa.func.count())
            .where(ARTICLES.c.feed_id.in_(chunk))
            .where(ARTICLES.c.published_at >= now - dt.timedelta(days=7))
            .group_by(ARTICLES.c.feed_id)
        ).all()
        counts.update((int(feed_id), int(count)) for feed_id, count in rows)
    return counts


_CHECKED = (
    sa.update(FEEDS)
    .where(FEEDS.c.id == sa.bindparam("b_id"))
    .values(
        etag=sa.bindparam("b_etag"),
        last_modified=sa.bindparam("b_last_modified"),
        poll_interval_seconds=sa.bindparam("b_interval"),
        next_check_at=sa.bindparam("b_next", type_=UTCDateTime()),
        last_success_at=sa.bindparam("b_now", type_=UTCDateTime()),
        updated_at=sa.bindparam("b_now", type_=UTCDateTime()),
        last_status=sa.bindparam("b_status"),
        error_count=0,
    )
)


def record_checks(session: Session, feed_rows: list[dict], run_rows: list[dict]) -> None:
    """Successful checks without new content (304 / same body), many feeds at once."""
    session.connection().execute(_CHECKED, feed_rows)
    session.execute(sa.insert(RUNS), run_rows)


def update_feed(session: Session, feed_id: int, **values: Any) -> None:
    session.execute(sa.update(FEEDS).where(FEEDS.c.id == feed_id).values(**values))


def record_run(session: Session, **values: Any) -> None:
    session.execute(sa.insert(RUNS).values(**values))


def relax_durability(session: Session) -> None:
    """Commit this transaction without waiting for the WAL flush (PostgreSQL only).

    Used for bookkeeping that a crash may lose harmlessly: a not-modified check or a failure
    record. Losing it only means the feed is checked again; articles keep durable commits.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL synchronous_commit = off"))
