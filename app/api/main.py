"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import anyio
from fastapi import Depends, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from fastapi_offline import FastAPIOffline

from app import __version__
from app.api.cache import HeldItems, ResponseCache, version_reader
from app.api.http import (
    GZIP_LEVEL,
    GZIP_MINIMUM_SIZE,
    BodySizeLimitMiddleware,
    ComputedRequestGuard,
    ForwardedHeadersMiddleware,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    document_limits,
)
from app.api.live import WindowMemo
from app.api.problems import install_problem_handlers
from app.api.recompute import RecomputeProcess
from app.api.routes import ROUTERS
from app.api.rules import (
    ConditionalGetMiddleware,
    HeadAsGetMiddleware,
    RepresentationHeadersMiddleware,
    reject_unknown_parameters,
)
from app.core.config import Settings, get_settings
from app.core.memory import freeze_long_lived_objects
from app.metrics.exposition import install_metrics
from app.web import mount_web

Hook = Callable[[], Any]


def create_app(
    settings: Settings | None = None,
    *,
    on_startup: list[Hook] | None = None,
    on_shutdown: list[Hook] | None = None,
) -> FastAPI:
    """Build the app. `serve` passes hooks that start and stop the scheduler."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Sync endpoints run in AnyIO's thread pool: keep it no larger than the DB pool.
        threads = settings.api_threads or (settings.db_pool_size + settings.db_max_overflow)
        anyio.to_thread.current_default_thread_limiter().total_tokens = threads
        for hook in on_startup or []:
            hook()
        freeze_long_lived_objects()  # no full-collection pauses over the imported modules
        try:
            yield
        finally:
            if recompute is not None:
                recompute.close()
            await app.state.version_reader.aclose()
            for hook in on_shutdown or []:
                hook()

    # Swagger UI and ReDoc served from the package (fastapi-offline), not from a CDN.
    app = FastAPIOffline(
        title="Watchfloor",
        version=__version__,
        description="Korean Peninsula security news as structured, explainable assessments.",
        lifespan=lifespan,
        # One rule for every endpoint: an unknown query parameter is a 400 (app/api/rules.py).
        dependencies=[Depends(reject_unknown_parameters)],
    )
    install_problem_handlers(app)
    # Innermost first: ETags on the identity body, then gzip, then per-coding ETags and Vary.
    app.add_middleware(ConditionalGetMiddleware)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE, compresslevel=GZIP_LEVEL)
    app.add_middleware(RepresentationHeadersMiddleware)
    if settings.cors_origin_list:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origin_list,
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Link"],
        )
    # Added last = outermost: security headers wrap every response, 413 and 429 included.
    if settings.rate_limit_per_minute > 0:
        app.add_middleware(RateLimitMiddleware, per_minute=settings.rate_limit_per_minute)
    app.add_middleware(ComputedRequestGuard, per_client=settings.computed_per_client)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    install_metrics(app)  # times every answer, 413 and 429 included; GET /metrics
    app.add_middleware(HeadAsGetMiddleware)  # HEAD is GET without the body
    # Outermost: the client and scheme every other layer sees come from trusted proxies only.
    app.add_middleware(ForwardedHeadersMiddleware, allow=settings.forwarded_allow_ips)
    app.state.settings = settings
    app.state.response_cache = ResponseCache(settings.response_cache_seconds)
    # Rendered event pages per data version (app/api/routes/events.py, app/api/ogc/router.py).
    app.state.page_cache = ResponseCache(
        settings.response_cache_seconds if settings.page_cache_bytes else 0,
        max_bytes=settings.page_cache_bytes,
    )
    app.state.version_reader = version_reader()
    app.state.held_items = HeldItems()
    # Background recomputations in a process of their own (PostgreSQL; SQLite is one process).
    recompute = (
        RecomputeProcess(
            settings.effective_database_url,
            settings.recompute_idle_seconds,
            nice=settings.recompute_nice,
        )
        if settings.recompute_process and not settings.is_sqlite
        else None
    )
    app.state.window_memo = WindowMemo(
        settings.response_cache_seconds,
        stale_while_recompute=settings.stale_while_recompute,
        elsewhere=recompute,
    )
    for router in ROUTERS:
        app.include_router(router)
    mount_web(app)  # the map page at / and /map, and its static files
    document_limits(app, settings)
    return app
