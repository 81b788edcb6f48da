"""One provider per collection: query(items), get(id), extent().

Providers speak features (GeoJSON dicts from app.api.geojson) and raise OGCError for a bad
cursor; they know nothing about HTTP. Paging is keyset-based, so walking `next` links returns
every feature exactly once even while new rows arrive.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, select

from app.api.cache import derived_values, session_version
from app.api.geojson import event_feature, hotspot_feature
from app.api.ogc.params import BBox, FilterValue, ItemsQuery, TimeInterval
from app.assessment import methodology as m
from app.assessment.area import Area
from app.assessment.hotspots import Hotspot
from app.assessment.situation import assess_situation
from app.core.config import get_settings
from app.core.models import Event
from app.query.cursor import decode_cursor as _decode_cursor
from app.query.cursor import encode_cursor as _encode_cursor
from app.query.errors import invalid_parameter
from app.query.events import EventQuery, EventRepository, ordered_filters

# an event's feature id: its integer id (a bigint fits in 18 digits); anything else is no event
EVENT_ID = re.compile(r"\d{1,18}")

Feature = dict[str, Any]


@dataclass(frozen=True)
class Extent:
    bbox: tuple[float, float, float, float] | None  # CRS84; None while the collection is empty
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class Page:
    features: list[Feature]
    number_matched: int
    next_cursor: str | None  # None on the last page
    resume_cursor: str | None = None  # change order: where the next poll starts


class Provider(Protocol):
    def query(self, items: ItemsQuery) -> Page: ...

    def get(self, feature_id: str) -> Feature | None: ...

    def extent(self) -> Extent: ...


def encode_cursor(*parts: str) -> str:
    return _encode_cursor(HOTSPOTS_CURSOR, *parts)


def decode_cursor(cursor: str, count: int) -> list[str]:
    return list(_decode_cursor(cursor, HOTSPOTS_CURSOR, *([str] * count)))


HOTSPOTS_CURSOR = "hotspots"


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


# --- events -------------------------------------------------------------------------------------


def event_query(items: ItemsQuery) -> EventQuery:
    """The OGC request as the query layer's `EventQuery` (the one `/events` builds too)."""
    interval = items.datetime
    return EventQuery.build(
        filters=ordered_filters(items.properties),
        limit=items.limit,
        updated_since=items.updated_since,
        cursor=items.cursor,
        first_day=None if interval is None else interval.first_day,
        last_day=None if interval is None else interval.last_day,
        bbox=items.bbox,
    )


class EventsProvider:
    """The `events` table through the query layer (app/query/events.py): newest first, or in
    change order with `updated_since`.

    Time: `event_date`, a calendar day, meets `datetime` when any instant of that UTC day does.
    Space: lon/lat; an event without a point is in no bbox (GDAL and QGIS drop them anyway).
    """

    def __init__(self, session: Session) -> None:
        self.session = session
        self.repository = EventRepository(session)

    def query(self, items: ItemsQuery) -> Page:
        query = event_query(items)
        page = self.repository.page(query)
        # numberMatched stays exact: counted once per selection and data version, not per page
        # (the version the page was read at; an empty page reads it on its own).
        version = page.version or session_version(self.session)
        matched = derived_values.get_or_compute(
            ("events.count", query.selection, version), lambda: self.repository.count(query)
        )
        return Page(
            [event_feature(row) for row in page.rows],
            int(matched),
            page.next_cursor,
            page.resume_cursor,
        )

    def get(self, feature_id: str) -> Feature | None:
        if not EVENT_ID.fullmatch(feature_id):
            return None
        row = self.repository.row(int(feature_id))
        return None if row is None else event_feature(row)

    def extent(self) -> Extent:
        return derived_values.get_or_compute(
            ("events.extent", session_version(self.session)), self._extent
        )

    def _extent(self) -> Extent:
        bbox, first, last = self.repository.extent()
        return Extent(
            bbox=bbox,
            start=None if first is None else _day_start(first),
            end=None if last is None else _day_end(last),
        )


# --- hotspots -----------------------------------------------------------------------------------


class HotspotsProvider:
    """The situation's hotspots (app.assessment.situation) over a window, ordered by id (stable:
    a place id). The same hotspots /hotspots and the report give for the window.

    Time: `datetime` is the window: the hotspots of the UTC days it touches, intensity from the
    weight of each place's events in those days, as known at the interval's end (an open start:
    the WINDOW_DAYS days before its end; an open end: now). Without `datetime`, the window is
    the last `computed_window_max_days` days up to now (or from the first stored event's day,
    if later). A `datetime` longer than that is refused: hotspots are computed over every event
    of their window, so its length bounds the work, as on /hotspots. `category` recomputes
    hotspots from that category's events only; `min_intensity` keeps intensity >= n.
    """

    def __init__(
        self,
        session: Session,
        *,
        now: Callable[[], dt.datetime] | None = None,
        area: Area | None = None,
        max_days: int | None = None,
    ) -> None:
        self.session = session
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.area = area if area is not None else Area.from_settings()
        self.max_days = (
            max_days if max_days is not None else get_settings().computed_window_max_days
        )
        self._cache: dict[tuple[Any, ...], list[Hotspot]] = {}

    def query(self, items: ItemsQuery) -> Page:
        bbox, datetime, limit, cursor = items.bbox, items.datetime, items.limit, items.cursor
        properties = items.properties
        category = properties.get("category")
        selected = [
            h
            for h in self.hotspots(
                [str(category)] if category is not None else None, self.window(datetime)
            )
            if _hotspot_matches(h, bbox, properties)
        ]
        start = 0
        if cursor is not None:
            (after,) = decode_cursor(cursor, 1)
            start = next((i for i, h in enumerate(selected) if h.id > after), len(selected))
        window = selected[start : start + limit]
        more = start + limit < len(selected)
        next_cursor = encode_cursor(window[-1].id) if more and window else None
        return Page([hotspot_feature(h) for h in window], len(selected), next_cursor)

    def get(self, feature_id: str) -> Feature | None:
        found = next(
            (h for h in self.hotspots(None, self.window(None)) if h.id == feature_id), None
        )
        return None if found is None else hotspot_feature(found)

    def extent(self) -> Extent:
        hotspots = self.hotspots(None, self.window(None))
        if not hotspots:
            return Extent(None, None, None)
        return Extent(
            bbox=(
                min(h.lon for h in hotspots),
                min(h.lat for h in hotspots),
                max(h.lon for h in hotspots),
                max(h.lat for h in hotspots),
            ),
            start=min(h.first_seen for h in hotspots),
            end=max(h.last_seen for h in hotspots),
        )

    def window(self, interval: TimeInterval | None) -> HotspotWindow | None:
        """The days and as-of instant of a request (None: no event stored, nothing to draw)."""
        now = self.now().replace(second=0, microsecond=0)  # one answer per minute, not per call
        if interval is None:
            first = derived_values.get_or_compute(
                ("hotspots.first_day", session_version(self.session)),
                lambda: self.session.exec(select(sa.func.min(Event.event_date))).one(),
            )
            if first is None:
                return None
            first = max(first, now.date() - dt.timedelta(days=self.max_days))
            last = max(now.date(), first)
            return HotspotWindow(first, last, now)
        end = interval.end or now
        # The end of a whole day (23:59:59.999999) means "known by that day's end".
        as_of = end + dt.timedelta(microseconds=1) if end.time() == dt.time.max else end
        start = interval.start or end - dt.timedelta(days=m.WINDOW_DAYS)
        if end - start > dt.timedelta(days=self.max_days):
            raise invalid_parameter(
                f"hotspots are computed over at most {self.max_days} days "
                "(WATCHFLOOR_COMPUTED_WINDOW_MAX_DAYS); narrow `datetime`"
            )
        return HotspotWindow(start.date(), max(start.date(), end.date()), as_of)

    def hotspots(
        self, categories: Sequence[str] | None, window: HotspotWindow | None
    ) -> list[Hotspot]:
        if window is None:
            return []
        key = (None if categories is None else tuple(categories), window, self.area)
        if key not in self._cache:
            shared = ("hotspots", *key, session_version(self.session))
            self._cache[key] = derived_values.get_or_compute(
                shared, lambda: self._compute(categories, window)
            )
        return self._cache[key]

    def _compute(self, categories: Sequence[str] | None, window: HotspotWindow) -> list[Hotspot]:
        situation = assess_situation(
            self.session,
            window.first_day,
            window.last_day,
            as_of=window.as_of,
            area=self.area,
            categories=categories,
        )
        return sorted(situation.hotspots.hotspots, key=lambda h: h.id)


@dataclass(frozen=True)
class HotspotWindow:
    first_day: dt.date
    last_day: dt.date
    as_of: dt.datetime


def _hotspot_matches(
    hotspot: Hotspot, bbox: BBox | None, properties: Mapping[str, FilterValue]
) -> bool:
    if bbox is not None and not bbox.contains(hotspot.lon, hotspot.lat):
        return False
    if "category" in properties and properties["category"] not in hotspot.categories:
        return False
    min_intensity = properties.get("min_intensity")
    return not (isinstance(min_intensity, int) and hotspot.intensity < min_intensity)
