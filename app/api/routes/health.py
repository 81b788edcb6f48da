"""Liveness and readiness."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter

from app.api.http import AppSettingsDep
from app.api.problems import Problem
from app.core.db import get_engine
from app.core.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])
T = TypeVar("T")
# The readiness check runs in its own thread, so /readyz answers by its deadline even when the
# database does not. One check at a time: probes arriving while it runs wait on that one (a
# hanging check is never joined by a queue of others).
_checks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="readyz")
_running: Future[Any] | None = None
_running_lock = threading.Lock()


def _within(seconds: float, check: Callable[[], T]) -> T:
    global _running
    with _running_lock:
        if _running is None or _running.done():
            _running = _checks.submit(check)
        future = _running
    return future.result(timeout=seconds)  # type: ignore[no-any-return]


def _database_revision() -> str | None:
    engine = get_engine()
    with engine.connect() as connection:
        connection.execute(sa.text("SELECT 1"))
    return current_revision(engine)


@router.get("/healthz", operation_id="healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="The database is reachable and the schema is at head",
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
def readyz(settings: AppSettingsDep) -> dict[str, str | None]:
    try:
        revision = _within(settings.readyz_timeout_seconds, _database_revision)
    except FutureTimeout:
        raise Problem(
            503,
            f"database did not answer within {settings.readyz_timeout_seconds} s",
            headers={"Retry-After": "5"},
        ) from None
    except Exception as exc:
        raise Problem(
            503, f"database unreachable ({type(exc).__name__})", headers={"Retry-After": "5"}
        ) from None
    head = head_revision()
    if revision != head:
        raise Problem(
            503, f"schema at revision {revision}, expected {head}; run `watchfloor migrate`"
        )
    return {"status": "ready", "revision": revision}
