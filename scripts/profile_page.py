#!/usr/bin/env python3
"""Where one request's time goes: the ASGI app driven in-process, profiled or timed by layer.

Usage:
    python scripts/profile_page.py --database-url URL [--path /events?limit=100] [--requests 500]
                                   [--profile] [--etag] [--top 40]

Drives `create_app()` through httpx.ASGITransport (no sockets, no uvicorn: what is left is the
app's own cost) against an existing database (e.g. one kept by `scripts/bench_api.py --keep`).
Prints the mean microseconds per request of the whole app and of each layer it can time from
the outside: every middleware (timed by wrapping it), the endpoint, and the database round
trips (SQLAlchemy's cursor execute). `--profile` adds a cProfile of the same requests, sorted by
own time. `--etag` sends the `If-None-Match` of the first answer (the 304 path).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--path", default="/events?limit=100")
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--etag", action="store_true")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--inline",
        action="store_true",
        help="run thread-pool work inline, so that the profile sees it (no thread hops)",
    )
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("WATCHFLOOR_LOG_LEVEL", "WARNING")
    asyncio.run(run(args))


async def run(args: argparse.Namespace) -> None:
    import httpx
    import sqlalchemy as sa

    from app.api.main import create_app

    if args.inline:
        import anyio.to_thread

        async def inline(func: Any, *call_args: Any, **_: Any) -> Any:
            return func(*call_args)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    app = create_app()
    timings: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)

    @sa.event.listens_for(sa.engine.Engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: Any, params: Any, context: Any, many: Any
    ) -> None:
        conn.info["wf_started"] = time.perf_counter_ns()

    @sa.event.listens_for(sa.engine.Engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: Any, params: Any, context: Any, many: Any
    ) -> None:
        timings["db execute (cursor)"] += time.perf_counter_ns() - conn.info.pop("wf_started")
        counts["db execute (cursor)"] += 1

    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        first = await client.get(args.path, headers={"accept-encoding": "identity"})
        print(f"{args.path} -> {first.status_code}, {len(first.content)} bytes")
        headers = {"accept-encoding": "identity"}
        if args.etag:
            headers["if-none-match"] = first.headers["etag"]
        for _ in range(50):  # warm up: compiled statements, prepared plans
            await client.get(args.path, headers=headers)
        _wrap_layers(app, timings, counts)
        timings.clear()
        counts.clear()
        profiler = cProfile.Profile() if args.profile else None
        started = time.perf_counter_ns()
        if profiler:
            profiler.enable()
        for _ in range(args.requests):
            answer = await client.get(args.path, headers=headers)
        if profiler:
            profiler.disable()
        total = time.perf_counter_ns() - started
        print(f"last status {answer.status_code}")
    n = args.requests
    print(f"client + app per request: {total / n / 1000:8.1f} us")
    for name, ns in sorted(timings.items(), key=lambda kv: -kv[1]):
        print(f"  {name:40s} {ns / n / 1000:8.1f} us  ({counts[name] / n:.2f} per request)")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)


def _wrap_layers(app: Any, timings: dict[str, float], counts: dict[str, int]) -> None:
    """Time each middleware layer (inclusive of what it wraps) and the router."""
    stack = app.middleware_stack
    layer = stack
    while layer is not None:
        inner = getattr(layer, "app", None)
        if inner is None:
            break
        name = type(inner).__name__
        layer.app = _Timed(inner, f"inside {type(layer).__name__} -> {name}", timings, counts)
        layer = inner


class _Timed:
    def __init__(self, app: Any, name: str, timings: dict[str, float], counts: dict[str, int]):
        self.app, self.name, self.timings, self.counts = app, name, timings, counts

    def __getattr__(self, item: str) -> Any:
        return getattr(self.app, item)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        started = time.perf_counter_ns()
        try:
            await self.app(scope, receive, send)
        finally:
            self.timings[self.name] += time.perf_counter_ns() - started
            self.counts[self.name] += 1


if __name__ == "__main__":
    main()
