"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from app.api.problems import Problem
from app.core.db import get_engine
from app.core.migrate import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz", summary="The process is alive")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    operation_id="readyz",
    summary="The database is reachable and the schema is at head",
    responses={503: {"description": "Not ready", "content": {"application/problem+json": {}}}},
)
def readyz() -> dict[str, str | None]:
    engine = get_engine()
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        revision = current_revision(engine)
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
