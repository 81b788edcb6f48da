"""The feeds file: sources and their feeds as TOML, loaded idempotently into the database.

```toml
[[sources]]
name = "NK News"
kind = "specialist"          # specialist | wire | state_media | government | think_tank | general
reliability = "B"            # Admiralty source-reliability grade A-F
homepage = "https://www.nknews.org/"   # optional
feeds = ["https://www.nknews.org/feed/"]
```
Loading updates sources by name and feeds by URL; it never deletes, and never re-enables a
feed an operator paused.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.collector.feeds import FeedRepository
from app.collector.netpolicy import validate_feed_url
from app.collector.store import dialect_insert
from app.core.config import Settings, get_settings
from app.core.models import RELIABILITY_GRADES, SOURCE_KINDS, Feed, Source

SOURCES = Source.__table__  # type: ignore[attr-defined]
FEEDS = Feed.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SourceSpec:
    name: str
    kind: str
    reliability: str
    homepage: str | None
    feeds: tuple[str, ...]


@dataclass(frozen=True)
class LoadResult:
    sources: int
    feeds: int
    new_feeds: int

    def as_dict(self) -> dict[str, int]:
        return {"sources": self.sources, "feeds": self.feeds, "new_feeds": self.new_feeds}


def bundled_feeds_path() -> Path:
    return Path(str(resources.files("app.collector") / "data" / "feeds.toml"))


def feeds_file_path(settings: Settings | None = None) -> Path:
    settings = settings or get_settings()
    return Path(settings.feeds_file) if settings.feeds_file else bundled_feeds_path()


def read_feeds_file(path: Path, settings: Settings | None = None) -> list[SourceSpec]:
    """Parse and validate; raises ValueError naming the file and the faulty source."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path}: cannot read the feeds file: {exc}") from exc
    return specs_from_data(data, settings, origin=str(path))


@cache
def bundled_specs() -> tuple[SourceSpec, ...]:
    return tuple(read_feeds_file(bundled_feeds_path()))


def specs_from_data(
    data: dict[str, Any], settings: Settings | None = None, *, origin: str = "feeds file"
) -> list[SourceSpec]:
    raw_sources = data.get("sources")
    if not isinstance(raw_sources, list) or not raw_sources:
        raise ValueError(f"{origin}: expected one or more [[sources]] tables")
    specs, names, urls = [], set(), set()
    for index, raw in enumerate(raw_sources, start=1):
        spec = _source_spec(raw, settings, where=f"{origin}: source #{index}")
        if spec.name in names:
            raise ValueError(f"{origin}: source {spec.name!r} appears twice")
        names.add(spec.name)
        for url in spec.feeds:
            if url in urls:
                raise ValueError(f"{origin}: feed {url} appears twice")
            urls.add(url)
        specs.append(spec)
    return specs


def _source_spec(raw: Any, settings: Settings | None, *, where: str) -> SourceSpec:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: not a table")
    name = str(raw.get("name") or "").strip()
    if not name or len(name) > 200:
        raise ValueError(f"{where}: 'name' is required (at most 200 characters)")
    kind = str(raw.get("kind") or "general")
    if kind not in SOURCE_KINDS:
        raise ValueError(f"{where} ({name}): kind must be one of {', '.join(SOURCE_KINDS)}")
    reliability = str(raw.get("reliability") or "F").upper()
    if reliability not in RELIABILITY_GRADES:
        raise ValueError(f"{where} ({name}): reliability must be an Admiralty grade A-F")
    feeds = raw.get("feeds") or []
    if not isinstance(feeds, list) or not all(isinstance(u, str) for u in feeds):
        raise ValueError(f"{where} ({name}): 'feeds' must be a list of URLs")
    checked = []
    for url in feeds:
        try:
            checked.append(validate_feed_url(url, settings, resolve_dns=False))
        except ValueError as exc:
            raise ValueError(f"{where} ({name}): {url}: {exc}") from exc
    homepage = raw.get("homepage")
    return SourceSpec(
        name, kind, reliability, str(homepage)[:2000] if homepage else None, tuple(checked)
    )


def upsert_sources(
    session: Session, specs: list[SourceSpec] | tuple[SourceSpec, ...]
) -> LoadResult:
    """Insert or update sources (by name) and feeds (by URL). Flushes; the caller commits."""
    now = dt.datetime.now(dt.UTC)
    feeds = new_feeds = 0
    for spec in specs:
        source_id = upsert_source(session, spec, now=now)
        for url in spec.feeds:
            feeds += 1
            new_feeds += _upsert_feed(session, source_id, url, now=now)
    session.flush()
    return LoadResult(sources=len(specs), feeds=feeds, new_feeds=new_feeds)


def upsert_source(session: Session, spec: SourceSpec, *, now: dt.datetime) -> int:
    stmt = dialect_insert(session, SOURCES).values(
        name=spec.name,
        kind=spec.kind,
        reliability=spec.reliability,
        homepage=spec.homepage,
        created_at=now,
        updated_at=now,
    )
    changed = sa.or_(
        SOURCES.c.kind != stmt.excluded.kind,
        SOURCES.c.reliability != stmt.excluded.reliability,
        SOURCES.c.homepage.is_distinct_from(stmt.excluded.homepage),
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[SOURCES.c.name],
        set_={
            "kind": stmt.excluded.kind,
            "reliability": stmt.excluded.reliability,
            "homepage": stmt.excluded.homepage,
            "updated_at": stmt.excluded.updated_at,
        },
        where=changed,
    )
    session.execute(stmt)
    return int(
        session.execute(sa.select(SOURCES.c.id).where(SOURCES.c.name == spec.name)).scalar_one()
    )


def _upsert_feed(session: Session, source_id: int, url: str, *, now: dt.datetime) -> int:
    feeds = FeedRepository(session)
    if feeds.add(source_id, url, now=now).created:
        return 1
    feeds.move(url, source_id, now=now)
    return 0


def load_feeds_file(
    session: Session, settings: Settings | None = None, path: Path | None = None
) -> LoadResult:
    """Read the feeds file (WATCHFLOOR_FEEDS_FILE or the bundled one) and upsert it."""
    settings = settings or get_settings()
    return upsert_sources(session, read_feeds_file(path or feeds_file_path(settings), settings))


def feeds_table_empty(session: Session) -> bool:
    return session.execute(sa.select(FEEDS.c.id).limit(1)).first() is None
