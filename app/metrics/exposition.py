"""`GET /metrics` (Prometheus text format) and the middleware that times every request.

Per process by default (prometheus-client's global registry, with its process and Python
collectors). When prometheus-client's `PROMETHEUS_MULTIPROC_DIR` is set (see the package
docstring) the counters and histograms of every process that shares the directory are added up
instead; process_* and python_* series are then left out, as prometheus-client does.

The threat gauges are not counters some process keeps: each scrape reads the current threat
level from the database (the 7 days ending now, as /threat-level answers without `at`), at most
once per `THREAT_REFRESH_SECONDS` per process, so any worker gives the same figure.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
import time
from collections.abc import Iterator

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlmodel import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.assessment import methodology as m
from app.assessment.situation import assess_situation, window_ending
from app.core.db import get_engine
from app.metrics.definitions import HTTP_LATENCY, HTTP_REQUESTS, NAMESPACE

logger = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
THREAT_REFRESH_SECONDS = 60.0
LEVELS = ("Low", "Guarded", "Elevated", "High", "Severe")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNROUTED = "unrouted"  # no route matched (404s) or a middleware answered first (413, 429)


def install_metrics(app: FastAPI) -> None:
    """Time every request (outermost: call after the other middleware) and serve /metrics."""
    registry = scrape_registry()

    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_api_route(
        METRICS_PATH,
        metrics,
        methods=["GET"],
        include_in_schema=False,
    )
    app.add_middleware(RequestMetricsMiddleware)


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def scrape_registry() -> CollectorRegistry:
    """What one scrape reports: this process's (or every process's) metrics and the threat."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(ProcessRegistry())
    registry.register(ThreatCollector())
    return registry


class ProcessRegistry:
    """prometheus-client's global registry (this process's metrics), passed through."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


class ThreatCollector:
    """The current threat score and level, read from the database, kept for a minute."""

    def __init__(self, refresh_seconds: float = THREAT_REFRESH_SECONDS) -> None:
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._value: tuple[float, str] | None = None
        self._read_at = -float("inf")

    def collect(self) -> Iterator[Metric]:
        current = self.current()
        if current is None:
            return
        score, level = current
        yield GaugeMetricFamily(
            f"{NAMESPACE}_threat_score",
            "The current threat score (0-100), the 7 days ending now as known now.",
            value=score,
        )
        levels = GaugeMetricFamily(
            f"{NAMESPACE}_threat_level",
            "The current threat level: 1 for the level in force, 0 for the others.",
            labels=["level"],
        )
        for name in LEVELS:
            levels.add_metric([name], 1.0 if name == level else 0.0)
        yield levels

    def current(self) -> tuple[float, str] | None:
        with self._lock:
            if time.monotonic() - self._read_at >= self.refresh_seconds:
                self._value = read_threat()
                self._read_at = time.monotonic()
            return self._value


def read_threat() -> tuple[float, str] | None:
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    try:
        with Session(get_engine()) as session:
            # the level alone: hotspots=False skips grouping the window by place
            situation = assess_situation(
                session, *window_ending(now, m.WINDOW_DAYS), as_of=now, hotspots=False
            )
            threat = situation.threat
    except Exception as exc:  # a scrape must not fail because the database is away
        logger.warning("threat level unavailable for metrics", extra={"error": repr(exc)[:300]})
        return None
    return threat.score, threat.level


class RequestMetricsMiddleware:
    """Counts and times each request under its route template ("/events/{event_id}"), never
    its raw path, so unknown URLs cannot multiply the series."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        root_path = scope.get("root_path", "")
        status = 500  # what the client gets if the app raises before answering
        counted = False

        def count() -> None:
            nonlocal counted
            counted = True
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_template(scope, root_path)
            HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
            HTTP_LATENCY.labels(method=method, route=route).observe(time.perf_counter() - started)

        async def remember_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                # counted before the last byte leaves: a client that reads /metrics next, on
                # the same connection, already sees this request
                count()
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            if not counted:
                count()


def route_template(scope: Scope, root_path: str) -> str:
    """The matched route's path template; a mount (static files) as "<mount>/{path}"."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    mounted = scope.get("root_path", "")
    if mounted != root_path and mounted.startswith(root_path):
        return f"{mounted[len(root_path) :]}/{{path}}"
    return UNROUTED
