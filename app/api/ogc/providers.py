"""One provider per collection: query(bbox, datetime, limit, cursor, properties), get(id), extent().

Providers speak features (GeoJSON dicts from app.api.geojson) and raise OGCError for a bad
cursor; they know nothing about HTTP. Paging is keyset-based, so walking `next` links returns
every feature exactly once even while new rows arrive.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa
from sqlmodel import Session, select

from app.api.cache import derived_values, session_version
from app.api.geojson import (
    EVENT_LIST_COLUMNS,
    event_feature,
    event_point_in_bbox,
    hotspot_feature,
)
from app.api.ogc.errors import invalid_parameter
from app.api.ogc.params import BBox, FilterValue, TimeInterval
from app.assessment import methodology as m
from app.assessment.area import Area
from app.assessment.hotspots import Hotspot
from app.assessment.situation import assess_situation
from app.core.models import Event

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


class Provider(Protocol):
    def query(
        self,
        *,
        bbox: BBox | None,
        datetime: TimeInterval | None,
        limit: int,
        cursor: str | None,
        properties: Mapping[str, FilterValue],
    ) -> Page: ...

    def get(self, feature_id: str) -> Feature | None: ...

    def extent(self) -> Extent: ...


def encode_cursor(*parts: str) -> str:
    raw = "|".join(parts).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, count: int) -> list[str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise _bad_cursor() from None
    parts = raw.split("|", count - 1)
    if len(parts) != count:
        raise _bad_cursor()
    return parts


def _bad_cursor() -> Exception:
    return invalid_parameter("`cursor` is not one this server issued; follow the `next` link")


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=dt.UTC)


# --- events -------------------------------------------------------------------------------------


class EventsProvider:
    """The `events` table, newest first (event_date desc, id desc: the ix_events_timeline index).

    Time: `event_date`, a calendar day, meets `datetime` when any instant of that UTC day does.
    Space: lon/lat; events without a point match every bbox (Part 1 1.0.1, fc-bbox-response C).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def query(
        self,
        *,
        bbox: BBox | None,
        datetime: TimeInterval | None,
        limit: int,
        cursor: str | None,
        properties: Mapping[str, FilterValue],
    ) -> Page:
        conditions = self._conditions(bbox, datetime, properties)
        # numberMatched stays exact: counted once per filter and data version, not per page.
        filters = (bbox, datetime, tuple(sorted(properties.items())))
        matched = derived_values.get_or_compute(
            ("events.count", filters, session_version(self.session)),
            lambda: self.session.exec(
                select(sa.func.count()).select_from(Event).where(*conditions)
            ).one(),
        )
        statement = sa.select(*EVENT_LIST_COLUMNS).where(*conditions)
        if cursor is not None:
            statement = statement.where(self._after(cursor))
        statement = statement.order_by(Event.event_date.desc(), Event.id.desc()).limit(limit + 1)
        rows = list(self.session.execute(statement))
        more = len(rows) > limit
        rows = rows[:limit]
        next_cursor = None
        if more:
            last = rows[-1]
            next_cursor = encode_cursor(last.event_date.isoformat(), str(last.id))
        return Page([event_feature(row) for row in rows], int(matched), next_cursor)

    def get(self, feature_id: str) -> Feature | None:
        if not re.fullmatch(r"\d{1,18}", feature_id):
            return None
        event = self.session.get(Event, int(feature_id))
        return None if event is None else event_feature(event)

    def extent(self) -> Extent:
        return derived_values.get_or_compute(
            ("events.extent", session_version(self.session)), self._extent
        )

    def _extent(self) -> Extent:
        has_point = sa.and_(Event.lon.is_not(None), Event.lat.is_not(None))
        west, south, east, north = self.session.exec(
            select(
                sa.func.min(Event.lon),
                sa.func.min(Event.lat),
                sa.func.max(Event.lon),
                sa.func.max(Event.lat),
            ).where(has_point)
        ).one()
        first, last = self.session.exec(
            select(sa.func.min(Event.event_date), sa.func.max(Event.event_date))
        ).one()
        bbox = None if west is None else (west, south, east, north)
        return Extent(
            bbox=bbox,
            start=None if first is None else _day_start(first),
            end=None if last is None else _day_end(last),
        )

    @staticmethod
    def _after(cursor: str) -> sa.ColumnElement[bool]:
        day, ident = decode_cursor(cursor, 2)
        try:
            position = (dt.date.fromisoformat(day), int(ident))
        except ValueError:
            raise _bad_cursor() from None
        return sa.tuple_(Event.event_date, Event.id) < sa.tuple_(*position)

    @staticmethod
    def _conditions(
        bbox: BBox | None, datetime: TimeInterval | None, properties: Mapping[str, FilterValue]
    ) -> list[sa.ColumnElement[bool]]:
        conditions: list[sa.ColumnElement[bool]] = []
        if bbox is not None:
            inside = event_point_in_bbox(bbox.west, bbox.south, bbox.east, bbox.north)
            # OGC API - Features: features without a geometry match every bbox.
            conditions.append(sa.or_(Event.lat.is_(None), Event.lon.is_(None), inside))
        if datetime is not None:
            if datetime.first_day is not None:
                conditions.append(Event.event_date >= datetime.first_day)
            if datetime.last_day is not None:
                conditions.append(Event.event_date <= datetime.last_day)
        if "category" in properties:
            conditions.append(Event.category == properties["category"])
        if "claim_status" in properties:
            conditions.append(Event.claim_status == properties["claim_status"])
        if "min_severity" in properties:
            conditions.append(Event.severity >= properties["min_severity"])
        return conditions


# --- hotspots -----------------------------------------------------------------------------------


class HotspotsProvider:
    """The situation's hotspots (app.assessment.situation) over a window, ordered by id (stable:
    a place id). The same hotspots /hotspots and the report give for the window.

    Time: `datetime` is the window: the hotspots of the UTC days it touches, intensity from the
    weight of each place's events in those days, as known at the interval's end (an open start:
    the WINDOW_DAYS days before its end; an open end: now). Without `datetime`, the window is
    every stored event's day up to now. `category` recomputes hotspots from that category's
    events only; `min_intensity` keeps intensity >= n.
    """

    def __init__(
        self,
        session: Session,
        *,
        now: Callable[[], dt.datetime] | None = None,
        area: Area | None = None,
    ) -> None:
        self.session = session
        self.now = now or (lambda: dt.datetime.now(dt.UTC))
        self.area = area if area is not None else Area.from_settings()
        self._cache: dict[tuple[Any, ...], list[Hotspot]] = {}

    def query(
        self,
        *,
        bbox: BBox | None,
        datetime: TimeInterval | None,
        limit: int,
        cursor: str | None,
        properties: Mapping[str, FilterValue],
    ) -> Page:
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
            last = max(now.date(), first)
            return HotspotWindow(first, last, now)
        end = interval.end or now
        # The end of a whole day (23:59:59.999999) means "known by that day's end".
        as_of = end + dt.timedelta(microseconds=1) if end.time() == dt.time.max else end
        start = interval.start or end - dt.timedelta(days=m.WINDOW_DAYS)
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
