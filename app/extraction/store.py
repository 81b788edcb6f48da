"""Articles in the database -> merged events and their mentions.

An event is one real-world happening: mentions of the same category whose places are the same
gazetteer entry or within `extraction_merge_km`, or both without a point, and whose dates are
within `extraction_merge_days`, merge into one row. A mention with no point joins a located
event of the same category and date (and lends it nothing but support); a located mention
gives an unlocated event its place. Corroboration counts distinct publishers, the claim status
is the strongest across mentions (confirmed > reported > claimed), severity the highest.
Articles are processed oldest first, so a rebuild yields the same keys and, where a key
existed before, the same row id. Services flush; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from app.core.config import get_settings
from app.core.models import Article, Event, EventMention, Source, utcnow
from app.extraction import rules
from app.extraction.core import extract_article
from app.extraction.schemas import CLAIM_RANK, ArticleInput, ExtractedEvent

logger = logging.getLogger(__name__)

_LOCK_ID = 0x5746_4558  # "WFEX": one extraction writer at a time on PostgreSQL
_PRECISION_RANK = {"site": 0, "city": 1, "sea": 2, "border": 2, "province": 3, "country": 4}
_DATE_RANK = {"day": 0, "week": 1, "month": 2, "year": 3, "unknown": 4}


def extract_pending(
    session: Session,
    *,
    article_ids: Sequence[int] | None = None,
    limit: int | None = None,
) -> int:
    """Extract articles not yet extracted (optionally only `article_ids`); returns how many."""
    return _extract(session, article_ids=article_ids, limit=limit, reuse_ids={})


def rebuild_events(session: Session) -> dict[str, int]:
    """Drop every event and mention and extract every stored article again (idempotent)."""
    _lock(session)
    reuse_ids = dict(session.exec(select(Event.key, Event.id)).all())  # type: ignore[call-overload]
    session.execute(sa.delete(EventMention))
    session.execute(sa.delete(Event))
    session.execute(sa.update(Article).values(extracted_at=None))
    session.flush()
    batch = get_settings().extraction_batch_size
    articles = 0
    while True:
        done = _extract(session, article_ids=None, limit=batch, reuse_ids=reuse_ids)
        articles += done
        if done < batch:
            break
    summary = {
        "articles": articles,
        "events": session.scalar(sa.select(sa.func.count()).select_from(Event)) or 0,
        "mentions": session.scalar(sa.select(sa.func.count()).select_from(EventMention)) or 0,
    }
    logger.info("events rebuilt", extra=summary)
    return summary


def _extract(
    session: Session,
    *,
    article_ids: Sequence[int] | None,
    limit: int | None,
    reuse_ids: dict[str, int],
) -> int:
    _lock(session)
    query = (
        select(Article, Source)
        .join(Source, col(Source.id) == col(Article.source_id))
        .where(col(Article.extracted_at).is_(None))
        .order_by(col(Article.published_at), col(Article.id))
    )
    if article_ids is not None:
        if not article_ids:
            return 0
        query = query.where(col(Article.id).in_(list(article_ids)))
    if limit is not None:
        query = query.limit(limit)
    rows = session.exec(query).all()
    if not rows:
        return 0
    touched = _forget_mentions(session, [a.id for a, _ in rows if a.id is not None])
    created = 0
    for article, source in rows:
        for extracted in extract_article(_as_input(article, source)):
            event, new = _merge(session, extracted, reuse_ids)
            created += new
            _upsert_mention(session, event, article, extracted)
            touched.add(event.id)  # type: ignore[arg-type]
        article.extracted_at = utcnow()
        session.add(article)
    session.flush()
    for event_id in sorted(touched):
        _refresh(session, event_id)
    session.flush()
    logger.info(
        "articles extracted",
        extra={"articles": len(rows), "events_created": created, "events_touched": len(touched)},
    )
    return len(rows)


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})


def _as_input(article: Article, source: Source) -> ArticleInput:
    return ArticleInput(
        id=article.id or 0,
        title=article.title,
        text=article.text or article.summary or "",
        published=article.published_at,
        source=source.name,
        url=article.url,
        reliability=source.reliability,
    )


def _forget_mentions(session: Session, article_ids: list[int]) -> set[int]:
    """An article extracted again replaces its old mentions; their events get refreshed."""
    if not article_ids:
        return set()
    event_ids = set(
        session.exec(
            select(EventMention.event_id).where(col(EventMention.article_id).in_(article_ids))
        ).all()
    )
    if event_ids:
        session.execute(
            sa.delete(EventMention).where(col(EventMention.article_id).in_(article_ids))
        )
    return event_ids


def _merge(
    session: Session, extracted: ExtractedEvent, reuse_ids: dict[str, int]
) -> tuple[Event, int]:
    event = _find_match(session, extracted)
    if event is None:
        return _create(session, extracted, reuse_ids), 1
    _absorb(event, extracted)
    session.add(event)
    return event, 0


def _find_match(session: Session, extracted: ExtractedEvent) -> Event | None:
    settings = get_settings()
    window = dt.timedelta(days=settings.extraction_merge_days)
    candidates = session.exec(
        select(Event)
        .where(
            Event.category == extracted.category,
            col(Event.event_date) >= extracted.event_date - window,
            col(Event.event_date) <= extracted.event_date + window,
        )
        .order_by(col(Event.id))
    ).all()
    candidates = sorted(
        candidates, key=lambda e: (abs((e.event_date - extracted.event_date).days), e.id)
    )
    loc = extracted.location
    point = loc is not None and loc.lat is not None and loc.lon is not None
    for event in candidates:  # the same place, or near enough
        if loc is not None and event.location_id == loc.id:
            return event
        if point and _near(loc, event, settings.extraction_merge_km):
            return event
    for event in candidates:  # one side knows no point: same happening, less detail
        if not point or event.lat is None:
            return event
    return None


def _create(session: Session, extracted: ExtractedEvent, reuse_ids: dict[str, int]) -> Event:
    loc = extracted.location
    base = f"{extracted.category}:{extracted.event_date.isoformat()}:{loc.id if loc else 'none'}"
    key, n = base, 1
    while session.exec(select(Event.id).where(Event.key == key)).first() is not None:
        n += 1
        key = f"{base}:{n}"
    event = Event(
        id=reuse_ids.get(key),
        key=key,
        category=extracted.category,
        title=extracted.title[:1000],
        summary=extracted.summary,
        event_date=extracted.event_date,
        date_precision=extracted.date_precision,
        actors=list(extracted.actors),
        weapons=list(extracted.weapons),
        figures=dict(extracted.figures),
        severity=extracted.severity,
        claim_status=extracted.claim_status,
        confidence=extracted.confidence,
        corroboration=1,
    )
    _set_location(event, extracted)
    session.add(event)
    session.flush()
    return event


def _set_location(event: Event, extracted: ExtractedEvent) -> None:
    loc = extracted.location
    event.location_id = loc.id if loc else None
    event.location_name = loc.name if loc else None
    event.location_precision = loc.precision if loc else None
    event.lat = loc.lat if loc else None
    event.lon = loc.lon if loc else None


def _absorb(event: Event, extracted: ExtractedEvent) -> None:
    """Fold one more article's view into an event: keep the most precise and the worst."""
    event.severity = max(event.severity, extracted.severity)
    event.actors = _union(event.actors, extracted.actors)
    event.weapons = _union(event.weapons, extracted.weapons)
    event.figures = {**extracted.figures, **(event.figures or {})}
    loc = extracted.location
    if loc is not None and _PRECISION_RANK.get(loc.precision, 9) < _PRECISION_RANK.get(
        event.location_precision or "", 9
    ):
        _set_location(event, extracted)
        event.title = extracted.title[:1000]
    if _DATE_RANK[extracted.date_precision] < _DATE_RANK.get(event.date_precision, 9):
        event.event_date = extracted.event_date
        event.date_precision = extracted.date_precision
    event.updated_at = utcnow()


def _union(old: list[Any] | None, new: list[Any]) -> list[Any]:
    merged = list(old or [])
    merged += [item for item in new if item not in merged]
    return merged


def _upsert_mention(
    session: Session, event: Event, article: Article, extracted: ExtractedEvent
) -> None:
    mention = session.exec(
        select(EventMention).where(
            EventMention.event_id == event.id, EventMention.article_id == article.id
        )
    ).first()
    if mention is None:
        mention = EventMention(event_id=event.id, article_id=article.id, sentence="")  # type: ignore[arg-type]
    elif CLAIM_RANK[mention.claim_status] > CLAIM_RANK[extracted.claim_status]:
        extracted.claim_status = mention.claim_status
    mention.sentence = extracted.summary
    mention.evidence = _union(mention.evidence, extracted.evidence)
    mention.claim_status = extracted.claim_status
    session.add(mention)
    session.flush()


def _refresh(session: Session, event_id: int) -> None:
    """Recompute what depends on all mentions; an event left without any is deleted."""
    event = session.get(Event, event_id)
    if event is None:
        return
    rows = session.exec(
        select(EventMention, Article.published_at, Source.id, Source.reliability)
        .join(Article, col(Article.id) == col(EventMention.article_id))
        .join(Source, col(Source.id) == col(Article.source_id))
        .where(EventMention.event_id == event_id)
    ).all()
    if not rows:
        session.delete(event)
        return
    event.corroboration = len({source_id for _, _, source_id, _ in rows})
    event.claim_status = max((m.claim_status for m, *_ in rows), key=CLAIM_RANK.__getitem__)
    published = [p for _, p, _, _ in rows]
    event.first_reported_at, event.last_reported_at = min(published), max(published)
    best_grade = min((grade or "F" for *_, grade in rows), default="F")
    evidence = {sentence for m, *_ in rows for sentence in m.evidence}
    event.confidence, _ = rules.confidence(
        claim_status=event.claim_status,
        reliability=best_grade,
        evidence_count=len(evidence),
        location_precision=event.location_precision,
        date_precision=event.date_precision,
        corroboration=event.corroboration,
    )
    event.updated_at = utcnow()
    session.add(event)


def _near(loc: Any, event: Event, limit_km: float) -> bool:
    if event.lat is None or event.lon is None:
        return False
    return _km(loc.lat, loc.lon, event.lat, event.lon) <= limit_km


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))
