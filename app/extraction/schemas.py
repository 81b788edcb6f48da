"""What goes in (an article) and what comes out (events) of the pure extractor."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

CLAIM_RANK = {"claimed": 0, "reported": 1, "confirmed": 2}


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """One article as the extractor sees it; `published`, when known, is timezone-aware.

    `published_precision` says how much of `published` is known: "day" (a timestamp or a date),
    "month" ("2023-05": the first of the month), "year" ("2023": January 1st) or "none"
    (`published` is None, and an event is dated only by what its text says).
    """

    id: str | int
    title: str
    text: str
    published: dt.datetime | None
    source: str = ""
    url: str | None = None
    reliability: str | None = None  # Admiralty grade when the caller knows it (database rows)
    published_precision: str = "day"

    def __post_init__(self) -> None:
        if self.published is None:
            if self.published_precision != "none":
                raise ValueError("an article without a publish time has published_precision none")
        elif self.published.tzinfo is None:
            raise ValueError("published must be timezone-aware")


@dataclass(frozen=True, slots=True)
class Location:
    id: str
    name: str
    lat: float | None
    lon: float | None
    precision: str  # site|city|province|sea|border|country
    country: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "precision": self.precision,
        }


@dataclass(slots=True)
class ExtractedEvent:
    category: str
    title: str
    summary: str
    event_date: dt.date | None  # None only when neither the text nor the publish date tells
    date_precision: str  # day|week|month|year|unknown
    location: Location | None
    actors: list[str]
    weapons: list[str]
    figures: dict[str, Any]
    severity: int
    claim_status: str
    confidence: float
    evidence: list[str]
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The `watchfloor extract` / `POST /extract` shape (design brief), plus explanations."""
        return {
            "category": self.category,
            "title": self.title,
            "summary": self.summary,
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "date_precision": self.date_precision,
            "location": self.location.to_dict() if self.location else None,
            "actors": self.actors,
            "weapons": self.weapons,
            "figures": self.figures,
            "severity": self.severity,
            "claim_status": self.claim_status,
            "confidence": self.confidence,
            "evidence": self.evidence,
            "reasons": self.reasons,
        }
