"""The feeds file: bundled defaults, overrides, idempotent loading, clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from app.collector import load_feeds_file
from app.collector.feedsfile import bundled_specs, read_feeds_file
from app.core.config import Settings
from app.core.db import session_scope

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {"NK News", "NK Pro", "38 North", "Daily NK", "KCNA Watch", "Yonhap"}


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT count(*) FROM sources")).scalar_one(),
            conn.execute(sa.text("SELECT count(*) FROM feeds")).scalar_one(),
        )


def test_bundled_file_has_the_default_sources() -> None:
    specs = {s.name: s for s in bundled_specs()}
    assert set(specs) >= REQUIRED
    for spec in specs.values():
        assert spec.feeds and all(u.startswith("https://") for u in spec.feeds)
        assert spec.reliability in "ABCDEF"


def test_loading_twice_changes_nothing(db: Engine) -> None:
    with session_scope(db) as session:
        first = load_feeds_file(session, Settings())
    with db.connect() as conn:
        stamps = conn.execute(sa.text("SELECT id, updated_at FROM sources ORDER BY id")).all()
    with session_scope(db) as session:
        second = load_feeds_file(session, Settings())
    assert _counts(db) == (first.sources, first.feeds)
    assert first.new_feeds == first.feeds and second.new_feeds == 0
    with db.connect() as conn:
        assert (
            conn.execute(sa.text("SELECT id, updated_at FROM sources ORDER BY id")).all() == stamps
        )


def test_reload_updates_sources_keeps_paused_feeds_paused(db: Engine, tmp_path: Path) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[sources]]\nname = "Wire"\nkind = "wire"\nreliability = "B"\n'
        'feeds = ["https://wire.example/feed"]\n'
    )
    with session_scope(db) as session:
        load_feeds_file(session, Settings(), path)
    with db.begin() as conn:
        conn.execute(sa.text("UPDATE feeds SET enabled = false, disabled_reason = 'paused'"))
    path.write_text(path.read_text().replace('reliability = "B"', 'reliability = "A"'))
    with session_scope(db) as session:
        load_feeds_file(session, Settings(), path)
    with db.connect() as conn:
        source = conn.execute(sa.text("SELECT reliability FROM sources")).scalar_one()
        enabled = conn.execute(sa.text("SELECT enabled FROM feeds")).scalar_one()
    assert source == "A" and enabled is False and _counts(db) == (1, 1)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[sources]]\nname = "X"\nkind = "blog"\nfeeds = []\n', "kind must be one of"),
        ('[[sources]]\nname = "X"\nreliability = "Z"\n', "Admiralty grade"),
        ('[[sources]]\nname = "X"\nfeeds = ["ftp://x.example/feed"]\n', "http or https"),
        ('[[sources]]\nname = "X"\nfeeds = ["http://169.254.169.254/latest/"]\n', "metadata"),
        ('[[sources]]\nname = "X"\nfeeds = ["http://10.0.0.1/feed"]\n', "private"),
        ("sources = 3\n", "[[sources]]"),
        ("not toml [[[", "cannot read"),
    ],
)
def test_invalid_files_are_refused_with_a_reason(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(ValueError, match=message.replace("[", r"\[")):
        read_feeds_file(path, Settings(allow_private_feeds=""))


def test_feeds_command_uses_the_override_file(
    db: Engine, database_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "feeds.toml"
    path.write_text(
        '[[sources]]\nname = "Override"\nkind = "government"\nreliability = "A"\n'
        'feeds = ["https://gov.example/rss"]\n'
    )
    env = dict(os.environ, DATABASE_URL=database_url, WATCHFLOOR_FEEDS_FILE=str(path))
    for _ in range(2):
        loaded = subprocess.run(
            [sys.executable, "-m", "app", "feeds", "load"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert loaded.returncode == 0, loaded.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "app", "feeds", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Override [government, A]  https://gov.example/rss  enabled" in listed.stdout
    assert _counts(db) == (1, 1)
