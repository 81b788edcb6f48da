"""A live server over the demo corpus (the seed week, 2026-05-21..28) for the page's tests."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine

from app.api.main import create_app
from app.core.config import Settings
from tests.conftest import truncate_all
from tests.support.live import live_server

ROOT = Path(__file__).resolve().parents[2]
SEED_FROM, SEED_TO = "2026-05-21", "2026-05-28"


def load_demo(engine: Engine) -> None:
    """`watchfloor demo` into this run's database: the corpus, extraction and the seed report."""
    truncate_all(engine)
    done = subprocess.run(
        [sys.executable, "-m", "app", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def seed_base(engine: Engine) -> Iterator[str]:
    """The base URL of a live server whose database holds the demo corpus."""
    load_demo(engine)
    with live_server(create_app(Settings())) as base:
        yield base
    truncate_all(engine)


@pytest.fixture
def api(seed_base: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=seed_base, timeout=30) as client:
        yield client
