"""What a subscription wants: event types and, for events, a filter on their fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.assessment.area import Area
from app.assessment.methodology import CATEGORIES
from app.core.models import CLAIM_STATUSES

EVENT_CREATED = "event.created"
EVENT_UPDATED = "event.updated"
EVENT_DELETED = "event.deleted"
THREAT_LEVEL_CHANGED = "threat_level.changed"
ASSESSMENT_PUBLISHED = "assessment.published"
PING = "ping"  # sent by POST /admin/subscriptions/{id}/test only
EVENT_TYPES = (
    EVENT_CREATED,
    EVENT_UPDATED,
    EVENT_DELETED,
    THREAT_LEVEL_CHANGED,
    ASSESSMENT_PUBLISHED,
)
EVENT_MESSAGE_TYPES = (EVENT_CREATED, EVENT_UPDATED, EVENT_DELETED)

EventType = Literal[
    "event.created",
    "event.updated",
    "event.deleted",
    "threat_level.changed",
    "assessment.published",
]


class EventFilter(BaseModel):
    """Which events' messages a subscription receives (every condition given must hold).
    Threat-level and assessment messages are not filtered by it."""

    model_config = ConfigDict(extra="forbid")

    categories: list[str] | None = Field(default=None, max_length=100)
    min_severity: Annotated[int, Field(ge=1, le=5)] | None = None
    claim_statuses: list[str] | None = Field(default=None, max_length=3)
    bbox: list[float] | None = Field(
        default=None, min_length=4, max_length=4, description="minLon,minLat,maxLon,maxLat"
    )
    area_of_interest: bool = Field(
        default=False, description="Only events located inside WATCHFLOOR_AREA_OF_INTEREST"
    )

    @field_validator("categories")
    @classmethod
    def _categories(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(CATEGORIES))
        if unknown:
            raise ValueError(f"unknown categories: {', '.join(unknown)[:300]}")
        return value

    @field_validator("claim_statuses")
    @classmethod
    def _statuses(cls, value: list[str] | None) -> list[str] | None:
        unknown = sorted(set(value or ()) - set(CLAIM_STATUSES))
        if unknown:
            raise ValueError(f"unknown claim statuses: {', '.join(unknown)[:100]}")
        return value

    @field_validator("bbox")
    @classmethod
    def _bbox(cls, value: list[float] | None) -> list[float] | None:
        if value is None:
            return None
        w, s, e, n = value
        if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
            raise ValueError("bbox must be minLon,minLat,maxLon,maxLat with min < max, in range")
        return value


class Matcher:
    """A subscription's wishes, compiled once per batch of messages."""

    def __init__(
        self, subscription_id: int, event_types: list[str], filters: dict[str, Any], area: Area
    ) -> None:
        self.subscription_id = subscription_id
        self.types = frozenset(event_types)
        self.filter = EventFilter.model_validate(filters or {})
        self.area = area

    def wants(self, message_type: str, event: dict[str, Any] | None) -> bool:
        if message_type == PING:
            return False
        if message_type not in self.types:
            return False
        return event is None or self.event_passes(event)

    def event_passes(self, event: dict[str, Any]) -> bool:
        f = self.filter
        if f.categories is not None and event["category"] not in f.categories:
            return False
        if f.min_severity is not None and event["severity"] < f.min_severity:
            return False
        if f.claim_statuses is not None and event["claim_status"] not in f.claim_statuses:
            return False
        lon, lat = event.get("lon"), event.get("lat")
        if f.bbox is not None or f.area_of_interest:
            if lon is None or lat is None:
                return False
            if f.bbox is not None:
                w, s, e, n = f.bbox
                if not (w <= lon <= e and s <= lat <= n):
                    return False
            if f.area_of_interest and not self.area.contains(lon, lat):
                return False
        return True


def iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
