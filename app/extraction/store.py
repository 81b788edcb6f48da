"""Articles in the database -> merged events and their mentions.

An event is one real-world happening: a mention merges into an event when their categories
agree (or are close: the launch family), their dates are compatible within their precision
and their places agree; the rules and their tolerances are in `app.extraction.merge`. The
merged event keeps the finest date and place (a launch's site as its place, the sea it fell
into as its impact area, in `figures`), the family's most consequential category, the
strongest claim status across mentions (confirmed > reported > claimed) and the highest
severity; corroboration counts distinct publishers, the sources of one story under one
canonical URL once (`merge.distinct_publishers`). Ties are broken by value, so the events
do not depend on which article arrived first. Articles are processed oldest first, so a
rebuild yields the same keys and, where a key existed before, the same row id. Services
flush; the caller commits.

A call works on its whole batch at once, with a fixed number of statements whatever its size:
it reads the batch's articles, extracts them all, reads every event they could merge with in
one query and merges in memory (an index by category and date that also holds the events the
batch creates, so two articles of one batch about one happening merge), then writes: one
multi-row INSERT of new events, one of mentions, one bulk UPDATE of the events it touched, one
UPDATE of `articles.extracted_at`. The result is the same as extracting the articles one call
each, in the same order.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app import notify
from app.core import changes
from app.core.config import get_settings
from app.core.models import Article, Event, EventMention, Source, utcnow
from app.extraction import merge, rules
from app.extraction.core import extract_article
from app.extraction.lexicon import category_labels
from app.extraction.schemas import CLAIM_RANK, ArticleInput, ExtractedEvent

logger = logging.getLogger(__name__)

_LOCK_ID = 0x5746_4558  # "WFEX": one extraction writer at a time on PostgreSQL
_COARSE_DATES = ("week", "month", "year")  # precisions whose span starts before its last day
_IN_CHUNK = 1000  # ids per IN (...) list: far below the bind-parameter limits of both drivers

ARTICLES: sa.Table = Article.__table__  # type: ignore[attr-defined]
SOURCES: sa.Table = Source.__table__  # type: ignore[attr-defined]
EVENTS: sa.Table = Event.__table__  # type: ignore[attr-defined]
MENTIONS: sa.Table = EventMention.__table__  # type: ignore[attr-defined]

# Columns the merge may change on an existing event (the bulk UPDATE writes exactly these).
_MUTABLE = (
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
    "updated_at",
)


@dataclass(slots=True)
class _Article:
    id: int
    source_id: int
    published_at: dt.datetime
    reliability: str | None
    input: ArticleInput
    story: str | None  # the canonical URL: two sources' copies of one story share it


@dataclass(slots=True)
class _Mention:
    sentence: str
    evidence: list[str]
    claim_status: str


@dataclass(slots=True, eq=False)
class _EventState:
    """An event row held in memory for the batch; `rank` orders candidates like their ids."""

    row: dict[str, Any]
    rank: tuple[int, int]
    created: bool = False
    mentions: dict[int, _Mention] = field(default_factory=dict)  # by article id
    span: tuple[dt.date, dt.date] = (dt.date.min, dt.date.min)  # the days its date may mean
    buckets: tuple[tuple[str, dt.date], ...] = ()  # where the index holds it


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
    """Drop every event and mention and extract every stored article again (idempotent)."""
    _lock(session)
    session.flush()
    notify.begin_rebuild(session)
    reuse_ids: dict[str, int] = dict(session.execute(sa.select(EVENTS.c.key, EVENTS.c.id)).all())  # type: ignore[arg-type]
    session.execute(sa.delete(MENTIONS))
    session.execute(sa.delete(EVENTS))
    session.execute(sa.update(ARTICLES).values(extracted_at=None))
    batch = get_settings().extraction_batch_size
    articles = 0
    while True:
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
    owners = changes.mention_owners(session, ids)  # for the tombstones' `replaced_by`
    forgotten = _forget_mentions(session, ids)
    extracted = list(zip(articles, extract_many([a.input for a in articles]), strict=True))
    index = _EventIndex.load(session, [e for _, found in extracted for e in found], forgotten)
    keys = _KeyBook(session, [_base_key(e) for _, found in extracted for e in found])
    touched = dict.fromkeys(index.by_id[event_id] for event_id in sorted(forgotten))
    for article, found in extracted:
        for event in found:
            state = index.match(event)
            if state is None:
                state = index.create(event, keys.claim(_base_key(event)), reuse_ids, now)
            else:
                _absorb(state.row, event, now)
                index.reindex(state)
            _add_mention(state, article.id, event)
            touched[state] = None
    _write(session, index, list(touched), articles, reuse_ids, now)
    changes.record_removed_events(session, forgotten, owners, now=now)
    notify.after_extraction(session)  # threat_level.changed when a band is crossed
    for chunk in _chunks(ids):
        session.execute(
            sa.update(ARTICLES).where(ARTICLES.c.id.in_(chunk)).values(extracted_at=now)
        )
    session.expire_all()  # Core writes bypass the identity map: reload on next access
    logger.info(
        "articles extracted",
        extra={
            "articles": len(articles),
            "events_created": len(index.created),
            "events_touched": len(touched),
        },
    )
    return len(articles)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _load_articles(
    session: Session, article_ids: Sequence[int] | None, limit: int | None
) -> list[_Article]:
    a, s = ARTICLES.c, SOURCES.c
    query = (
        sa.select(a.id, a.source_id, a.title, a.text, a.summary, a.published_at, a.url)
        .add_columns(s.name, s.reliability, a.canonical_url)
        .join_from(ARTICLES, SOURCES, s.id == a.source_id)
        .where(a.extracted_at.is_(None))
        .order_by(a.published_at, a.id)
    )
    if article_ids is None:
        rows = list(session.execute(query.limit(limit) if limit is not None else query))
    else:
        rows = []
        for chunk in _chunks(list(dict.fromkeys(article_ids))):
            part = query.where(a.id.in_(chunk))
            rows += session.execute(part.limit(limit) if limit is not None else part)
        rows.sort(key=lambda r: (r.published_at, r.id))
        rows = rows[:limit] if limit is not None else rows
    return [_article(row) for row in rows]


def _article(row: sa.Row[Any]) -> _Article:
    return _Article(
        id=row.id,
        source_id=row.source_id,
        published_at=row.published_at,
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


def _forget_mentions(session: Session, article_ids: list[int]) -> set[int]:
    """An article extracted again replaces its old mentions; their events get refreshed."""
    m = MENTIONS.c
    event_ids: set[int] = set()
    for chunk in _chunks(article_ids):
        event_ids.update(session.scalars(sa.select(m.event_id).where(m.article_id.in_(chunk))))
    if event_ids:
        notify.note_forgotten_mentions(session, article_ids)  # for event.deleted's replaced_by
        for chunk in _chunks(article_ids):
            session.execute(sa.delete(MENTIONS).where(m.article_id.in_(chunk)))
    return event_ids


def _day(extracted: ExtractedEvent) -> dt.date:
    """The event's date: always there for stored articles (`_events_or_none` keeps no other)."""
    assert extracted.event_date is not None
    return extracted.event_date


def _base_key(extracted: ExtractedEvent) -> str:
    loc = extracted.location
    return f"{extracted.category}:{_day(extracted).isoformat()}:{loc.id if loc else 'none'}"


class _KeyBook:
    """Which event keys are taken: the batch's likely keys read in one query, others on demand."""

    def __init__(self, session: Session, likely: Iterable[str]) -> None:
        self.session = session
        self.known: dict[str, bool] = {}
        self._read(list(dict.fromkeys(likely)))

    def _read(self, keys: list[str]) -> None:
        for chunk in _chunks(keys):
            self.known.update(dict.fromkeys(chunk, False))
            taken = self.session.scalars(sa.select(EVENTS.c.key).where(EVENTS.c.key.in_(chunk)))
            self.known.update(dict.fromkeys(taken, True))

    def claim(self, base: str) -> str:
        key, n = base, 1
        while self._taken(key):
            n += 1
            key = f"{base}:{n}"
        self.known[key] = True
        return key

    def _taken(self, key: str) -> bool:
        if key not in self.known:
            self._read([key])
        return self.known[key]


class _EventIndex:
    """Events a batch may merge with, bucketed by (category, day) for every day their date's
    span covers (a week-precision event sits in seven buckets), so that a lookup probes only
    the days a mention's own span reaches, in its category and the close ones (merge.py)."""

    def __init__(self, rows: Iterable[dict[str, Any]]) -> None:
        settings = get_settings()
        self.window = settings.extraction_merge_days
        self.merge_km = settings.extraction_merge_km
        self.buckets: dict[tuple[str, dt.date], list[_EventState]] = defaultdict(list)
        self.by_id: dict[int, _EventState] = {}
        self.created: list[_EventState] = []
        for row in rows:
            state = _EventState(row=row, rank=(0, row["id"]))
            self.by_id[row["id"]] = state
            self._put(state)

    @classmethod
    def load(
        cls, session: Session, extracted: list[ExtractedEvent], event_ids: set[int]
    ) -> _EventIndex:
        """Every event whose date span comes within the merge window of the batch's spans,
        in the batch's categories and the close ones, plus `event_ids`."""
        window = dt.timedelta(days=get_settings().extraction_merge_days)
        e = EVENTS.c
        wanted: list[Any] = [e.id.in_(chunk) for chunk in _chunks(sorted(event_ids))]
        if extracted:
            spans = [merge.date_span(_day(x), x.date_precision) for x in extracted]
            first, last = min(s[0] for s in spans) - window, max(s[1] for s in spans) + window
            categories = sorted({c for x in extracted for c in merge.family(x.category)})
            coarse = dt.timedelta(days=merge.LONGEST_SPAN_DAYS)
            wanted.append(
                sa.and_(
                    e.category.in_(categories),
                    e.event_date >= first - coarse,  # the index range; then, a day's span
                    e.event_date <= last,  # ends on its start: only coarse events start early
                    sa.or_(e.event_date >= first, e.date_precision.in_(_COARSE_DATES)),
                )
            )
        if not wanted:
            return cls([])
        columns = [e.id, e.key, *(getattr(e, name) for name in _MUTABLE)]
        query = sa.select(*columns).where(sa.or_(*wanted)).order_by(e.id)
        return cls(dict(row._mapping) for row in session.execute(query))

    def _put(self, state: _EventState) -> None:
        row = state.row
        state.span = merge.date_span(row["event_date"], row["date_precision"])
        days = (state.span[1] - state.span[0]).days + 1
        state.buckets = tuple(
            (row["category"], state.span[0] + dt.timedelta(days=n)) for n in range(days)
        )
        for bucket in state.buckets:
            self.buckets[bucket].append(state)

    def reindex(self, state: _EventState) -> None:
        """Move an event whose date (or category) an absorbed mention changed."""
        row = state.row
        if state.span != merge.date_span(row["event_date"], row["date_precision"]) or (
            state.buckets and state.buckets[0][0] != row["category"]
        ):
            for bucket in state.buckets:
                self.buckets[bucket].remove(state)
            self._put(state)

    def candidates(self, extracted: ExtractedEvent) -> Iterator[tuple[_EventState, int]]:
        """Events of the mention's category family whose spans come within the window of the
        mention's span, each once with the gap in days between the two spans: in rings (the
        span's own days, then a day further out on each side...), each ring oldest first;
        lazily, because the first ring usually holds the match. An event first met in ring k
        covers a day k days from the span and none nearer: its gap is k."""
        first, last = merge.date_span(_day(extracted), extracted.date_precision)
        categories = merge.family(extracted.category)
        buckets = self.buckets
        seen: set[_EventState] = set()
        for distance in range(self.window + 1):
            if distance == 0:
                days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            else:
                step = dt.timedelta(days=distance)
                days = [first - step, last + step]
            found = [s for c in categories for d in days for s in buckets.get((c, d), ())]
            ring = [s for s in dict.fromkeys(found) if s not in seen]  # a week is in 7 buckets
            seen.update(ring)
            ring.sort(key=_by_rank)
            for state in ring:
                yield state, distance

    def match(self, extracted: ExtractedEvent) -> _EventState | None:
        """The event this mention is part of: the strongest place agreement first (the same
        place or a near one, then a launch's site and sea on one coast, then a coarse place),
        then the nearest date, then the oldest event. Across categories only a place that
        positively agrees (not a coarse one) makes a match."""
        near = merge.PlaceMatch.NEAR
        loc = extracted.location
        loc_id = loc.id if loc is not None else None
        # two points, neither a sea, further apart in latitude alone than merge_km: no rule
        # can join them (the usual candidate: another place's event that day), so skip early
        lat = loc.lat if loc is not None and loc.precision != "sea" else None
        max_dlat = self.merge_km / merge.KM_PER_DEGREE_LAT
        best: _EventState | None = None
        best_key: tuple[int, int, tuple[int, int]] | None = None
        for state, gap in self.candidates(extracted):  # the first same or near place wins
            row = state.row
            if loc_id is not None and row["location_id"] == loc_id:
                return state  # the same place also agrees with the impact area it chose
            if (
                lat is not None
                and row["lat"] is not None
                and abs(lat - row["lat"]) > max_dlat
                and row["location_precision"] != "sea"
            ):
                continue
            agreement = self._agreement(extracted, row)
            if agreement is None:
                continue
            if agreement <= near:
                return state
            if agreement > merge.PlaceMatch.COAST and row["category"] != extracted.category:
                continue
            key = (agreement, gap, state.rank)
            if best_key is None or key < best_key:
                best, best_key = state, key
        return best

    def _agreement(self, extracted: ExtractedEvent, row: dict[str, Any]) -> int | None:
        loc = extracted.location
        mine = (loc.id, loc.precision, loc.lat, loc.lon) if loc else (None, None, None, None)
        launch = extracted.category in merge.LAUNCH_FAMILY and row["category"] in (
            merge.LAUNCH_FAMILY
        )
        theirs = (row["location_id"], row["location_precision"], row["lat"], row["lon"])
        agreement = merge.place_match(mine, theirs, launch=launch, merge_km=self.merge_km)
        impact = _impact_id(row["figures"])
        if agreement is None or impact is None or loc is None:
            return agreement
        # a launch with a known impact area: the mention must agree with that sea too
        sea = merge.gazetteer_place(impact)
        with_sea = merge.place_match(mine, sea, launch=launch, merge_km=self.merge_km)
        return None if with_sea is None else min(agreement, with_sea)

    def create(
        self, extracted: ExtractedEvent, key: str, reuse_ids: dict[str, int], now: dt.datetime
    ) -> _EventState:
        event_id = reuse_ids.get(key)
        row: dict[str, Any] = {
            "id": event_id,
            "key": key,
            "category": extracted.category,
            "title": extracted.title[:1000],
            "summary": extracted.summary,
            "event_date": extracted.event_date,
            "date_precision": extracted.date_precision,
            "actors": list(extracted.actors),
            "weapons": list(extracted.weapons),
            "figures": dict(extracted.figures),
            "severity": extracted.severity,
            "claim_status": extracted.claim_status,
            "confidence": extracted.confidence,
            "corroboration": 1,
            "first_reported_at": None,
            "last_reported_at": None,
            "created_at": now,
            "updated_at": now,
        }
        _set_location(row, extracted)
        # A fresh id comes from the sequence, after every id already in use: rank it last.
        rank = (0, event_id) if event_id is not None else (1, len(self.created))
        state = _EventState(row=row, rank=rank, created=True)
        self.created.append(state)
        self._put(state)
        return state


def _by_rank(state: _EventState) -> tuple[int, int]:
    return state.rank


def _set_location(row: dict[str, Any], extracted: ExtractedEvent) -> None:
    loc = extracted.location
    row["location_id"] = loc.id if loc else None
    row["location_name"] = loc.name if loc else None
    row["location_precision"] = loc.precision if loc else None
    row["lat"] = loc.lat if loc else None
    row["lon"] = loc.lon if loc else None


def _absorb(row: dict[str, Any], extracted: ExtractedEvent, now: dt.datetime) -> None:
    """Fold one more article's view into an event: keep the most precise and the worst,
    whichever article came first (ties broken by value, never by arrival)."""
    row["severity"] = max(row["severity"], extracted.severity)
    row["actors"] = _union(row["actors"], extracted.actors)
    row["weapons"] = _union(row["weapons"], extracted.weapons)
    figures = {**extracted.figures, **(row["figures"] or {})}
    if merge.precedes(extracted.category, row["category"]):
        row["category"] = extracted.category
    seas = _seas(row, figures)
    loc = extracted.location
    if loc is not None and _finer_place(loc, row):
        _set_location(row, extracted)
        row["title"] = extracted.title[:1000]
    if loc is not None and merge.is_sea(loc.id, loc.precision):
        seas.append(loc.id)
    impact = None
    if row["category"] in merge.LAUNCH_FAMILY:
        impact = merge.impact_area(row["location_id"], seas)
    figures.pop(merge.IMPACT, None)
    if impact is not None:
        figures[merge.IMPACT] = merge.impact_record(impact)
    row["figures"] = figures
    row["title"] = _retitled(row["title"], row["category"])
    row["event_date"], row["date_precision"] = merge.finer_date(
        (row["event_date"], row["date_precision"]),
        (_day(extracted), extracted.date_precision),
    )
    row["updated_at"] = now


def _seas(row: dict[str, Any], figures: dict[str, Any]) -> list[str]:
    """The seas an event already knows of: its impact area, and its place if a sea."""
    seas = []
    impact = _impact_id(figures)
    if impact is not None:
        seas.append(impact)
    if merge.is_sea(row["location_id"], row["location_precision"]):
        seas.append(row["location_id"])
    return seas


def _impact_id(figures: dict[str, Any] | None) -> str | None:
    impact = (figures or {}).get(merge.IMPACT)
    return impact.get("id") if isinstance(impact, dict) else None


def _finer_place(loc: Any, row: dict[str, Any]) -> bool:
    """Site over city over sea over province over country; of two equally fine, the first
    by gazetteer id (so the place does not depend on which article came first)."""
    mine = merge.PRECISION_RANK.get(loc.precision, 9)
    theirs = merge.PRECISION_RANK.get(row["location_precision"] or "", 9)
    if mine != theirs:
        return mine < theirs
    return row["location_id"] is not None and loc.id < row["location_id"]


def _retitled(title: str, category: str) -> str:
    """A title ("Missile test: North Korea — Jongju") led by its event's category label."""
    labels = category_labels()
    wanted = labels.get(category)
    if wanted is None or title.startswith(wanted):
        return title
    for other in merge.family(category):
        label = labels.get(other)
        if label and title.startswith(label):
            return (wanted + title[len(label) :])[:1000]
    return title


def _union(old: list[Any] | None, new: list[Any]) -> list[Any]:
    merged = list(old or [])
    merged += [item for item in new if item not in merged]
    return merged


def _add_mention(state: _EventState, article_id: int, extracted: ExtractedEvent) -> None:
    """One mention per (event, article): a second view of the same article strengthens it."""
    mention = state.mentions.get(article_id)
    if mention is None:
        state.mentions[article_id] = _Mention(
            extracted.summary, _union([], extracted.evidence), extracted.claim_status
        )
        return
    mention.sentence = extracted.summary
    mention.evidence = _union(mention.evidence, extracted.evidence)
    mention.claim_status = max(
        mention.claim_status, extracted.claim_status, key=CLAIM_RANK.__getitem__
    )


# --- writing ---------------------------------------------------------------------------------


@dataclass(slots=True)
class _Support:
    """What one mention lends its event's aggregates."""

    claim_status: str
    evidence: list[str]
    published_at: dt.datetime
    source_id: int
    reliability: str | None
    story: str | None


def _write(
    session: Session,
    index: _EventIndex,
    touched: list[_EventState],
    articles: list[_Article],
    reuse_ids: dict[str, int],
    now: dt.datetime,
) -> None:
    """Refresh the touched events' aggregates, then write events and mentions in bulk."""
    stored = _stored_support(session, [s.row["id"] for s in touched if not s.created])
    by_article = {a.id: a for a in articles}
    gone: list[int] = []
    for state in touched:
        support = stored.get(state.row["id"], []) if not state.created else []
        support += [_support(by_article[a_id], m) for a_id, m in state.mentions.items()]
        if support:
            _refresh(state.row, support, now)
        else:  # every mention was re-extracted elsewhere
            gone.append(state.row["id"])
    _allocate_ids(session, index.created, reuse_ids)
    kept = [s.row for s in touched if not s.created and s.row["id"] not in gone]
    notify.record_event_changes(
        session,
        created=[s.row for s in index.created],
        updated=kept,
        deleted=gone,
        supporters={s.row["id"]: list(s.mentions) for s in touched},
    )
    if index.created:
        session.execute(sa.insert(EVENTS), [s.row for s in index.created])
    mentions = [
        _mention_row(state, article_id, mention, now)
        for state in touched
        for article_id, mention in state.mentions.items()
    ]
    if mentions:
        session.execute(sa.insert(MENTIONS), mentions)
    _update_events(session, [s for s in touched if not s.created and s.row["id"] not in gone])
    for chunk in _chunks(gone):
        session.execute(sa.delete(EVENTS).where(EVENTS.c.id.in_(chunk)))


def _support(article: _Article, mention: _Mention) -> _Support:
    return _Support(
        mention.claim_status,
        mention.evidence,
        article.published_at,
        article.source_id,
        article.reliability,
        article.story,
    )


def _mention_row(
    state: _EventState, article_id: int, mention: _Mention, now: dt.datetime
) -> dict[str, Any]:
    return {
        "event_id": state.row["id"],
        "article_id": article_id,
        "sentence": mention.sentence,
        "evidence": mention.evidence,
        "claim_status": mention.claim_status,
        "created_at": now,
    }


def _update_events(session: Session, states: list[_EventState]) -> None:
    """One executemany UPDATE by primary key of every column the merge may change."""
    if not states:
        return
    statement = (
        sa.update(EVENTS)
        .where(EVENTS.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in _MUTABLE})
    )
    params = [{"b_id": s.row["id"], **{name: s.row[name] for name in _MUTABLE}} for s in states]
    session.execute(statement, params)


def _stored_support(session: Session, event_ids: list[int]) -> dict[int, list[_Support]]:
    """The mentions already stored for `event_ids` (the batch's own were deleted or are new)."""
    support: dict[int, list[_Support]] = defaultdict(list)
    m, a, s = MENTIONS.c, ARTICLES.c, SOURCES.c
    for chunk in _chunks(event_ids):
        query = (
            sa.select(m.event_id, m.claim_status, m.evidence, a.published_at, a.source_id)
            .add_columns(s.reliability, a.canonical_url)
            .join_from(MENTIONS, ARTICLES, a.id == m.article_id)
            .join(SOURCES, s.id == a.source_id)
            .where(m.event_id.in_(chunk))
        )
        for row in session.execute(query):
            support[row.event_id].append(_Support(*row[1:]))
    return support


def _allocate_ids(session: Session, created: list[_EventState], reuse_ids: dict[str, int]) -> None:
    """Ids for new events in creation order; a rebuild's reused ids stay reserved."""
    fresh = [state for state in created if state.row["id"] is None]
    if not fresh:
        return
    if session.get_bind().dialect.name == "postgresql":
        query = sa.text(
            "SELECT nextval(pg_get_serial_sequence('events', 'id')) FROM generate_series(1, :n)"
        )
        ids = sorted(session.scalars(query, {"n": len(fresh)}))
    else:
        top = session.scalar(sa.select(sa.func.max(EVENTS.c.id))) or 0
        top = max([top, *reuse_ids.values(), *(s.row["id"] or 0 for s in created)])
        ids = list(range(top + 1, top + 1 + len(fresh)))
    for state, event_id in zip(fresh, ids, strict=True):
        state.row["id"] = event_id


def _refresh(row: dict[str, Any], support: list[_Support], now: dt.datetime) -> None:
    """Recompute what depends on all of an event's mentions."""
    row["corroboration"] = merge.distinct_publishers((s.source_id, s.story) for s in support)
    row["claim_status"] = max((s.claim_status for s in support), key=CLAIM_RANK.__getitem__)
    published = [s.published_at for s in support]
    row["first_reported_at"], row["last_reported_at"] = min(published), max(published)
    best_grade = min((s.reliability or "F" for s in support), default="F")
    evidence = {sentence for s in support for sentence in s.evidence}
    row["confidence"], _ = rules.confidence(
        claim_status=row["claim_status"],
        reliability=best_grade,
        evidence_count=len(evidence),
        location_precision=row["location_precision"],
        date_precision=row["date_precision"],
        corroboration=row["corroboration"],
    )
    row["updated_at"] = now
