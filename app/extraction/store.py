"""Articles in the database -> merged events and their mentions.

An event is one real-world happening. Each article's account of a happening is kept as a view
(`mention_views`: what extraction found, and the event it belongs to), and the events are the
canonical merge of the views (app/extraction/cluster.py): views merged one at a time in the
order of publication (ties by the entry's hash, then article id), each joining the event it
agrees with best by the rules of app/extraction/merge.py or starting one. So the events are a
function of the set of stored articles, whatever order they arrive and are extracted in, and
`extract --rebuild` gives the same keys and, where a key existed, the same row ids.

A call extracts a batch of pending articles and brings the events up to date: the batch's old
views (an article extracted again) go, its new ones come, and the merge is replayed over the
region they can reach (`cluster.Replay`), loaded by family and day and widened until it holds
everything the changes can reach. Only what changed is written: new events, the events whose
views or fold changed, mentions of the (event, article) pairs whose views changed, and the
views that moved. An event that continues (same first view) keeps its id and key; one that
lost its first view passes its id to the event now holding most of its views; one left with
none is deleted and leaves a tombstone naming its successor. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlmodel import Session

from app import notify
from app.core import changes
from app.core.config import get_settings
from app.core.models import Article, Event, EventMention, MentionView, Source, utcnow
from app.extraction import merge
from app.extraction.cluster import (
    Cluster,
    ClusterIndex,
    Day,
    Ghost,
    Order,
    Replay,
    ReplayResult,
    Summary,
    View,
    absorb,
    apply_fold,
    day_of,
    extend_fold,
    fold_of,
    mentions_of,
    order_of,
    refresh,
    start_row,
)
from app.extraction.core import extract_article
from app.extraction.schemas import ArticleInput, ExtractedEvent, Location

logger = logging.getLogger(__name__)

_LOCK_ID = 0x5746_4558  # "WFEX": one extraction writer at a time on PostgreSQL
_IN_CHUNK = 1000  # ids per IN (...) list: far below the bind-parameter limits of both drivers
_INTERVALS_PER_QUERY = 100  # day ranges OR-ed into one query of views
_KEY_SUFFIXES = 32  # events sharing a base key are numbered base, base:2 ... up to this
_WEEK_REACH = dt.timedelta(days=merge.WEEK_DAYS - 1)  # a span that is not coarse starts this near
_COARSE_REACH = dt.timedelta(days=merge.LONGEST_SPAN_DAYS)
_COARSE_PRECISIONS = ("month", "year")

ARTICLES: sa.Table = Article.__table__  # type: ignore[attr-defined]
SOURCES: sa.Table = Source.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
MENTIONS: sa.Table = EventMention.__table__  # type: ignore[attr-defined]
VIEWS: sa.Table = MentionView.__table__  # type: ignore[attr-defined]

# Columns the merge decides (a changed event's UPDATE writes exactly these and `key`).
_MERGED = (
    "category",
    "title",
    "event_date",
    "date_precision",
    "location_name",
    "location_id",
    "location_precision",
    "lat",
    "lon",
    "actors",
    "weapons",
    "figures",
    "severity",
    "claim_status",
    "confidence",
    "corroboration",
    "first_reported_at",
    "last_reported_at",
    "family",
    "views_from",
    "views_to",
    "fold",
)


@dataclass(slots=True)
class _Article:
    id: int
    source_id: int
    published_at: dt.datetime
    tiebreak: str
    reliability: str | None
    input: ArticleInput
    story: str | None  # the canonical URL: two sources' copies of one story share it


ExtractMany = Callable[[Sequence[ArticleInput]], list[list[ExtractedEvent]]]


def extract_all(
    inputs: Sequence[ArticleInput],
    extract: Callable[[ArticleInput], list[ExtractedEvent]] = extract_article,
) -> list[list[ExtractedEvent]]:
    """`extract_article` over a batch, in order: the pure part of a call, which a caller may
    run elsewhere (the collector runs it in its parse processes) by passing `extract_many`.

    An article the rules fail on (a defect, never expected) yields no events and is logged
    with its id, instead of failing its whole batch again at every pass; it stays stored, and
    `extract --rebuild` reads it again once the rules are fixed."""
    return [_events_or_none(extract, article) for article in inputs]


def _events_or_none(
    extract: Callable[[ArticleInput], list[ExtractedEvent]], article: ArticleInput
) -> list[ExtractedEvent]:
    try:
        # stored articles always carry a publish day, so every event has a date; one without
        # (an article with no publish date at all) has no day to be stored under
        return [event for event in extract(article) if event.event_date is not None]
    except Exception as exc:
        logger.error(
            "extraction failed on an article; it yields no events",
            extra={"article_id": article.id, "error": repr(exc)[:300]},
        )
        return []


def extract_pending(
    session: Session,
    *,
    article_ids: Sequence[int] | None = None,
    limit: int | None = None,
    extract_many: ExtractMany = extract_all,
) -> int:
    """Extract articles not yet extracted (optionally only `article_ids`); returns how many."""
    return _extract(
        session, article_ids=article_ids, limit=limit, reuse_ids={}, extract_many=extract_many
    )


def rebuild_events(session: Session) -> dict[str, int]:
    """Drop every event, mention and view and extract every stored article again
    (idempotent: the same keys keep their ids)."""
    _lock(session)
    session.flush()
    notify.begin_rebuild(session)
    reuse_ids: dict[str, int] = dict(session.execute(sa.select(EVENTS.c.key, EVENTS.c.id)).all())  # type: ignore[arg-type]
    session.execute(sa.delete(VIEWS))
    session.execute(sa.delete(MENTIONS))
    session.execute(sa.delete(EVENTS))
    session.execute(sa.update(ARTICLES).values(extracted_at=None))
    batch = get_settings().extraction_batch_size
    articles = 0
    while True:  # oldest first: each batch only adds views after the stored ones
        done = _extract(session, article_ids=None, limit=batch, reuse_ids=reuse_ids)
        articles += done
        if done < batch:
            break
    changes.record_removed_events(session, reuse_ids.values())  # keys no rule finds any more
    notify.end_rebuild(session)
    summary = {
        "articles": articles,
        "events": session.scalar(sa.select(sa.func.count()).select_from(EVENTS)) or 0,
        "mentions": session.scalar(sa.select(sa.func.count()).select_from(MENTIONS)) or 0,
    }
    logger.info("events rebuilt", extra=summary)
    return summary


def _extract(
    session: Session,
    *,
    article_ids: Sequence[int] | None,
    limit: int | None,
    reuse_ids: dict[str, int],
    extract_many: ExtractMany = extract_all,
) -> int:
    _lock(session)
    session.flush()  # pending ORM changes (e.g. extracted_at reset) must be visible to Core
    articles = _load_articles(session, article_ids, limit)
    if not articles:
        return 0
    now = utcnow()
    ids = [a.id for a in articles]
    views = [
        _new_view(article, ordinal, extracted)
        for article, found in zip(articles, extract_many([a.input for a in articles]), strict=True)
        for ordinal, extracted in enumerate(found)
    ]
    ghosts = _forget_views(session, ids)
    appended = None if ghosts else _append(session, views)
    result = appended or _replay(session, views, ghosts)
    written = _Writer(session, result, views, ghosts, reuse_ids, now).write()
    notify.after_extraction(session)  # threat_level.changed when a band is crossed
    for chunk in _chunks(ids):
        session.execute(
            sa.update(ARTICLES)
            .where(_among(session, ARTICLES.c.id, chunk))
            .values(extracted_at=now)
        )
    session.expire_all()  # Core writes bypass the identity map: reload on next access
    logger.info(
        "articles extracted",
        extra={"articles": len(articles), "appended": appended is not None, **written},
    )
    return len(articles)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def _among(session: Session, column: sa.ColumnElement[Any], values: Iterable[Any]) -> Any:
    """`column IN (values)`; on PostgreSQL `column = ANY(:array)`, one parameter however many
    values (an IN list of a thousand placeholders costs more to render, split and plan than
    to run)."""
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        array = sa.bindparam(None, values, type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    return column.in_(values)


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


# --- reading ---------------------------------------------------------------------------------


def pending_inputs(session: Session, article_ids: Sequence[int]) -> list[ArticleInput]:
    """What extraction would read of these articles now (those still pending): a caller may
    extract them ahead of `extract_pending` and hand the results back through `extract_many`
    (the collector does, to keep its parse processes busy while it merges)."""
    return [article.input for article in _load_articles(session, article_ids, None)]


def _load_articles(
    session: Session, article_ids: Sequence[int] | None, limit: int | None
) -> list[_Article]:
    """Pending articles in canonical order (so a backlog, or a rebuild, only ever adds views
    after the stored ones: the cheapest replay)."""
    a, s = ARTICLES.c, SOURCES.c
    query = (
        sa.select(a.id, a.source_id, a.title, a.text, a.summary, a.published_at, a.url)
        .add_columns(a.guid_hash, s.name, s.reliability, a.canonical_url)
        .join_from(ARTICLES, SOURCES, s.id == a.source_id)
        .where(a.extracted_at.is_(None))
        .order_by(a.published_at, a.guid_hash, a.id)
    )
    if article_ids is None:
        rows = list(session.execute(query.limit(limit) if limit is not None else query))
    else:
        rows = []
        wanted = list(dict.fromkeys(article_ids))
        # PostgreSQL: one query (one array parameter), so that `limit` is applied there
        for chunk in [wanted] if _postgresql(session) else _chunks(wanted):
            part = query.where(_among(session, a.id, chunk))
            rows += session.execute(part.limit(limit) if limit is not None else part)
        rows.sort(key=lambda r: (r.published_at, r.guid_hash, r.id))
        rows = rows[:limit] if limit is not None else rows
    return [_article(row) for row in rows]


def _article(row: sa.Row[Any]) -> _Article:
    return _Article(
        id=row.id,
        source_id=row.source_id,
        published_at=row.published_at,
        tiebreak=row.guid_hash,
        reliability=row.reliability,
        input=ArticleInput(
            id=row.id,
            title=row.title,
            text=row.text or row.summary or "",
            published=row.published_at,
            source=row.name,
            url=row.url,
            reliability=row.reliability,
        ),
        story=row.canonical_url,
    )


def _new_view(article: _Article, ordinal: int, extracted: ExtractedEvent) -> View:
    return View(
        order=(article.published_at, article.tiebreak, article.id, ordinal),
        event=extracted,
        source_id=article.source_id,
        story=article.story,
        reliability=article.reliability,
    )


def _forget_views(session: Session, article_ids: list[int]) -> list[Ghost]:
    """An article extracted again replaces its views: the old ones go, as ghosts that tell
    the replay where the stored clustering stops holding."""
    v = VIEWS.c
    ghosts: list[Ghost] = []
    for chunk in _chunks(article_ids):
        query = sa.select(
            v.published_at, v.tiebreak, v.article_id, v.ordinal, v.family, v.span_start
        ).add_columns(v.span_end, v.event_id)
        ghosts += [
            Ghost((r[0], r[1], r[2], r[3]), r.family, (r.span_start, r.span_end), r.event_id)
            for r in session.execute(query.where(_among(session, v.article_id, chunk)))
        ]
    if ghosts:
        for chunk in _chunks(article_ids):
            session.execute(sa.delete(VIEWS).where(_among(session, v.article_id, chunk)))
    return ghosts


def _replay(session: Session, views: list[View], ghosts: list[Ghost]) -> ReplayResult:
    """Replay the merge over a region wide enough for the changes: start with the days the
    new and gone views can reach, and widen it while the replay says it needs more."""
    settings = get_settings()
    region = _Region(session)
    region.complete({g.stored_event for g in ghosts})
    margin = dt.timedelta(days=2 * settings.extraction_merge_days)
    changed: list[View | Ghost] = [*views, *ghosts]
    needed = {day for item in changed for day in _days(item.family, item.span, margin)}
    while True:
        region.cover(needed)
        result = Replay(
            [*views, *region.views()],
            ghosts,
            window=settings.extraction_merge_days,
            merge_km=settings.extraction_merge_km,
        ).run()
        if result.needed <= region.covered:
            return result
        needed = result.needed


def _append(session: Session, views: list[View]) -> ReplayResult | None:
    """The merge when every new view comes after every stored view of the events within its
    reach (articles arriving in publication order: the live collector's usual case). No stored
    view is then merged differently, so the events continue from their rows and aggregates
    (`events.fold`) alone, without reading their views. None: some event in reach has a view
    at or after the first new one (or no aggregates): the replay must decide."""
    if not views:
        return None
    settings = get_settings()
    window = dt.timedelta(days=settings.extraction_merge_days)
    ordered = sorted(views, key=lambda view: view.order)
    summaries = _events_near(session, ordered, window)
    if summaries is None or any(s.last >= ordered[0].order for s, _ in summaries):
        return None
    index = ClusterIndex(settings.extraction_merge_days, settings.extraction_merge_km)
    for summary, row in summaries:
        index.add(Cluster(creator=None, row=row, members=[], summary=summary))
    clusters: list[Cluster] = []
    for view in ordered:  # as the replay merges views no stored view comes after
        cluster = index.match(view.event)
        if cluster is None:
            cluster = Cluster(creator=view, row=start_row(view.event), members=[view])
            index.add(cluster)
        else:
            absorb(cluster.row, view.event)
            index.reindex(cluster)
            cluster.members.append(view)
        if cluster.changed_at is None:
            cluster.changed_at = view.order
            clusters.append(cluster)
    continued = [c.summary for c in clusters if c.summary is not None]
    _shared_stories(session, continued, clusters)
    changed_at = {c.summary.event_id: c.changed_at for c in clusters if c.summary is not None}
    return ReplayResult(clusters, {}, changed_at, set())  # type: ignore[arg-type]


def _events_near(
    session: Session, views: list[View], window: dt.timedelta
) -> list[tuple[Summary, dict[str, Any]]] | None:
    """The stored events of the views' families whose views' days come within the merge
    window of a new view's span, each as its summary and merged row (None: one has no
    aggregates yet)."""
    e = EVENTS.c
    reach: dict[str, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for view in views:
        reach[view.family].append((view.span[0] - window, view.span[1] + window))
    conditions = [
        sa.and_(e.family == family, e.views_to >= first, e.views_from <= last)
        for family, spans in reach.items()
        for first, last in _merged_spans(spans)
    ]
    found: dict[int, tuple[Summary, dict[str, Any]]] = {}
    for start in range(0, len(conditions), _INTERVALS_PER_QUERY):
        query = sa.select(e.id, *(e[name] for name in _MERGED)).where(
            sa.or_(*conditions[start : start + _INTERVALS_PER_QUERY])
        )
        for row in session.execute(query):
            if row.fold is None:
                return None
            found[row.id] = (Summary.of(row.id, row.fold), dict(row._mapping))
    return list(found.values())


def _merged_spans(spans: list[tuple[dt.date, dt.date]]) -> Iterator[tuple[dt.date, dt.date]]:
    run: tuple[dt.date, dt.date] | None = None
    for first, last in sorted(spans):
        if run is not None and first <= run[1] + dt.timedelta(days=1):
            run = (run[0], max(run[1], last))
            continue
        if run is not None:
            yield run
        run = (first, last)
    if run is not None:
        yield run


def _shared_stories(session: Session, summaries: list[Summary], clusters: list[Cluster]) -> None:
    """For each continued event, the sources of its stored views that carry one of the story
    URLs its new views carry (copies of one story are one publisher): one narrow query on
    the story index, never the event's other views."""
    if not summaries:
        return
    by_event = {s.event_id: s for s in summaries}
    stories = sorted(
        {v.story for c in clusters if c.summary is not None for v in c.members if v.story}
    )
    v = VIEWS.c
    for chunk in _chunks(stories):
        query = sa.select(v.event_id, v.story, v.source_id).where(
            _among(session, v.story, chunk), _among(session, v.event_id, sorted(by_event))
        )
        for event_id, story, source_id in session.execute(query):
            by_event[event_id].shared.setdefault(story, set()).add(source_id)


def _days(family: str, span: tuple[dt.date, dt.date], margin: dt.timedelta) -> Iterator[Day]:
    day, last = span[0] - margin, span[1] + margin
    while day <= last:
        yield family, day
        day += dt.timedelta(days=1)


class _Region:
    """The stored views the replay sees: every view whose span touches a covered day, and
    every view of the events those belong to (an event is replayed whole or not at all)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.covered: set[Day] = set()
        self._views: dict[int, View] = {}  # by mention_views.id
        self._complete: set[int] = set()  # events all of whose views are loaded

    def views(self) -> list[View]:
        return list(self._views.values())

    def cover(self, days: Iterable[Day]) -> None:
        missing = sorted(set(days) - self.covered)
        if not missing:
            return
        self.covered.update(missing)
        v = VIEWS.c
        conditions = [
            sa.and_(
                v.family == family,
                v.span_end >= first,
                sa.or_(
                    v.span_start.between(first - _WEEK_REACH, last),
                    sa.and_(v.coarse, v.span_start.between(first - _COARSE_REACH, last)),
                ),
            )
            for family, first, last in _intervals(missing)
        ]
        for start in range(0, len(conditions), _INTERVALS_PER_QUERY):
            self._load(sa.or_(*conditions[start : start + _INTERVALS_PER_QUERY]))
        self.complete({view.stored_event for view in self._views.values()})  # type: ignore[misc]

    def complete(self, event_ids: set[int]) -> None:
        wanted = sorted(event_ids - self._complete)
        self._complete.update(wanted)
        for chunk in _chunks(wanted):
            self._load(_among(self.session, VIEWS.c.event_id, chunk))

    def _load(self, where: Any) -> None:
        v, s = VIEWS.c, SOURCES.c
        query = (
            sa.select(v.id, v.published_at, v.tiebreak, v.article_id, v.ordinal, v.event_id)
            .add_columns(v.source_id, v.story, v.view, s.reliability)
            .join_from(VIEWS, SOURCES, s.id == v.source_id)
            .where(where)
        )
        for row in self.session.execute(query):
            if row.id in self._views:
                continue
            self._views[row.id] = View(
                order=(row.published_at, row.tiebreak, row.article_id, row.ordinal),
                event=_event_of(row.view),
                source_id=row.source_id,
                story=row.story,
                reliability=row.reliability,
                stored_event=row.event_id,
                row_id=row.id,
            )


def _intervals(days: list[Day]) -> Iterator[tuple[str, dt.date, dt.date]]:
    """Runs of consecutive days, per family, from sorted (family, day) pairs."""
    run: tuple[str, dt.date, dt.date] | None = None
    for family, day in days:
        if run is not None and run[0] == family and day == run[2] + dt.timedelta(days=1):
            run = (family, run[1], day)
            continue
        if run is not None:
            yield run
        run = (family, day, day)
    if run is not None:
        yield run


# --- views as stored -------------------------------------------------------------------------


def _view_document(extracted: ExtractedEvent) -> dict[str, Any]:
    loc = extracted.location
    return {
        "category": extracted.category,
        "title": extracted.title,
        "summary": extracted.summary,
        "event_date": day_of(extracted).isoformat(),
        "date_precision": extracted.date_precision,
        "location": None if loc is None else {**loc.to_dict(), "country": loc.country},
        "actors": extracted.actors,
        "weapons": extracted.weapons,
        "figures": extracted.figures,
        "severity": extracted.severity,
        "claim_status": extracted.claim_status,
        "confidence": extracted.confidence,
        "evidence": extracted.evidence,
    }


def _event_of(document: dict[str, Any]) -> ExtractedEvent:
    loc = document["location"]
    return ExtractedEvent(
        category=document["category"],
        title=document["title"],
        summary=document["summary"],
        event_date=dt.date.fromisoformat(document["event_date"]),
        date_precision=document["date_precision"],
        location=None if loc is None else Location(**loc),
        actors=document["actors"],
        weapons=document["weapons"],
        figures=document["figures"],
        severity=document["severity"],
        claim_status=document["claim_status"],
        confidence=document["confidence"],
        evidence=document["evidence"],
    )


# --- writing ---------------------------------------------------------------------------------


class _Writer:
    """Writes what a replay changed: event ids and keys, event rows, views, mentions, and the
    tombstones of events left without views."""

    def __init__(
        self,
        session: Session,
        result: ReplayResult,
        views: list[View],
        ghosts: list[Ghost],
        reuse_ids: dict[str, int],
        now: dt.datetime,
    ) -> None:
        self.session = session
        self.result = result
        self.new_views = views
        self.ghosts = ghosts
        self.reuse_ids = reuse_ids
        self.now = now
        self.changed = sorted(result.changed, key=_by_rank)
        self.ids: dict[Cluster, int] = {}

    def write(self) -> dict[str, int]:
        gone = self._assign_existing_ids()
        stored = _stored_rows(self.session, [*self.ids.values(), *gone])
        keys, rekeyed = _Keys(self.session).assign(self.changed, stored, gone)
        created = [c for c in self.changed if c not in self.ids]
        self._allocate_ids(created, keys)
        rows = {c: self._row(c, keys[c]) for c in self.changed}
        updated = [
            rows[c]
            for c in self.changed
            if c not in created and _differs(rows[c], stored[self.ids[c]])
        ]
        former = self._former_articles(gone)
        notify.note_forgotten_mentions(self.session, sorted(set().union(*former.values())))
        notify.record_event_changes(
            self.session,
            created=[rows[c] for c in created],
            updated=updated,
            deleted=sorted(gone),
            supporters={self.ids[c]: [v.article_id for v in c.members] for c in self.changed},
        )
        self._park_keys(stored, rows, rekeyed)
        if created:
            self.session.execute(sa.insert(EVENTS), [rows[c] for c in created])
        self._write_views()
        self._write_mentions()
        _update_events(self.session, updated, self.now)
        _rekey_events(self.session, rekeyed, self.now)
        for chunk in _chunks(sorted(gone)):
            self.session.execute(sa.delete(EVENTS).where(_among(self.session, EVENTS.c.id, chunk)))
        owners: dict[int, set[int]] = defaultdict(set)
        for event_id, articles in former.items():
            for article_id in articles:
                owners[article_id].add(event_id)
        changes.record_removed_events(self.session, gone, owners, now=self.now)
        return {
            "events_created": len(created),
            "events_updated": len(updated),
            "events_deleted": len(gone),
        }

    def _assign_existing_ids(self) -> set[int]:
        """Ids for the changed clusters: the stored event each continues (same first view);
        then, for a cluster that continues none, the stored event that lost its first view
        and whose views it now holds most of. Returns the stored events left without one."""
        result = self.result
        for cluster in self.changed:
            stored = result.continued(cluster)
            if stored is not None:
                self.ids[cluster] = stored
        orphans = set(result.stored_changed) - set(self.ids.values())
        for cluster in self.changed:
            if cluster in self.ids or not orphans:
                continue
            overlap = Counter(v.stored_event for v in cluster.members if v.stored_event in orphans)
            if overlap:
                event_id = min(overlap, key=lambda e: (-overlap[e], e))
                self.ids[cluster] = event_id
                orphans.discard(event_id)
        return orphans

    def _allocate_ids(self, created: list[Cluster], keys: dict[Cluster, str]) -> None:
        """A rebuild gives a key its old id back; other new events get fresh ids, in
        canonical order."""
        fresh = []
        for cluster in created:
            reused = self.reuse_ids.get(keys[cluster])
            if reused is None:
                fresh.append(cluster)
            else:
                self.ids[cluster] = reused
        new_ids = _fresh_ids(self.session, len(fresh), self.reuse_ids.values())
        self.ids.update(zip(fresh, new_ids, strict=True))

    def _row(self, cluster: Cluster, key: str) -> dict[str, Any]:
        row = dict(cluster.row)
        summary = cluster.summary
        if summary is None:
            refresh(row, cluster.members)
        else:  # a stored event continued: its aggregates with the added views
            apply_fold(row, extend_fold(summary.fold, cluster.members, summary.shared))
        row.update(id=self.ids[cluster], key=key, created_at=self.now, updated_at=self.now)
        return row

    def _former_articles(self, gone: set[int]) -> dict[int, set[int]]:
        """Each removed event's articles before this call (its tombstone's `replaced_by`)."""
        return {e: {item.order[2] for item in self.result.stored[e]} for e in gone}

    def _park_keys(
        self,
        stored: dict[int, dict[str, Any]],
        rows: dict[Cluster, dict[str, Any]],
        rekeyed: dict[int, str],
    ) -> None:
        """Stored events whose key another event takes in this call hold a placeholder
        meanwhile, so that no statement meets the unique key of a row it is about to change."""
        final = {row["key"]: row["id"] for row in rows.values()}
        final.update({key: event_id for event_id, key in rekeyed.items()})
        current = {row["key"]: event_id for event_id, row in stored.items()}
        current.update(_keys_of(self.session, rekeyed))
        parked = [
            {"b_id": event_id, "key": f"~{event_id}"}
            for key, event_id in current.items()
            if key in final and final[key] != event_id
        ]
        if parked:
            statement = (
                sa.update(EVENTS)
                .where(EVENTS.c.id == sa.bindparam("b_id"))
                .values(key=sa.bindparam("key"))
            )
            self.session.execute(statement, parked)

    def _final_ids(self) -> dict[View, int]:
        return {view: self.ids[c] for c in self.changed for view in c.members}

    def _write_views(self) -> None:
        final = self._final_ids()
        new_rows = [_view_row(view, final[view]) for view in self.new_views]
        _insert_rows(self.session, VIEWS, new_rows)
        moved = [
            {"b_id": view.row_id, "event_id": event_id}
            for view, event_id in final.items()
            if view.row_id is not None and view.stored_event != event_id
        ]
        if moved and _postgresql(self.session):
            self.session.execute(
                _MOVE_VIEWS,
                {"ids": [m["b_id"] for m in moved], "events": [m["event_id"] for m in moved]},
            )
        elif moved:
            statement = (
                sa.update(VIEWS)
                .where(VIEWS.c.id == sa.bindparam("b_id"))
                .values(event_id=sa.bindparam("event_id"))
            )
            self.session.execute(statement, moved)

    def _write_mentions(self) -> None:
        """Rewrite the mentions of the (event, article) pairs whose views changed."""
        affected: set[tuple[int, int]] = {(g.stored_event, g.order[2]) for g in self.ghosts}
        for cluster in self.changed:
            event_id = self.ids[cluster]
            for view in cluster.members:
                if view.stored_event != event_id:
                    affected.add((event_id, view.article_id))
                    if view.stored_event is not None:
                        affected.add((view.stored_event, view.article_id))
        if not affected:
            return
        if _postgresql(self.session):
            pairs = sorted(affected)
            self.session.execute(
                _DELETE_MENTIONS,
                {"events": [e for e, _ in pairs], "articles": [a for _, a in pairs]},
            )
        else:
            statement = sa.delete(MENTIONS).where(
                MENTIONS.c.event_id == sa.bindparam("b_event"),
                MENTIONS.c.article_id == sa.bindparam("b_article"),
            )
            self.session.execute(statement, [{"b_event": e, "b_article": a} for e, a in affected])
        rows = []
        for cluster in self.changed:
            event_id = self.ids[cluster]
            for article_id, mention in mentions_of(cluster.members).items():
                if (event_id, article_id) in affected:
                    rows.append(
                        {
                            "event_id": event_id,
                            "article_id": article_id,
                            "sentence": mention.sentence,
                            "evidence": mention.evidence,
                            "claim_status": mention.claim_status,
                            "created_at": self.now,
                        }
                    )
        _insert_rows(self.session, MENTIONS, rows)


def _by_rank(cluster: Cluster) -> Order:
    return cluster.rank


# PostgreSQL: a batch's rows as one statement each, whatever their number (an executemany sends
# and executes one statement per row).
_MOVE_VIEWS = sa.text(
    "UPDATE mention_views SET event_id = moved.event_id "
    "FROM unnest(CAST(:ids AS bigint[]), CAST(:events AS integer[])) AS moved(id, event_id) "
    "WHERE mention_views.id = moved.id"
)
_DELETE_MENTIONS = sa.text(
    "DELETE FROM event_mentions USING "
    "unnest(CAST(:events AS integer[]), CAST(:articles AS integer[])) AS gone(event_id, article_id) "
    "WHERE event_mentions.event_id = gone.event_id "
    "AND event_mentions.article_id = gone.article_id"
)


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert_rows(session: Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """INSERT the rows (all with the same keys); on PostgreSQL as one statement reading the
    batch from one JSON document."""
    if not rows:
        return
    if not _postgresql(session):
        session.execute(sa.insert(table), rows)
        return
    columns = list(rows[0])
    names = ", ".join(columns)
    statement = sa.text(
        f"INSERT INTO {table.name} ({names}) SELECT {names} "
        f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))"
    )
    document = json.dumps(
        [{c: _json_value(row[c]) for c in columns} for row in rows], ensure_ascii=False
    )
    session.execute(statement, {"rows": document})


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _view_row(view: View, event_id: int) -> dict[str, Any]:
    return {
        "article_id": view.article_id,
        "ordinal": view.order[3],
        "event_id": event_id,
        "family": view.family,
        "span_start": view.span[0],
        "span_end": view.span[1],
        "coarse": view.event.date_precision in _COARSE_PRECISIONS,
        "published_at": view.published_at,
        "tiebreak": view.order[1],
        "source_id": view.source_id,
        "story": view.story,
        "view": _view_document(view.event),
    }


def _stored_rows(session: Session, event_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored rows of these events, as the merge decides them."""
    e = EVENTS.c
    found: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(event_ids))):
        query = sa.select(e.id, e.key, *(e[name] for name in _MERGED)).where(
            _among(session, e.id, chunk)
        )
        found.update({row.id: dict(row._mapping) for row in session.execute(query)})
    return found


def _differs(row: dict[str, Any], stored: dict[str, Any]) -> bool:
    return any(row[name] != stored[name] for name in ("key", *_MERGED))


def _update_events(session: Session, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """One executemany UPDATE by primary key of every column the merge decides."""
    if not rows:
        return
    names = ("key", *_MERGED)
    statement = (
        sa.update(EVENTS)
        .where(EVENTS.c.id == sa.bindparam("b_id"))
        .values({**{n: sa.bindparam(n) for n in names}, "updated_at": sa.bindparam("b_now")})
    )
    params = [{"b_id": r["id"], "b_now": now, **{name: r[name] for name in names}} for r in rows]
    session.execute(statement, params)


def _rekey_events(session: Session, rekeyed: dict[int, str], now: dt.datetime) -> None:
    if not rekeyed:
        return
    statement = (
        sa.update(EVENTS)
        .where(EVENTS.c.id == sa.bindparam("b_id"))
        .values(key=sa.bindparam("key"), updated_at=sa.bindparam("b_now"))
    )
    session.execute(
        statement, [{"b_id": e, "key": key, "b_now": now} for e, key in rekeyed.items()]
    )


def _keys_of(session: Session, event_ids: Iterable[int]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(sorted(event_ids)):
        query = sa.select(EVENTS.c.key, EVENTS.c.id).where(_among(session, EVENTS.c.id, chunk))
        found.update({key: event_id for key, event_id in session.execute(query)})
    return found


def _fresh_ids(session: Session, count: int, reserved: Iterable[int]) -> list[int]:
    """New event ids after every id in use (a rebuild's reserved ids included)."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        query = sa.text(
            "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, :n)"
        )
        return sorted(session.scalars(query, {"n": count}))
    top = max([session.scalar(sa.select(sa.func.max(EVENTS.c.id))) or 0, *reserved])
    return list(range(top + 1, top + 1 + count))


class _Keys:
    """Event keys: the base key of an event's first view (category, date, place), numbered
    `base`, `base:2`... among the events sharing it in the canonical order of their first
    views, so that keys, too, are a function of the views alone."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def assign(
        self, changed: list[Cluster], stored: dict[int, dict[str, Any]], gone: set[int]
    ) -> tuple[dict[Cluster, str], dict[int, str]]:
        """Keys of the changed clusters, and new keys of unchanged events renumbered."""
        by_base: dict[str, list[Cluster]] = defaultdict(list)
        for cluster in changed:
            by_base[cluster.base].append(cluster)
        mine = set(stored) | gone  # the events these clusters replace: their keys are free
        holders = self._holders(list(by_base))
        keys: dict[Cluster, str] = {}
        rekeyed: dict[int, str] = {}
        for base, clusters in by_base.items():
            others = {e: key for key, (b, e) in holders.items() if b == base and e not in mine}
            ranks = _first_orders(self.session, list(others)) if others else {}
            fixed = {key for e, key in others.items() if e not in ranks}  # events without views
            ranked: list[tuple[Order, Cluster | int]] = [(c.rank, c) for c in clusters]
            ranked += [(order, e) for e, order in ranks.items()]
            ranked.sort(key=lambda pair: pair[0])
            numbers = (n for n in range(1, 10**6) if _numbered(base, n) not in fixed)
            for (_, who), n in zip(ranked, numbers, strict=False):
                key = _numbered(base, n)
                if isinstance(who, Cluster):
                    keys[who] = key
                elif others[who] != key:
                    rekeyed[who] = key
        return keys, rekeyed

    def _holders(self, bases: list[str]) -> dict[str, tuple[str, int]]:
        """key -> (its base, event id) of the stored events holding one of these bases."""
        wanted = {_numbered(b, n): b for b in bases for n in range(1, _KEY_SUFFIXES + 1)}
        found: dict[str, tuple[str, int]] = {}
        keys = list(wanted)
        for chunk in _chunks(keys):
            query = sa.select(EVENTS.c.key, EVENTS.c.id).where(
                _among(self.session, EVENTS.c.key, chunk)
            )
            for key, event_id in self.session.execute(query):
                found[key] = (wanted[key], event_id)
        return found


def _numbered(base: str, n: int) -> str:
    return base if n == 1 else f"{base}:{n}"


def _first_orders(session: Session, event_ids: list[int]) -> dict[int, Order]:
    """The canonical order of each event's first view (events without views are left out):
    from its aggregates, or its views where it has none."""
    first: dict[int, Order] = {}
    unknown: list[int] = []
    for chunk in _chunks(sorted(event_ids)):
        query = sa.select(EVENTS.c.id, EVENTS.c.fold).where(_among(session, EVENTS.c.id, chunk))
        for event_id, fold in session.execute(query):
            if fold is None:
                unknown.append(event_id)
            else:
                first[event_id] = order_of(fold["first"])
    v = VIEWS.c
    for chunk in _chunks(unknown):
        query = sa.select(v.event_id, v.published_at, v.tiebreak, v.article_id, v.ordinal).where(
            _among(session, v.event_id, chunk)
        )
        for event_id, *order in session.execute(query):
            candidate: Order = tuple(order)  # type: ignore[assignment]
            if event_id not in first or candidate < first[event_id]:
                first[event_id] = candidate
    return first


# --- aggregates of events stored before they were kept (migration ingest_0005) ---------------


def backfill_folds(session: Session, *, events_per_query: int = _IN_CHUNK) -> int:
    """Compute every event's aggregates from its views (events without views keep none).
    Returns how many events were filled."""
    v, s = VIEWS.c, SOURCES.c
    event_ids = list(session.scalars(sa.select(v.event_id).distinct().order_by(v.event_id)))
    filled = 0
    for start in range(0, len(event_ids), events_per_query):
        chunk = event_ids[start : start + events_per_query]
        members: dict[int, list[View]] = defaultdict(list)
        query = (
            sa.select(v.published_at, v.tiebreak, v.article_id, v.ordinal, v.event_id)
            .add_columns(v.source_id, v.story, v.view, s.reliability)
            .join_from(VIEWS, SOURCES, s.id == v.source_id)
            .where(_among(session, v.event_id, chunk))
        )
        for row in session.execute(query):
            members[row.event_id].append(
                View(
                    order=(row.published_at, row.tiebreak, row.article_id, row.ordinal),
                    event=_event_of(row.view),
                    source_id=row.source_id,
                    story=row.story,
                    reliability=row.reliability,
                )
            )
        rows = []
        for event_id, views in members.items():
            fold = fold_of(views)
            rows.append(
                {
                    "b_id": event_id,
                    "fold": fold,
                    "family": fold["family"],
                    "views_from": dt.date.fromisoformat(fold["span"][0]),
                    "views_to": dt.date.fromisoformat(fold["span"][1]),
                }
            )
        statement = (
            sa.update(EVENTS)
            .where(EVENTS.c.id == sa.bindparam("b_id"))
            .values(
                {name: sa.bindparam(name) for name in ("fold", "family", "views_from", "views_to")}
            )
        )
        if rows:
            session.execute(statement, rows)
        filled += len(rows)
    return filled
