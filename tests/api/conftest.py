"""A live server per test over the `db` fixture's PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.main import create_app
from app.core.config import Settings
from tests.support.live import live_server

ADMIN_KEY = "test-admin-key-0123456789"


@pytest.fixture
def make_client(db: Engine) -> Iterator[Callable[..., AbstractContextManager[httpx.Client]]]:
    """`with make_client(api_keys=..., ...) as client:` a live server with these settings."""

    @contextmanager
    def _make(**overrides: Any) -> Iterator[httpx.Client]:
        settings = Settings(**{"api_keys": ADMIN_KEY, **overrides})
        with (
            live_server(create_app(settings)) as base,
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            yield client

    yield _make


@pytest.fixture
def client(
    make_client: Callable[..., AbstractContextManager[httpx.Client]],
) -> Iterator[httpx.Client]:
    with make_client() as c:
        yield c


@pytest.fixture
def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def write(db: Engine) -> Iterator[Session]:
    """A session whose rows the test commits before calling the server."""
    with Session(db, expire_on_commit=False) as s:
        yield s
