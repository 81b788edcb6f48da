"""The collections registry: what each layer is, its filters and where its data comes from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlmodel import Session

from app.api.ogc.errors import not_found
from app.api.ogc.params import DeclaredFilter, PropertyFilter
from app.api.ogc.providers import EventsProvider, HotspotsProvider, Provider
from app.core.categories import CATEGORIES
from app.query.events import EVENT_FILTERS


@dataclass(frozen=True)
class CollectionSpec:
    id: str
    title: str
    description: str
    time_property: str  # what `datetime` is matched against, documented per layer
    filters: tuple[DeclaredFilter, ...]
    provider: Callable[[Session], Provider]
    changes: bool = False  # has the sync contract's change order (`updated_since`)


EVENTS = CollectionSpec(
    id="events",
    title="Events",
    description=(
        "Security events on the Korean Peninsula extracted from news articles, newest first. "
        "Time: `event_date` (a UTC calendar day); events without a known place have no "
        "geometry and are in no bbox. `updated_since` pages in change order (the sync "
        "contract)."
    ),
    time_property="event_date",
    # The query layer's filters, the same as /events (app/query/events.py).
    filters=EVENT_FILTERS,
    provider=EventsProvider,
    changes=True,
)

HOTSPOTS = CollectionSpec(
    id="hotspots",
    title="Hotspots",
    description=(
        "Places where events concentrate: the same hotspots as /hotspots and the report for "
        "the same window. Time: `datetime` is the window (the UTC days it touches, as known at "
        "its end); intensity comes from the weight of each place's events in it. Without "
        "`datetime`: the last WATCHFLOOR_COMPUTED_WINDOW_MAX_DAYS days (a longer `datetime` is a "
        "400). Each hotspot's [`first_seen`, `last_seen`] is when "
        "its events were reported."
    ),
    time_property="first_seen/last_seen",
    filters=(
        PropertyFilter(
            "category",
            "string",
            "Hotspots computed from the events of this category only.",
            choices=CATEGORIES,
        ),
        PropertyFilter(
            "min_intensity",
            "integer",
            "Only hotspots of at least this intensity (1-5).",
            minimum=1,
            maximum=5,
        ),
    ),
    provider=HotspotsProvider,
)

COLLECTIONS: dict[str, CollectionSpec] = {spec.id: spec for spec in (EVENTS, HOTSPOTS)}


def get_collection(collection_id: str) -> CollectionSpec:
    try:
        return COLLECTIONS[collection_id]
    except KeyError:
        known = ", ".join(COLLECTIONS)
        raise not_found(f"no collection `{collection_id}`; collections: {known}") from None
