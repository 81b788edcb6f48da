"""Response and request models of the HTTP API (separate from the tables in app/core/models.py).

Timestamps are ISO 8601 UTC with a Z; dates are YYYY-MM-DD.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from app.core.isotime import iso_z

Level = Literal["Low", "Guarded", "Elevated", "High", "Severe"]
Trend = Literal["rising", "steady", "falling"]
ClaimStatus = Literal["claimed", "reported", "confirmed"]
# Every instant an answer carries, written by the one formatter (app/core/isotime.py).
UtcInstant = Annotated[dt.datetime, PlainSerializer(iso_z, return_type=str, when_used="json")]


class Window(BaseModel):
    from_: dt.date = Field(alias="from", description="First day of the window (UTC)")
    to: dt.date = Field(description="Last day of the window (UTC, inclusive)")
    model_config = ConfigDict(populate_by_name=True)


class EventRef(BaseModel):
    id: int
    title: str
    category: str
    event_date: dt.date


class Driver(EventRef):
    claim_status: ClaimStatus
    severity: int
    share: float = Field(description="Share of the window's weight, 0-1")


class ThreatLevelOut(BaseModel):
    level: Level
    score: float = Field(ge=0, le=100)
    trend: Trend
    previous_score: float
    window: Window
    event_count: int
    load: float = Field(description="Summed event weight in the window")
    baseline: float = Field(description="Mean load of the previous windows")
    drivers: list[Driver]
    methodology_version: str
    computed_at: UtcInstant = Field(
        description="The instant the level is computed as of. Right after the data changed "
        "it may be earlier than `at` (or now): the previous answer, served while the new one "
        "is computed (WATCHFLOOR_STALE_WHILE_RECOMPUTE)"
    )

    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "level": "High",
                "score": 66.4,
                "trend": "rising",
                "previous_score": 31.2,
                "window": {"from": "2026-05-22", "to": "2026-05-28"},
                "event_count": 12,
                "load": 21.7,
                "baseline": 6.3,
                "drivers": [
                    {
                        "id": 41,
                        "title": "North Korea fires ballistic missiles toward the Yellow Sea",
                        "category": "missile_test",
                        "event_date": "2026-05-26",
                        "claim_status": "confirmed",
                        "severity": 4,
                        "share": 0.41,
                    }
                ],
                "methodology_version": "2026.11-1",
                "computed_at": "2026-05-28T23:59:00Z",
            }
        }
    )


class ThreatPoint(BaseModel):
    date: dt.date
    level: Level
    score: float
    trend: Trend
    event_count: int


class ThreatHistoryOut(BaseModel):
    from_: dt.date = Field(alias="from")
    to: dt.date
    methodology_version: str
    points: list[ThreatPoint]
    model_config = ConfigDict(populate_by_name=True)


class LocationOut(BaseModel):
    name: str | None
    id: str | None = Field(description="Gazetteer place id")
    lat: float | None
    lon: float | None
    precision: str | None


class EventOut(BaseModel):
    id: int
    title: str
    summary: str | None
    category: str
    event_date: dt.date
    date_precision: str
    location: LocationOut | None
    actors: list[str]
    weapons: list[str]
    severity: int
    claim_status: ClaimStatus
    confidence: float
    corroboration: int
    first_reported_at: UtcInstant | None
    last_reported_at: UtcInstant | None
    updated_at: UtcInstant = Field(description="When the event last changed")
    href: str


class Page(BaseModel):
    limit: int
    next: str | None = Field(description="Absolute URL of the next page; null on the last page")


class EventPage(Page):
    items: list[EventOut]
    resume: str | None = Field(
        default=None,
        description="With `updated_since`: the URL of the next poll (continues after the last "
        "change served, or where this poll started when nothing changed)",
    )


class DeletedEventOut(BaseModel):
    id: int = Field(description="The removed event's id")
    deleted_at: UtcInstant
    replaced_by: int | None = Field(description="The event that took over its mentions, if any")


class DeletedEventPage(Page):
    items: list[DeletedEventOut]
    resume: str = Field(description="The URL of the next poll")


class MentionOut(BaseModel):
    article_id: int
    title: str
    url: str | None
    publisher: str
    published_at: UtcInstant
    sentence: str
    evidence: list[str]
    claim_status: ClaimStatus


class EventDetail(EventOut):
    figures: dict[str, Any]
    mentions: list[MentionOut]


class ArticleOut(BaseModel):
    id: int
    title: str
    url: str | None
    publisher: str
    source_id: int
    published_at: UtcInstant
    published_inferred: bool
    author: str | None
    summary: str | None
    extracted: bool
    href: str


class ArticlePage(Page):
    items: list[ArticleOut]


class ArticleDetail(ArticleOut):
    text: str | None
    events: list[EventRef]


class FeedHealth(BaseModel):
    id: int
    url: str
    title: str | None
    enabled: bool
    disabled_reason: str | None
    last_success_at: UtcInstant | None
    last_check_at: UtcInstant | None
    last_status: int | None
    last_error: str | None
    last_error_at: UtcInstant | None
    error_count: int
    next_check_at: UtcInstant | None
    poll_interval_seconds: int


class SourceOut(BaseModel):
    id: int
    publisher: str
    kind: str
    reliability: str
    homepage: str | None
    article_count: int
    feeds: list[FeedHealth]


class SourcesOut(BaseModel):
    sources: list[SourceOut]


class AnnexArticle(BaseModel):
    id: int
    title: str
    url: str | None
    published_at: UtcInstant
    teaser: str


class AnnexSource(BaseModel):
    publisher: str
    source_id: int
    articles: list[AnnexArticle]


class AnnexOut(BaseModel):
    from_: UtcInstant = Field(alias="from")
    to: UtcInstant
    article_count: int
    truncated: bool
    sources: list[AnnexSource]
    model_config = ConfigDict(populate_by_name=True)


# --- admin ------------------------------------------------------------------------------------


class FeedCreate(BaseModel):
    url: str = Field(max_length=2000, examples=["https://www.nknews.org/feed/"])
    source: str = Field(
        min_length=1, max_length=200, description="Publisher name", examples=["NK News"]
    )
    title: str | None = Field(default=None, max_length=1000)
    kind: Literal["specialist", "wire", "state_media", "government", "think_tank", "general"] = (
        Field(default="general", description="Used only when the source is new")
    )
    reliability: Literal["A", "B", "C", "D", "E", "F"] = Field(
        default="F", description="Admiralty grade; used only when the source is new"
    )
    model_config = ConfigDict(extra="forbid")


class FeedUpdate(BaseModel):
    url: str | None = Field(default=None, max_length=2000)
    title: str | None = Field(default=None, max_length=1000)
    enabled: bool | None = Field(default=None, description="false pauses the feed, true resumes it")
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"enabled": False}})


class AdminFeedOut(FeedHealth):
    source_id: int
    publisher: str


class CollectAccepted(BaseModel):
    status: Literal["started"]
    detail: str


# --- assessments ------------------------------------------------------------------------------


class AssessmentRequest(BaseModel):
    from_: dt.date = Field(alias="from", examples=["2026-05-21"])
    to: dt.date = Field(examples=["2026-05-28"], description="Last day, inclusive")
    as_of: UtcInstant | None = Field(
        default=None,
        examples=["2026-05-29T00:00:00Z"],
        description="Assess with what was published by this instant (default: now); the "
        "report says when events reported after the period ended changed its answer",
    )
    model_config = ConfigDict(
        populate_by_name=True,
        extra="forbid",
        json_schema_extra={"example": {"from": "2026-05-21", "to": "2026-05-28"}},
    )


class StructuredHotspot(BaseModel):
    label: str
    detail: str
    lat: float
    lng: float
    intensity: int = Field(ge=1, le=5)


class Structured(BaseModel):
    threat_level: Level
    hotspots: list[StructuredHotspot]


class AssessmentSummary(BaseModel):
    id: int
    period_start: UtcInstant
    period_end: UtcInstant = Field(description="Exclusive: the instant after the last day")
    level: Level
    score: float
    methodology_version: str
    created_at: UtcInstant
    updated_at: UtcInstant
    href: str


class AssessmentList(Page):
    items: list[AssessmentSummary]


class AssessmentDocument(BaseModel):
    """The full report. Other members: period, kind (weekly | custom), as_of,
    revised_since_period_end, threat_level, executive_summary, key_developments, hotspots,
    omitted_from_map, indicators, annex (see the JSON)."""

    id: int
    title: str
    period: dict[str, str]
    kind: str | None = None
    as_of: UtcInstant | None = None
    revised_since_period_end: dict[str, Any] | None = None
    methodology_version: str
    generated_at: UtcInstant
    threat_level: dict[str, Any]
    executive_summary: list[dict[str, Any]]
    key_developments: list[dict[str, Any]]
    hotspots: list[dict[str, Any]]
    indicators: list[dict[str, Any]]
    annex: dict[str, Any]
    structured: Structured
    created_at: UtcInstant
    updated_at: UtcInstant
    model_config = ConfigDict(extra="allow")
