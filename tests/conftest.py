"""Shared fixtures: a PostgreSQL database of this run's own, built with `alembic upgrade head`.

Set WATCHFLOOR_TEST_PG to the server's maintenance URL (default: the local PostgreSQL with
trust auth). Each test run creates `wf_test_<random>` and drops it at the end, so runs never see
each other's rows. Tests that need an empty database take the `db` fixture, which truncates.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from app.core import config as config_module
from app.core import db as db_module
from app.core.migrate import upgrade_to_head
from app.core.models import TABLES

# Tests that change the data then read the new answer: the service's default serves a live
# window's previous answer while it recomputes (app/api/live.py), which the tests of that
# behaviour turn back on (tests/api/test_live.py).
os.environ.setdefault("WATCHFLOOR_STALE_WHILE_RECOMPUTE", "false")

ADMIN_URL = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """`nodb`: every test that reaches no database fixture (`pytest -m nodb` runs them on a
    machine without PostgreSQL, no root needed). Derived from the fixtures, so never stale."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if not names & {"database_url", "sqlite_settings"}:
            item.add_marker(pytest.mark.nodb)


def _admin_engine() -> Engine:
    return sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    name = f"wf_test_{secrets.token_hex(4)}"
    admin = _admin_engine()
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:  # pragma: no cover - environment problem
        pytest.exit(f"PostgreSQL is not reachable at {ADMIN_URL}: {exc}", returncode=3)
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    config_module.get_settings.cache_clear()
    db_module.reset_engine()
    upgrade_to_head(db_module.get_engine())
    yield url
    db_module.reset_engine()
    if previous is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = previous
    config_module.get_settings.cache_clear()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    return db_module.get_engine()


def truncate_all(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(engine: Engine) -> Engine:
    """An empty database (every table truncated) for this test."""
    truncate_all(engine)
    return engine


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    with Session(db, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def sqlite_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[config_module.Settings]:
    """Switch this test to the embedded SQLite default in a temporary data directory."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("WATCHFLOOR_DATA_DIR", str(tmp_path / "data"))
    config_module.get_settings.cache_clear()
    db_module.reset_engine()
    yield config_module.get_settings()
    db_module.reset_engine()
    config_module.get_settings.cache_clear()
