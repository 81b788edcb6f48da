"""The structured assessment for a period, assembled only from stored events and articles.

Every sentence carries the ids of the events it rests on; development texts are the events' own
summaries or evidence sentences, quoted. Nothing is written that no event supports, except the
indicator lines, which are conditions to watch (methodology.INDICATORS), not facts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app.assessment import methodology as m
from app.assessment.annex import build_annex, iso_z
from app.assessment.hotspots import Hotspot, group_hotspots
from app.assessment.scoring import EventRecord, event_weight, load_report_events, start_of_day
from app.assessment.threat import ThreatLevel, compute_threat_for_period
from app.core.models import Article, Assessment, EventMention, Source, utcnow


def period_bounds(first_day: dt.date, last_day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Stored period: [first day 00:00Z, day after the last day 00:00Z)."""
    return start_of_day(first_day), start_of_day(last_day + dt.timedelta(days=1))


def _human_day(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def report_title(first_day: dt.date, last_day: dt.date) -> str:
    return f"North Korea Security Analysis Report: {_human_day(first_day)} - {_human_day(last_day)}"


def _event_ref(event: EventRecord) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "category": event.category,
        "event_date": event.event_date.isoformat(),
    }


def threat_json(threat: ThreatLevel) -> dict[str, Any]:
    return {
        "level": threat.level,
        "score": threat.score,
        "trend": threat.trend,
        "previous_score": threat.previous_score,
        "window": {"from": threat.first_day.isoformat(), "to": threat.last_day.isoformat()},
        "load": threat.load,
        "baseline": threat.baseline,
        "event_count": threat.event_count,
        "drivers": [
            {
                **_event_ref(d.event),
                "claim_status": d.event.claim_status,
                "severity": d.event.severity,
                "share": round(d.share, 3),
            }
            for d in threat.drivers
        ],
        "methodology_version": threat.methodology_version,
    }


def _sources_of(session: Session, event_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """Each event's supporting articles, earliest first, with the sentence they support."""
    if not event_ids:
        return {}
    rows = session.execute(
        sa.select(
            EventMention.event_id,
            EventMention.sentence,
            Article.id,
            Article.title,
            Article.url,
            Article.published_at,
            Source.name,
        )
        .join(Article, Article.id == EventMention.article_id)
        .join(Source, Source.id == Article.source_id)
        .where(col(EventMention.event_id).in_(event_ids))
        .order_by(EventMention.event_id, Article.published_at, Article.id)
    )
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for event_id, sentence, art_id, title, url, published_at, publisher in rows:
        found[event_id].append(
            {
                "article_id": art_id,
                "title": title,
                "url": url,
                "publisher": publisher,
                "published_at": iso_z(published_at),
                "sentence": sentence,
            }
        )
    return found


def _development(
    event: EventRecord, weight: float, sources: list[dict[str, Any]]
) -> dict[str, Any]:
    evidence = next((s["sentence"] for s in sources if s["sentence"]), None)
    text = (event.summary or evidence or event.title).strip()
    location = (
        {"name": event.location_name, "lat": event.lat, "lon": event.lon}
        if event.location_name
        else None
    )
    return {
        **_event_ref(event),
        "claim_status": event.claim_status,
        "severity": event.severity,
        "corroboration": event.corroboration,
        "weight": round(weight, 3),
        "location": location,
        "text": text,
        "sources": sources,
    }


def _developments(
    ranked: list[tuple[EventRecord, float]], sources: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    sections = []
    for heading, categories in m.HEADINGS:
        mine = [(e, w) for e, w in ranked if e.category in categories]
        shown = mine[: m.DEVELOPMENTS_PER_HEADING]
        sections.append(
            {
                "heading": heading,
                "categories": list(categories),
                "event_count": len(mine),
                "items": [_development(e, w, sources.get(e.id, [])) for e, w in shown],
                "more_event_ids": [e.id for e, _ in mine[len(shown) :]],
            }
        )
    return sections


def _sentence(text: str, event_ids: list[int]) -> dict[str, Any]:
    return {"text": text, "event_ids": event_ids}


def _executive_summary(
    first_day: dt.date,
    last_day: dt.date,
    threat: ThreatLevel,
    ranked: list[tuple[EventRecord, float]],
    sections: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    period = f"{_human_day(first_day)} to {_human_day(last_day)}"
    if not ranked:
        return [
            _sentence(
                f"No events were recorded from {period}; the threat level was {threat.level} "
                f"(score {threat.score:g}/100).",
                [],
            )
        ]
    active = [s for s in sections if s["event_count"]]
    sentences = [
        _sentence(
            f"From {period}, {len(ranked)} event{'s' if len(ranked) != 1 else ''} were recorded "
            f"under {len(active)} heading{'s' if len(active) != 1 else ''}; the threat level was "
            f"{threat.level} (score {threat.score:g}/100, {threat.trend} against the previous "
            "period).",
            [e.id for e, _ in ranked],
        )
    ]
    total = sum(w for _, w in ranked) or 1.0
    for event, weight in ranked[: m.SUMMARY_TOP_EVENTS]:
        sentences.append(
            _sentence(
                f"{event.title.strip().rstrip('.')} ({_human_day(event.event_date)}; "
                f"{event.claim_status}; {round(100 * weight / total)}% of the period's weight).",
                [event.id],
            )
        )
    for section in active:
        lead = section["items"][0]
        ids = [item["id"] for item in section["items"]] + section["more_event_ids"]
        count = section["event_count"]
        sentences.append(
            _sentence(
                f"{section['heading']}: {count} event{'s' if count != 1 else ''}, led by "
                f"\u201c{lead['title'].strip().rstrip('.')}\u201d.",
                ids,
            )
        )
    return sentences


def _indicators(ranked: list[tuple[EventRecord, float]]) -> list[dict[str, Any]]:
    by_category: dict[str, list[int]] = defaultdict(list)
    for event, _ in ranked:
        by_category[event.category].append(event.id)
    lines = []
    for category in m.CATEGORIES:
        if category not in by_category or category not in m.INDICATORS:
            continue
        raise_text, lower_text = m.INDICATORS[category]
        lines.append(
            {
                "category": category,
                "heading": m.HEADING_OF[category],
                "raise": raise_text,
                "lower": lower_text,
                "event_ids": by_category[category],
            }
        )
    return lines


def hotspot_json(hotspot: Hotspot) -> dict[str, Any]:
    return {
        "id": hotspot.id,
        "label": hotspot.label,
        "detail": hotspot.detail,
        "lat": hotspot.lat,
        "lng": hotspot.lon,
        "intensity": hotspot.intensity,
        "precision": hotspot.precision,
        "event_count": hotspot.event_count,
        "categories": hotspot.categories,
        "first_seen": iso_z(hotspot.first_seen),
        "last_seen": iso_z(hotspot.last_seen),
        "event_ids": hotspot.event_ids,
    }


def structured_json(threat: ThreatLevel, hotspots: list[Hotspot]) -> dict[str, Any]:
    """Exactly the seed report's shape."""
    return {
        "threat_level": threat.level,
        "hotspots": [
            {
                "label": h.label,
                "detail": h.detail,
                "lat": h.lat,
                "lng": h.lon,
                "intensity": h.intensity,
            }
            for h in hotspots
        ],
    }


def build_report(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    max_annex_articles: int,
    generated_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The report body for first_day..last_day (inclusive), with all events known now."""
    generated_at = generated_at or utcnow()
    start, end = period_bounds(first_day, last_day)
    threat = compute_threat_for_period(session, first_day, last_day, known_by=generated_at)
    events = load_report_events(session, first_day, last_day)
    ranked = sorted(
        ((e, event_weight(e, last_day)) for e in events), key=lambda p: (-p[1], -p[0].id)
    )
    sources = _sources_of(session, [e.id for e in events])
    sections = _developments(ranked, sources)
    hotspots = group_hotspots(events, last_day)
    return {
        "title": report_title(first_day, last_day),
        "period": {
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "start": iso_z(start),
            "end": iso_z(end),
        },
        "methodology_version": m.METHODOLOGY_VERSION,
        "generated_at": iso_z(generated_at),
        "threat_level": threat_json(threat),
        "executive_summary": _executive_summary(first_day, last_day, threat, ranked, sections),
        "key_developments": sections,
        "hotspots": [hotspot_json(h) for h in hotspots.hotspots],
        "omitted_from_map": hotspots.omitted_events,
        "indicators": _indicators(ranked),
        "annex": build_annex(session, start, end, max_articles=max_annex_articles),
        "structured": structured_json(threat, hotspots.hotspots),
    }


# PostgreSQL's JSONB does not keep key order; documents are re-emitted in this order (keys not
# listed follow alphabetically), so `structured` reads exactly like the seed's.
KEY_ORDER = [
    "id",
    "threat_level",
    "hotspots",
    "label",
    "detail",
    "lat",
    "lng",
    "intensity",
    "title",
    "period",
    "from",
    "to",
    "start",
    "end",
    "methodology_version",
    "generated_at",
    "created_at",
    "updated_at",
    "level",
    "score",
    "trend",
    "previous_score",
    "window",
    "load",
    "baseline",
    "event_count",
    "drivers",
    "executive_summary",
    "key_developments",
    "heading",
    "categories",
    "items",
    "more_event_ids",
    "category",
    "event_date",
    "claim_status",
    "severity",
    "corroboration",
    "weight",
    "location",
    "name",
    "lon",
    "text",
    "sources",
    "article_id",
    "publisher",
    "url",
    "published_at",
    "sentence",
    "share",
    "precision",
    "first_seen",
    "last_seen",
    "event_ids",
    "omitted_from_map",
    "indicators",
    "raise",
    "lower",
    "annex",
    "article_count",
    "truncated",
    "source_id",
    "articles",
    "teaser",
    "structured",
]
_RANK = {key: rank for rank, key in enumerate(KEY_ORDER)}


def ordered(value: Any) -> Any:
    if isinstance(value, dict):
        keys = sorted(value, key=lambda k: (_RANK.get(k, len(_RANK)), k))
        return {k: ordered(value[k]) for k in keys}
    if isinstance(value, list):
        return [ordered(item) for item in value]
    return value


def store_report(session: Session, body: dict[str, Any]) -> Assessment:
    """Insert or replace the report of its period (unique period_start, period_end); flushes."""
    first_day = dt.date.fromisoformat(body["period"]["from"])
    last_day = dt.date.fromisoformat(body["period"]["to"])
    start, end = period_bounds(first_day, last_day)
    now = utcnow()
    values = {
        "period_start": start,
        "period_end": end,
        "level": body["threat_level"]["level"],
        "score": body["threat_level"]["score"],
        "methodology_version": body["methodology_version"],
        "body": body,
        "created_at": now,
        "updated_at": now,
    }
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = Assessment.__table__  # type: ignore[attr-defined]
    statement = insert(table).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=["period_start", "period_end"],
        set_={
            key: statement.excluded[key]
            for key in ("level", "score", "methodology_version", "body", "updated_at")
        },
    ).returning(table.c.id)
    assessment_id = session.execute(statement).scalar_one()
    session.flush()
    assessment = session.get(Assessment, assessment_id, populate_existing=True)
    assert assessment is not None
    return assessment


def build_and_store(
    session: Session, first_day: dt.date, last_day: dt.date, *, max_annex_articles: int
) -> Assessment:
    body = build_report(session, first_day, last_day, max_annex_articles=max_annex_articles)
    return store_report(session, body)
