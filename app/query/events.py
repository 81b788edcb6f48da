"""Events: the filters every surface offers, the frozen query object and the repository.

`/events`, the OGC `events` items and `/export/events.geojson` are adapters over this module:
they parse their request into an `EventQuery` (their own names for the window and the page
size, the shared names for everything else), ask `EventRepository` for rows and serialise
them. A filter is declared once, in `EVENT_FILTERS`: its parameter, its parser, its SQL
condition and its JSON Schema. Every surface, the OpenAPI documents, the OGC queryables and
every cache key (the query object itself) follow from that entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlmodel import Session, col

from app.core.categories import CATEGORIES
from app.core.models import (
    CLAIM_STATUSES,
    Article,
    Event,
    EventMention,
    EventTombstone,
    Source,
    UTCDateTime,
)
from app.query import params
from app.query.cursor import decode_cursor, encode_cursor
from app.query.params import BBox

Condition = sa.ColumnElement[bool]
Version = tuple[Any, ...]

# --- full-text search (`q`) ---------------------------------------------------------------------
# PostgreSQL: these exact expressions carry GIN indexes (migration query_0003); SQLite: LIKE.
TEXT_CONFIG = "english"
EVENT_DOCUMENT = "coalesce(title, '') || ' ' || coalesce(summary, '')"
ARTICLE_DOCUMENT = (
    "coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(text, '')"
)


def _tsvector(document: str, table: str) -> str:
    qualified = document.replace("coalesce(", f"coalesce({table}.")
    return f"to_tsvector('{TEXT_CONFIG}', {qualified})"


def text_condition(text: str, dialect: str) -> Condition:
    """Events whose title or summary, or any of whose articles' title, summary or text,
    contains `text`: PostgreSQL full-text search (web-search syntax: words, "phrases", -not,
    or), elsewhere a case-insensitive substring."""
    in_event: Condition
    mentioned = sa.select(EventMention.event_id)  # type: ignore[call-overload]
    if dialect == "postgresql":
        query = sa.func.websearch_to_tsquery(sa.literal_column(f"'{TEXT_CONFIG}'"), text)
        in_event = sa.literal_column(_tsvector(EVENT_DOCUMENT, "events")).op("@@")(query)
        in_article = sa.literal_column(_tsvector(ARTICLE_DOCUMENT, "articles")).op("@@")(query)
        articles = sa.select(Article.id).where(in_article)  # type: ignore[call-overload]
    else:
        pattern = like_pattern(text)
        in_event = sa.or_(
            col(Event.title).ilike(pattern, escape="\\"),
            col(Event.summary).ilike(pattern, escape="\\"),  # type: ignore[union-attr]
        )
        articles = sa.select(Article.id).where(  # type: ignore[call-overload]
            sa.or_(
                col(Article.title).ilike(pattern, escape="\\"),
                col(Article.summary).ilike(pattern, escape="\\"),  # type: ignore[union-attr]
                col(Article.text).ilike(pattern, escape="\\"),  # type: ignore[union-attr]
            )
        )
    in_articles = Event.id.in_(  # type: ignore[union-attr]
        mentioned.where(EventMention.article_id.in_(articles))  # type: ignore[attr-defined]
    )
    return sa.or_(in_event, in_articles)


def like_pattern(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, with % and _ taken literally (escape '\\')."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# --- the filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class EventFilter:
    """One filter of the event surfaces, declared once.

    `parser` turns the parameter's raw values into a hashable value (None: no filter);
    `where` makes its SQL condition (given the dialect); `schema` is the JSON Schema of one
    value (OpenAPI documents and OGC queryables); `queryable` names the feature property an
    equality filter compares, which makes it an OGC queryable."""

    name: str
    description: str
    schema: Mapping[str, Any]
    parser: Callable[[Sequence[str]], Any]
    where: Callable[[Any, str], Condition]
    repeatable: bool = False
    queryable: str | None = None
    # True when the condition reads articles or publishers: the events' data version (the
    # validator of a page, app/api/cache.py) does not cover those tables.
    reads_articles: bool = False

    def parse_values(self, values: Sequence[str]) -> Any:
        return self.parser(values)


def _choices(name: str, known: Sequence[str]) -> Callable[[Sequence[str]], Any]:
    def parse(values: Sequence[str]) -> tuple[str, ...] | None:
        return params.parse_choices(values, name, known) or None

    return parse


def _int(name: str, minimum: int, maximum: int) -> Callable[[Sequence[str]], Any]:
    return lambda values: params.parse_int(name, values[-1], minimum, maximum)


def _text(name: str) -> Callable[[Sequence[str]], Any]:
    return lambda values: params.parse_text(values[-1], name)


def _place(text: str, _: str) -> Condition:
    return sa.or_(
        Event.location_name.ilike(like_pattern(text), escape="\\"),  # type: ignore[union-attr]
        col(Event.location_id) == text,
    )


def _actor(text: str, _: str) -> Condition:
    return sa.cast(Event.actors, sa.Text).ilike(like_pattern(text), escape="\\")


def _names(name: str) -> Callable[[Sequence[str]], Any]:
    def parse(values: Sequence[str]) -> tuple[str, ...] | None:
        chosen = [params.parse_text(v, name) for v in params.split_values(values)]
        return tuple(dict.fromkeys(v for v in chosen if v)) or None

    return parse


def _reported_by(names: tuple[str, ...], _: str) -> Condition:
    """Events with an article from one of these publishers (exact names, as /sources lists)."""
    publishers = (
        sa.select(EventMention.event_id)  # type: ignore[call-overload]
        .join(Article, Article.id == EventMention.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(Source.name.in_(names))  # type: ignore[attr-defined]
    )
    return Event.id.in_(publishers)  # type: ignore[union-attr]


EVENT_FILTERS: tuple[EventFilter, ...] = (
    EventFilter(
        "category",
        "Only events of these categories (repeatable or comma-separated).",
        {"type": "string", "enum": list(CATEGORIES)},
        _choices("category", CATEGORIES),
        lambda chosen, _: Event.category.in_(chosen),  # type: ignore[attr-defined]
        repeatable=True,
        queryable="category",
    ),
    EventFilter(
        "claim_status",
        "Only events with these claim statuses (repeatable or comma-separated).",
        {"type": "string", "enum": list(CLAIM_STATUSES)},
        _choices("claim_status", CLAIM_STATUSES),
        lambda chosen, _: Event.claim_status.in_(chosen),  # type: ignore[attr-defined]
        repeatable=True,
        queryable="claim_status",
    ),
    EventFilter(
        "min_severity",
        "Only events of at least this severity (1-5).",
        {"type": "integer", "minimum": 1, "maximum": 5},
        _int("min_severity", 1, 5),
        lambda least, _: Event.severity >= least,
    ),
    EventFilter(
        "actor",
        "Substring of an actor's name.",
        {"type": "string", "maxLength": params.MAX_TEXT_PARAM},
        _text("actor"),
        _actor,
    ),
    EventFilter(
        "place",
        "Substring of the place name, or a gazetteer id.",
        {"type": "string", "maxLength": params.MAX_TEXT_PARAM},
        _text("place"),
        _place,
    ),
    EventFilter(
        "source",
        "Only events reported by these publishers (names as /sources lists them; repeatable "
        "or comma-separated).",
        {"type": "string", "maxLength": params.MAX_TEXT_PARAM},
        _names("source"),
        _reported_by,
        repeatable=True,
        reads_articles=True,
    ),
    EventFilter(
        "q",
        "Full text: the event's title and summary and the title, summary and text of every "
        "article behind it (PostgreSQL: web-search syntax, English stemming; SQLite: a "
        "substring).",
        {"type": "string", "maxLength": params.MAX_TEXT_PARAM},
        _text("q"),
        text_condition,
        reads_articles=True,
    ),
)
FILTERS_BY_NAME: dict[str, EventFilter] = {f.name: f for f in EVENT_FILTERS}
READS_ARTICLES: frozenset[str] = frozenset(f.name for f in EVENT_FILTERS if f.reads_articles)
REPEATABLE: frozenset[str] = frozenset(f.name for f in EVENT_FILTERS if f.repeatable)


def parse_filters(grouped: Mapping[str, Sequence[str]]) -> tuple[tuple[str, Any], ...]:
    """The declared filters present in `grouped` (name -> raw values), parsed."""
    return ordered_filters(
        {
            spec.name: spec.parse_values(grouped[spec.name])
            for spec in EVENT_FILTERS
            if spec.name in grouped
        }
    )


def ordered_filters(parsed: Mapping[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Parsed filter values in declaration order, the absent ones left out: part of the query
    object, so part of every cache key."""
    return tuple(
        (spec.name, parsed[spec.name])
        for spec in EVENT_FILTERS
        if parsed.get(spec.name) is not None
    )


# --- the query object --------------------------------------------------------------------------


class EventOrder(StrEnum):
    TIMELINE = "timeline"  # newest first: (event_date, id) descending
    CHANGES = "changes"  # the sync contract: change_seq ascending


CURSOR_TYPES: dict[EventOrder, tuple[type, ...]] = {
    EventOrder.TIMELINE: (dt.date, int),
    EventOrder.CHANGES: (int,),
}


@dataclass(frozen=True)
class EventQuery:
    """What a request asks of the events: hashable, so it is its own cache key."""

    filters: tuple[tuple[str, Any], ...] = ()
    first_day: dt.date | None = None  # event_date window, inclusive
    last_day: dt.date | None = None
    bbox: BBox | None = None
    updated_since: dt.datetime | None = None
    order: EventOrder = EventOrder.TIMELINE
    after: tuple[Any, ...] | None = None  # the keyset position: the last row served
    limit: int = 50

    @classmethod
    def build(
        cls,
        *,
        filters: tuple[tuple[str, Any], ...],
        limit: int,
        updated_since: str | None = None,
        cursor: str | None = None,
        first_day: dt.date | None = None,
        last_day: dt.date | None = None,
        bbox: BBox | None = None,
    ) -> EventQuery:
        """The query of a request whose surface-specific parts (window, bbox, limit, filters)
        its adapter parsed; `updated_since` and `cursor` are read here, alike everywhere:
        `updated_since` switches to the change order, and a cursor must be of that order."""
        since = params.parse_instant(updated_since, "updated_since") if updated_since else None
        order = EventOrder.CHANGES if since is not None else EventOrder.TIMELINE
        return cls(
            filters=filters,
            first_day=first_day,
            last_day=last_day,
            bbox=bbox,
            updated_since=since,
            order=order,
            after=decode_position(order, cursor) if cursor else None,
            limit=limit,
        )

    def value(self, name: str) -> Any:
        return dict(self.filters).get(name)

    @property
    def versioned(self) -> bool:
        """Whether its rows are a function of the events' data version alone (no filter reads
        articles or publishers): then a page's validator follows from the version."""
        return not any(name in READS_ARTICLES for name, _ in self.filters)

    @property
    def selection(self) -> EventQuery:
        """The same rows, unpaged: the key of counts."""
        return replace(self, after=None, limit=0)

    def cursor_after(self, row: Any) -> str:
        """The cursor that continues after `row` in this query's order."""
        if self.order is EventOrder.CHANGES:
            return encode_cursor(self.order.value, row.change_seq)
        return encode_cursor(self.order.value, row.event_date.isoformat(), row.id)

    def resume_cursor(self, rows: Sequence[Any]) -> str | None:
        """Where a poller continues next time (changes order only): after the last row served,
        or where it already was when nothing changed."""
        if self.order is not EventOrder.CHANGES:
            return None
        if rows:
            return self.cursor_after(rows[-1])
        position = self.after[0] if self.after else 0
        return encode_cursor(self.order.value, position)


def decode_position(order: EventOrder, token: str) -> tuple[Any, ...]:
    return decode_cursor(token, order.value, *CURSOR_TYPES[order])


# --- the repository ----------------------------------------------------------------------------

# What event lists read, in this order: every column but the merge key, the figures and the
# creation time. Plain rows of these, not ORM objects: a page is read once and serialised, its
# renderers reading each row as an EventListRow (a tuple: its fields are C-level getters).


class EventListRow(NamedTuple):
    """A page row by name, its fields in the order event lists read them (EVENT_LIST_FIELDS):
    the renderers of /events items and GeoJSON features read it so, in one place."""

    id: Any
    title: Any
    summary: Any
    category: Any
    event_date: Any
    date_precision: Any
    location_name: Any
    location_id: Any
    location_precision: Any
    lat: Any
    lon: Any
    actors: Any
    weapons: Any
    severity: Any
    claim_status: Any
    confidence: Any
    corroboration: Any
    first_reported_at: Any
    last_reported_at: Any
    updated_at: Any
    change_seq: Any

    @classmethod
    def of(cls, row: Any) -> EventListRow:
        return cls._make(row[: len(cls._fields)])


EVENT_LIST_FIELDS = EventListRow._fields

EVENT_LIST_COLUMNS = tuple(
    Event.__table__.c[name]  # type: ignore[attr-defined]
    for name in EVENT_LIST_FIELDS
)
TOMBSTONES_CURSOR = "events.deleted"
TOMBSTONES: sa.Table = EventTombstone.__table__  # type: ignore[attr-defined]
STRING_LISTS = ("actors", "weapons")  # JSON arrays of strings


def list_columns(dialect: str) -> tuple[sa.ColumnElement[Any], ...]:
    """EVENT_LIST_COLUMNS as the driver decodes them fastest: on PostgreSQL the string lists
    come as their JSON text (`string_list_json` splices it into the body as it is: no list
    per value, no per-row array subquery in the statement) and the timestamps as psycopg gives
    them (aware UTC: the engine's sessions run in UTC, app/core/db.py), not through
    UTCDateTime's per-value conversion. The same values either way."""
    if dialect != "postgresql":
        return EVENT_LIST_COLUMNS
    columns: list[sa.ColumnElement[Any]] = []
    for column in EVENT_LIST_COLUMNS:
        if column.key in STRING_LISTS:
            name = f"events.{column.key}"
            text = f"(CASE jsonb_typeof({name}) WHEN 'array' THEN {name} ELSE '[]' END)::text"
            columns.append(sa.literal_column(text).label(column.key))
        elif isinstance(column.type, UTCDateTime):
            columns.append(sa.type_coerce(column, sa.DateTime(timezone=True)).label(column.key))
        else:
            columns.append(column)
    return tuple(columns)


EMPTY_LIST = orjson.Fragment(b"[]")


def string_list_json(value: Any) -> Any:
    """A page row's string list (actors, weapons) for the JSON encoder. A list (SQLite, or
    any other source) as it is; PostgreSQL's JSON text as an `orjson.Fragment` of the compact
    form orjson writes for the same list. jsonb writes `["a", "b"]`: with no backslash in the
    text no string holds a quote, so every `", "` is a separator, and when the quotes pair up
    with the separators the text is an array of strings only. Anything else (an escaped
    character, a value that is not a string) is decoded into the list the encoder writes."""
    if not isinstance(value, str):
        return value or []
    if value == "[]":
        return EMPTY_LIST
    compact = value.replace('", "', '","')
    if (
        "\\" not in compact
        and compact.startswith('["')
        and compact.endswith('"]')
        and compact.count('"') == 2 * (compact.count('","') + 1)
    ):
        return orjson.Fragment(compact)
    return string_list(value)


def string_list(value: Any) -> list[Any]:
    """A page row's string list as a list (the CSV joins it): the JSON text decoded, each
    element as jsonb_array_elements_text gives it (a string; JSON null as None)."""
    if not isinstance(value, str):
        return list(value or [])
    return [_element_text(item) for item in orjson.loads(value)]


def _element_text(item: Any) -> str | None:
    if item is None or isinstance(item, str):
        return item
    if isinstance(item, bool):
        return "true" if item else "false"
    return orjson.dumps(item).decode()


def _version_columns() -> tuple[sa.Label[Any], ...]:
    """The data version (VERSION_QUERY) as two columns of a page: read in the page's own
    snapshot, so the version names exactly the data the page was read from."""
    events = Event.__table__.alias("version_events")  # type: ignore[attr-defined]
    tombstones = TOMBSTONES.alias("version_tombstones")
    return (
        sa.select(sa.func.max(events.c.change_seq)).scalar_subquery().label("version_events"),
        sa.select(sa.func.max(tombstones.c.change_seq))
        .scalar_subquery()
        .label("version_tombstones"),
    )


VERSION_COLUMNS = _version_columns()


def conditions(query: EventQuery, dialect: str) -> list[Condition]:
    """The WHERE conditions of `query`'s selection (every filter, the window, the box)."""
    where: list[Condition] = [
        FILTERS_BY_NAME[name].where(value, dialect) for name, value in query.filters
    ]
    if query.first_day is not None:
        where.append(Event.event_date >= query.first_day)  # type: ignore[arg-type]
    if query.last_day is not None:
        where.append(Event.event_date <= query.last_day)  # type: ignore[arg-type]
    if query.bbox is not None:
        # A box asks "where": an event with no known place is never in one.
        where.append(point_in_bbox(query.bbox))
    if query.updated_since is not None:
        where.append(Event.updated_at >= query.updated_since)  # type: ignore[arg-type]
    return where


# The keyset position and the page size are bound at execution: one statement per selection.
KEYSET_BINDS: dict[EventOrder, tuple[str, ...]] = {
    EventOrder.TIMELINE: ("after_day", "after_id"),
    EventOrder.CHANGES: ("after_change",),
}


@lru_cache(maxsize=256)
def page_statement(dialect: str, selection: EventQuery, keyset: bool) -> sa.Select[Any]:
    """The page statement of a selection (`EventQuery.selection`), built once: a statement
    built per request costs more than running it (SQLAlchemy derives its cache key by walking
    the whole construct; a kept one carries its key). `keyset`: continues after a position."""
    statement = sa.select(*list_columns(dialect), *VERSION_COLUMNS).where(
        *conditions(selection, dialect)
    )
    if selection.order is EventOrder.CHANGES:
        if keyset:
            statement = statement.where(Event.change_seq > sa.bindparam("after_change"))  # type: ignore[operator]
        statement = statement.order_by(Event.change_seq.asc())  # type: ignore[union-attr]
    else:
        if keyset:
            # Row-value comparison walks ix_events_timeline (event_date, id) backwards.
            position = sa.tuple_(sa.bindparam("after_day", type_=sa.Date), sa.bindparam("after_id"))
            statement = statement.where(sa.tuple_(Event.event_date, Event.id) < position)
        statement = statement.order_by(Event.event_date.desc(), Event.id.desc())  # type: ignore[attr-defined, union-attr]
    return statement.limit(sa.bindparam("page_size", type_=sa.Integer))


@lru_cache(maxsize=4)
def row_statement(dialect: str) -> sa.Select[Any]:
    """One event by id as a page row (built once, as `page_statement`)."""
    return sa.select(*list_columns(dialect)).where(Event.id == sa.bindparam("event_id"))  # type: ignore[arg-type]


@dataclass(frozen=True)
class EventPage:
    rows: list[Any]
    next_cursor: str | None  # None on the last page
    resume_cursor: str | None = None  # changes order: where the next poll starts
    version: Version | None = None  # the data version the rows were read at (None: no rows)


@dataclass(frozen=True)
class TombstonePage:
    rows: list[Any]
    next_cursor: str | None
    resume_cursor: str


@dataclass
class EventRepository:
    """Every read of events, for every surface. Reads only: it never commits (the request's
    unit of work does), and writes nothing. Lists and counts need only a connection; `get`
    and `mentions` read ORM objects and need a session."""

    session: Session | Connection
    _dialect: str = field(init=False)

    def __post_init__(self) -> None:
        bind = self.session.get_bind() if isinstance(self.session, Session) else self.session
        self._dialect = bind.dialect.name

    def conditions(self, query: EventQuery) -> list[Condition]:
        return conditions(query, self._dialect)

    def _core(self) -> Connection:
        """Where Core statements run: a session's connection (its transaction) skips the ORM's
        result machinery, which a plain-column select does not need."""
        if isinstance(self.session, Session):
            return self.session.connection()
        return self.session

    def page(self, query: EventQuery) -> EventPage:
        statement = page_statement(self._dialect, query.selection, query.after is not None)
        binds: dict[str, Any] = {"page_size": query.limit + 1}
        if query.after is not None:
            binds.update(zip(KEYSET_BINDS[query.order], query.after, strict=True))
        rows = list(self._core().execute(statement, binds).all())
        more = len(rows) > query.limit
        rows = rows[: query.limit]
        next_cursor = query.cursor_after(rows[-1]) if more and rows else None
        version = (rows[0].version_events, rows[0].version_tombstones) if rows else None
        return EventPage(rows, next_cursor, query.resume_cursor(rows), version)

    def row(self, event_id: int) -> Any | None:
        """One event as a page row (EVENT_LIST_FIELDS), or None: one plain select, no ORM."""
        return self._core().execute(row_statement(self._dialect), {"event_id": event_id}).first()

    def count(self, query: EventQuery) -> int:
        statement = sa.select(sa.func.count()).select_from(Event).where(*self.conditions(query))
        return int(self._core().execute(statement).scalar_one())

    def get(self, event_id: int) -> Event | None:
        return self._orm().get(Event, event_id)

    def mentions(self, event_id: int) -> list[tuple[EventMention, Article, str]]:
        rows = self._orm().execute(
            sa.select(EventMention, Article, col(Source.name))
            .join(Article, Article.id == EventMention.article_id)  # type: ignore[arg-type]
            .join(Source, Source.id == Article.source_id)  # type: ignore[arg-type]
            .where(EventMention.event_id == event_id)  # type: ignore[arg-type]
            .order_by(Article.published_at, Article.id)  # type: ignore[arg-type]
        )
        return [(mention, article, name) for mention, article, name in rows]

    def _orm(self) -> Session:
        if not isinstance(self.session, Session):
            raise TypeError("reading ORM objects needs a Session")
        return self.session

    def extent(
        self,
    ) -> tuple[tuple[float, float, float, float] | None, dt.date | None, dt.date | None]:
        """(bbox of the events with a point, first day, last day)."""
        has_point = sa.and_(Event.lon.is_not(None), Event.lat.is_not(None))  # type: ignore[union-attr]
        bounds: Any = self.session.execute(
            sa.select(
                sa.func.min(Event.lon),
                sa.func.min(Event.lat),
                sa.func.max(Event.lon),
                sa.func.max(Event.lat),
            ).where(has_point)
        ).one()
        west, south, east, north = bounds
        first, last = self.session.execute(
            sa.select(sa.func.min(Event.event_date), sa.func.max(Event.event_date))
        ).one()
        bbox = None if west is None else (west, south, east, north)
        return bbox, first, last

    def first_day(self) -> dt.date | None:
        return self.session.execute(sa.select(sa.func.min(Event.event_date))).scalar_one()

    def deleted(self, since: dt.datetime | None, cursor: str | None, limit: int) -> TombstonePage:
        """Tombstones in change order (`since`: deleted at or after), keyset-paged."""
        t = TOMBSTONES.c
        statement = sa.select(t.id, t.deleted_at, t.replaced_by, t.change_seq)
        if since is not None:
            statement = statement.where(t.deleted_at >= since)
        position = decode_cursor(cursor, TOMBSTONES_CURSOR, int)[0] if cursor else 0
        statement = statement.where(t.change_seq > position).order_by(t.change_seq.asc())
        rows = list(self._core().execute(statement.limit(limit + 1)).all())
        more = len(rows) > limit
        rows = rows[:limit]
        last = rows[-1].change_seq if rows else position
        next_cursor = encode_cursor(TOMBSTONES_CURSOR, last) if more else None
        return TombstonePage(rows, next_cursor, encode_cursor(TOMBSTONES_CURSOR, last))


def point_in_bbox(box: BBox) -> Condition:
    """The event's point lies in the box; west > east is a box across the antimeridian.
    Never true for an event without a point (BETWEEN on NULL is not true).

    The bounds (validated floats) are written into the SQL, not bound: psycopg prepares a
    statement it has run a few times, and PostgreSQL's generic plan for a prepared box (any
    box) scanned the timeline index instead of using the box's selectivity."""
    west, south, east, north = (
        sa.literal(value, sa.Float, literal_execute=True)
        for value in (box.west, box.south, box.east, box.north)
    )
    if box.west <= box.east:
        lon_inside = Event.lon.between(west, east)  # type: ignore[union-attr]
    else:
        lon_inside = sa.or_(col(Event.lon) >= west, col(Event.lon) <= east)  # type: ignore[operator]
    return sa.and_(Event.lat.between(south, north), lon_inside)  # type: ignore[union-attr]


# The events' data version: a new, changed, merged or removed event moves it (the change
# sequence is drawn on every insert and update, and by every tombstone).
VERSION_QUERY = sa.select(
    sa.select(sa.func.max(Event.change_seq)).scalar_subquery(),
    sa.select(sa.func.max(EventTombstone.change_seq)).scalar_subquery(),
)
