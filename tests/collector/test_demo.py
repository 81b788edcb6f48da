"""`watchfloor demo`: the bundled corpus, no network, idempotent, real sources."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import load_demo
from app.collector.demo import demo_feeds
from tests.collector.conftest import Recorder

ROOT = Path(__file__).resolve().parents[2]


def _annex_titles() -> set[str]:
    seed = next((Path("/work/shared/seeds")).glob("003_*"), None)
    return set() if seed is None else {line for line in seed.read_text().splitlines()}


def test_demo_loads_every_feed_through_the_store_path(db: Engine) -> None:
    recorder = Recorder()
    summary = load_demo(engine=db, extractor=recorder)
    with db.connect() as conn:
        rows = conn.execute(
            sa.text(
                "SELECT s.name, s.kind, s.reliability, count(a.id) AS n "
                "FROM sources s JOIN articles a ON a.source_id = s.id GROUP BY s.id ORDER BY s.name"
            )
        ).all()
        nk_launch = conn.execute(
            sa.text("SELECT published_at, published_inferred FROM articles WHERE title LIKE :t"),
            {"t": "North Korea fires 'unidentified projectile' westward%"},
        ).one()
        overview = conn.execute(
            sa.text(
                "SELECT text, published_at FROM articles a JOIN sources s ON s.id = a.source_id "
                "WHERE s.name = 'Morning Overview'"
            )
        ).one()
    counts = {r.name: r.n for r in rows}
    assert counts["NK News"] == 24 and counts["NK Pro"] == 5
    assert counts["Morning Overview"] == 1
    assert counts["Yonhap"] >= 3 and counts["Daily NK"] >= 1
    assert all(r.kind and r.reliability in "ABCDEF" for r in rows)
    assert summary.new_articles == sum(counts.values())
    assert sorted(recorder.handed) == sorted(set(recorder.handed))
    assert len(recorder.handed) == summary.new_articles
    # The annex's times are UTC (see the demo README): 04:30 UTC is 13:30 KST.
    assert nk_launch.published_at == dt.datetime(2026, 5, 26, 4, 30, tzinfo=dt.UTC)
    assert nk_launch.published_inferred is False
    assert "Jongju" in overview.text and "<p>" not in overview.text
    # written the week after the Tuesday 2026-05-26 launch, which it calls "last week"
    assert dt.date(2026, 6, 1) <= overview.published_at.date() <= dt.date(2026, 6, 7)


def test_demo_twice_adds_nothing(db: Engine) -> None:
    first = load_demo(engine=db, extractor=None)
    second = load_demo(engine=db, extractor=None)
    with db.connect() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM articles")).scalar_one()
        sources = conn.execute(sa.text("SELECT count(*) FROM sources")).scalar_one()
    assert first.new_articles == total > 30
    assert second.new_articles == 0 and second.updated_articles == 0
    assert sources == len({f.source.name for f in demo_feeds()})


def test_demo_titles_are_the_annex_titles(db: Engine) -> None:
    annex = "\n".join(_annex_titles())
    if not annex:
        pytest.skip("the seed report (/work/shared/seeds/003_*) is outside the repository")
    load_demo(engine=db, extractor=None)
    with db.connect() as conn:
        titles = (
            conn.execute(
                sa.text(
                    "SELECT a.title FROM articles a JOIN sources s ON s.id = a.source_id "
                    "WHERE s.name IN ('NK News', 'NK Pro')"
                )
            )
            .scalars()
            .all()
        )
    normalised = annex.replace("’ s", "’s").replace("' s", "'s").replace("\\\\$", "$")
    assert len(titles) == 29
    for title in titles:
        assert f"[{title}]" in normalised, title


def test_demo_command_prints_json(db: Engine, database_url: str) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "demo", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    data = json.loads(out.stdout.strip().splitlines()[-1])
    assert data["feeds"] == len(demo_feeds()) and data["new_articles"] > 30
