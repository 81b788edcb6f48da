"""Process entry points and the wiring between the parts.

`serve` = API + scheduler; `api` = API only (never imports APScheduler); `collector` =
scheduler only; `migrate` = schema upgrade. See the README's "Running at scale".

How the parts connect, in one place (plain imports: a missing part is an ImportError at the
call, never a silently skipped job):

- collector -> extraction: `extractor_for(pool)` (the collector's extraction hand-off);
- scheduler -> assessment: `weekly_assessment_job()` (the weekly report job);
- admin API -> collector: `feed_url_validator()` and `collection_pass()`.
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.core.config import get_settings
from app.core.db import get_engine, set_process_role
from app.core.memory import limit_malloc_arenas
from app.core.migrate import upgrade_to_head

if TYPE_CHECKING:
    from fastapi import FastAPI

    from app.collector.handoff import Extractor
    from app.collector.parsepool import ParsePool

logger = logging.getLogger(__name__)


# --- wiring -------------------------------------------------------------------------------------


def extractor_for(pool: ParsePool | None = None) -> Extractor:
    """Extraction as the collector calls it: `extract_pending`; with parse processes, its pure
    part (`extract_all`) runs there, one hand-off batch ahead (`ExtractAhead`), while merging
    and writing stay in the collector."""
    from app.collector.ahead import ExtractAhead
    from app.extraction import extract_all, extract_pending
    from app.extraction.store import pending_inputs

    if pool is None:
        return extract_pending
    return ExtractAhead(
        pool,
        extract_pending=extract_pending,
        pending_inputs=pending_inputs,
        extract_all=extract_all,
    )


def weekly_assessment_job() -> Callable[[], None]:
    """The scheduler's weekly job: build and store last week's assessment."""
    from app.assessment.commands import scheduled_weekly_assessment

    return scheduled_weekly_assessment


def feed_url_validator() -> Callable[[str], str]:
    """The admin API's feed URL check: the collector's address policy (SSRF-aware)."""
    from app.collector.netpolicy import validate_feed_url

    return validate_feed_url


def collection_pass() -> Callable[[], Any]:
    """What `POST /admin/collect` starts: one collection pass with this process's settings."""
    from app.collector.pipeline import run_collection_pass

    return run_collection_pass


def migrate(_: argparse.Namespace | None = None) -> int:
    set_process_role("migrate")
    upgrade_to_head(get_engine())
    logger.info("schema at head")
    return 0


def _run_uvicorn(args: argparse.Namespace, *, with_scheduler: bool) -> int:
    import uvicorn

    from app.api.main import create_app

    settings = get_settings()
    limit_malloc_arenas()  # before uvicorn's and AnyIO's threads start
    if settings.auto_migrate and not args.no_migrate:
        upgrade_to_head(get_engine())
    workers = max(1, getattr(args, "workers", 1) or 1)
    if workers > 1 and with_scheduler:
        logger.error("--workers is for `watchfloor api`; `serve` runs the scheduler in-process")
        return 2
    logger.info(
        "listening",
        extra={
            "host": args.host,
            "port": args.port,
            "scheduler": with_scheduler,
            "workers": workers,
        },
    )
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        # Forwarded headers are the app's (ForwardedHeadersMiddleware, forwarded_allow_ips).
        "proxy_headers": False,
        "log_config": None,
        "access_log": False,
    }
    if workers > 1:
        # Worker processes import the app themselves: each builds its own engine, pool and
        # caches (PostgreSQL is the only shared state).
        uvicorn.run("app.runtime:api_worker_app", factory=True, workers=workers, **options)
        return 0
    on_startup, on_shutdown = [], []
    if with_scheduler and settings.scheduler_enabled:
        from app.collector.scheduler import start_background, stop_background

        on_startup.append(start_background)
        on_shutdown.append(stop_background)
    app = create_app(settings, on_startup=on_startup, on_shutdown=on_shutdown)
    uvicorn.run(app, **options)
    return 0


def api_worker_app() -> FastAPI:
    """The app of one `watchfloor api --workers N` process (uvicorn calls this factory)."""
    from app.api.main import create_app
    from app.core.logging import configure_logging

    configure_logging()
    limit_malloc_arenas()
    set_process_role("api")
    return create_app(get_settings())


def serve(args: argparse.Namespace) -> int:
    set_process_role("serve")
    return _run_uvicorn(args, with_scheduler=True)


def api(args: argparse.Namespace) -> int:
    set_process_role("api")
    return _run_uvicorn(args, with_scheduler=False)


def collector(_: argparse.Namespace) -> int:
    set_process_role("collector")
    from app.collector.scheduler import run_blocking

    run_blocking()
    return 0
