"""The structured assessment for a period, assembled only from stored events and articles.

The period's situation (threat level, its events, hotspots) is `assess_situation` over the
period's days as known at the report's `as_of` (default: when it is generated), the same call
/threat-level and /hotspots make. When events reported after the period ended changed the
answer, the report says so (`revised_since_period_end`), with the answer as known when the
period ended.

Every sentence carries the ids of the events it rests on; development texts are the events' own
summaries or evidence sentences, quoted. Indicators are counts computed from the events
(app/assessment/indicators.py).
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from app import notify
from app.assessment import methodology as m
from app.assessment.annex import build_annex, iso_z
from app.assessment.area import Area
from app.assessment.hotspots import Hotspot, HotspotResult
from app.assessment.indicators import compute_indicators
from app.assessment.scoring import EventRecord, start_of_day
from app.assessment.situation import Situation, ThreatLevel, assess_situation
from app.core.db import chunked
from app.core.models import Article, Assessment, EventMention, Source, utcnow

# A sentence already ends when its text ends with . ! ? or an ellipsis, possibly followed by
# closing quotes or brackets: "more realistic." is not closed again ("realistic.".).
_ENDED = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*$")


def end_sentence(text: str) -> str:
    """`text` as one sentence: trailing separators dropped, a full stop only if none ends it."""
    text = text.strip().rstrip(",;:").rstrip()
    return text if _ENDED.search(text) else text + "."


def strip_end(text: str) -> str:
    """`text` without the full stop that ends it (to be quoted inside another sentence)."""
    text = text.strip()
    return text[:-1].rstrip() if text.endswith(".") and not text.endswith("...") else text


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


def _sources_of(
    session: Session, event_ids: list[int], as_of: dt.datetime
) -> dict[int, list[dict[str, Any]]]:
    """Each event's supporting articles published by `as_of`, earliest first, with the
    sentence they support."""
    if not event_ids:
        return {}
    query = (
        sa.select(
            col(EventMention.event_id),
            col(EventMention.sentence),
            col(Article.id),
            col(Article.title),
            col(Article.url),
            col(Article.published_at),
            col(Source.name),
        )
        .join(Article, col(Article.id) == col(EventMention.article_id))
        .join(Source, col(Source.id) == col(Article.source_id))
        .where(col(Article.published_at) <= as_of)
        .order_by(col(EventMention.event_id), col(Article.published_at), col(Article.id))
    )
    rows = (
        row
        for chunk in chunked(event_ids)  # a period may hold more events than a statement binds
        for row in session.execute(query.where(col(EventMention.event_id).in_(chunk)))
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
    text = end_sentence(event.summary or evidence or event.title)
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
                f"{strip_end(event.title)} ({_human_day(event.event_date)}; "
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
                end_sentence(
                    f"{section['heading']}: {count} event{'s' if count != 1 else ''}, led by "
                    f"\u201c{strip_end(lead['title'])}\u201d"
                ),
                ids,
            )
        )
    return sentences


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


def _omitted_json(result: HotspotResult, ranked: list[tuple[EventRecord, float]]) -> list[Any]:
    records = {event.id: event for event, _ in ranked}
    out = []
    for item in result.omitted:
        event = records.get(item.event_id)
        if event is None:
            continue
        out.append(
            {
                **_event_ref(event),
                "location": event.location_name,
                "reason": item.reason,
            }
        )
    return out


def _map_key(hotspots: list[Hotspot]) -> list[tuple[str, int]]:
    return [(h.id, h.intensity) for h in hotspots]


def revision_note(
    period_end: dt.datetime, now: Situation, then: Situation
) -> dict[str, Any] | None:
    """How events reported after the period ended changed its answer (None: they did not)."""
    same = (
        now.threat.level == then.threat.level
        and now.threat.score == then.threat.score
        and now.threat.event_count == then.threat.event_count
        and _map_key(now.hotspots.hotspots) == _map_key(then.hotspots.hotspots)
    )
    if same:
        return None
    before = {event.id: event for event, _ in then.ranked}
    late = []
    for event, _ in now.ranked:
        earlier = before.get(event.id)
        if earlier is None or (earlier.corroboration, earlier.claim_status) != (
            event.corroboration,
            event.claim_status,
        ):
            late.append(event.id)
    count = then.threat.event_count
    text = (
        f"Revised since the period ended: as known at {iso_z(period_end)} the level was "
        f"{then.threat.level} (score {then.threat.score:g}/100) over {count} "
        f"event{'s' if count != 1 else ''} and {len(then.hotspots.hotspots)} "
        f"hotspot{'s' if len(then.hotspots.hotspots) != 1 else ''}; "
        f"{len(late)} event{'s' if len(late) != 1 else ''} reported or corroborated later "
        f"changed it."
    )
    return {
        "as_of": iso_z(period_end),
        "level": then.threat.level,
        "score": then.threat.score,
        "event_count": count,
        "hotspots": [{"label": h.label, "intensity": h.intensity} for h in then.hotspots.hotspots],
        "event_ids": sorted(late),
        "text": text,
    }


def build_report(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    max_annex_articles: int,
    generated_at: dt.datetime | None = None,
    as_of: dt.datetime | None = None,
    area: Area | None = None,
) -> dict[str, Any]:
    """The report body for first_day..last_day (inclusive), as known at `as_of` (default: the
    generation instant)."""
    generated_at = generated_at or utcnow()
    as_of = as_of or generated_at
    area = area if area is not None else Area.from_settings()
    start, end = period_bounds(first_day, last_day)
    situation = assess_situation(session, first_day, last_day, as_of=as_of, area=area, texts=True)
    threat, ranked, hotspots = situation.threat, situation.ranked, situation.hotspots
    revised = None
    if as_of > end:
        then = assess_situation(session, first_day, last_day, as_of=end, area=area)
        revised = revision_note(end, situation, then)
    sources = _sources_of(session, [e.id for e, _ in ranked], as_of)
    sections = _developments(ranked, sources)
    summary = _executive_summary(first_day, last_day, threat, ranked, sections)
    if revised:
        summary.append(_sentence(revised["text"], revised["event_ids"]))
    return {
        "title": report_title(first_day, last_day),
        "period": {
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "start": iso_z(start),
            "end": iso_z(end),
        },
        "kind": "weekly" if is_weekly(first_day, last_day) else "custom",
        "as_of": iso_z(as_of),
        "revised_since_period_end": revised,
        "methodology_version": m.METHODOLOGY_VERSION,
        "generated_at": iso_z(generated_at),
        "threat_level": threat_json(threat),
        "executive_summary": summary,
        "key_developments": sections,
        "hotspots": [hotspot_json(h) for h in hotspots.hotspots],
        "omitted_from_map": _omitted_json(hotspots, ranked),
        "indicators": compute_indicators(session, situation.events, first_day, last_day, as_of),
        "annex": build_annex(session, start, end, max_articles=max_annex_articles),
        "structured": structured_json(threat, hotspots.hotspots),
    }


def is_weekly(first_day: dt.date, last_day: dt.date) -> bool:
    return (last_day - first_day).days + 1 in m.WEEKLY_PERIOD_DAYS


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
    "kind",
    "as_of",
    "revised_since_period_end",
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
    "reason",
    "indicators",
    "value",
    "comparison",
    "status",
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
    from sqlalchemy.dialects import postgresql, sqlite

    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = Assessment.__table__  # type: ignore[attr-defined]
    statement: Any = insert(table).values(**values)
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
    notify.record_assessment(session, assessment)
    return assessment


def build_and_store(
    session: Session,
    first_day: dt.date,
    last_day: dt.date,
    *,
    max_annex_articles: int,
    as_of: dt.datetime | None = None,
) -> Assessment:
    body = build_report(
        session, first_day, last_day, max_annex_articles=max_annex_articles, as_of=as_of
    )
    return store_report(session, body)


def latest_weekly(session: Session) -> Assessment | None:
    """The stored weekly report of the latest period (a report over another range is never
    "latest"; see methodology.WEEKLY_PERIOD_DAYS)."""
    query = sa.select(Assessment).order_by(
        col(Assessment.period_end).desc(),
        col(Assessment.updated_at).desc(),
        col(Assessment.id).desc(),
    )
    for assessment in session.scalars(query.execution_options(yield_per=100)):
        days = (assessment.period_end - assessment.period_start).days
        if days in m.WEEKLY_PERIOD_DAYS:
            return assessment
    return None
