#!/usr/bin/env python3
"""The map page and /metrics, measured: page weight, time to a loaded map, scrape latency and
the per-request cost of the metrics middleware.

Usage:
    python scripts/bench_web.py [--scrapes 50] [--no-browser]

It loads the demo corpus into an embedded SQLite database in a temporary directory, starts
`python -m app api` on a free loopback port, and measures:
- the bytes the page loads (HTML, scripts, styles, images, base layer), plain and gzipped;
- the time from navigation to the page's data being drawn in headless Chromium (when Debian's
  chromium and chromedriver are installed), median of 5 loads;
- /metrics latency: the first scrape (reads the threat level) and then p50/p99 of --scrapes;
- the metrics middleware's own cost per request, in process (a trivial ASGI app with and
  without it).
The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_api(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    for command in (["migrate"], ["demo"]):
        subprocess.run(
            [sys.executable, "-m", "app", *command],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "api", "--port", str(port), "--no-migrate"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the API did not start")


def page_weight(client: httpx.Client) -> dict[str, int]:
    html = client.get("/").text
    urls = re.findall(r'(?:src|href)="(/static/[^"]+)"', html)
    urls += re.findall(r'data-basemap="([^"]+)"', html)
    urls += ["/static/vendor/leaflet-1.9.4/images/layers.png"]
    bodies = [html.encode()] + [client.get(url).content for url in dict.fromkeys(urls)]
    return {
        "files": len(bodies),
        "bytes": sum(len(b) for b in bodies),
        "gzip_bytes": sum(len(gzip.compress(b, 6)) for b in bodies),
    }


def browser_load_ms(base: str, loads: int = 5) -> float | None:
    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver_path):
        return None
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import WebDriverWait

    profile = tempfile.mkdtemp(prefix="wf-bench-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--window-size=1400,1200",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=driver_path))
    times = []
    try:
        for _ in range(loads):
            started = time.perf_counter()
            driver.get(f"{base}/")
            WebDriverWait(driver, 30).until(
                lambda d: d.find_element("tag name", "body").get_attribute("data-loaded") == "true"
            )
            times.append((time.perf_counter() - started) * 1000)
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
    return round(statistics.median(times), 1)


def scrape_latency(client: httpx.Client, scrapes: int) -> dict[str, float]:
    started = time.perf_counter()
    client.get("/metrics").raise_for_status()
    first = (time.perf_counter() - started) * 1000
    times = []
    for _ in range(scrapes):
        started = time.perf_counter()
        client.get("/metrics").raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {
        "first_ms": round(first, 2),
        "p50_ms": round(times[len(times) // 2], 2),
        "p99_ms": round(times[min(len(times) - 1, int(len(times) * 0.99))], 2),
        "bytes": len(client.get("/metrics").content),
    }


def middleware_cost_us(calls: int = 20_000) -> float:
    """Microseconds the request middleware adds to one request (a trivial ASGI app)."""
    from app.metrics.exposition import RequestMetricsMiddleware

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(_: Any) -> None:
        return None

    async def run(app: Any) -> float:
        scope = {"type": "http", "method": "GET", "path": "/x", "root_path": ""}
        started = time.perf_counter()
        for _ in range(calls):
            await app(dict(scope), receive, send)
        return time.perf_counter() - started

    bare = asyncio.run(run(inner))
    wrapped = asyncio.run(run(RequestMetricsMiddleware(inner)))
    return round((wrapped - bare) / calls * 1e6, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scrapes", type=int, default=50)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="wf-bench-web-") as data_dir:
        env = {
            **os.environ,
            "WATCHFLOOR_DATA_DIR": data_dir,
            "WATCHFLOOR_SCHEDULER_ENABLED": "false",
            "WATCHFLOOR_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        port = free_port()
        process = start_api(env, port)
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                weight = page_weight(client)
                load_ms = None if args.no_browser else browser_load_ms(base)
                scrape = scrape_latency(client, args.scrapes)
        finally:
            process.terminate()
            process.wait(timeout=10)
    cost = middleware_cost_us()
    print(f"page: {weight['files']} files, {weight['bytes']} bytes, {weight['gzip_bytes']} gzipped")
    print(f"page loaded in headless chromium (median of 5): {load_ms} ms")
    print(
        f"/metrics: first {scrape['first_ms']} ms, p50 {scrape['p50_ms']} ms, "
        f"p99 {scrape['p99_ms']} ms, {scrape['bytes']} bytes"
    )
    print(f"metrics middleware: {cost} us per request")
    result = {
        "benchmark": "web",
        "page_files": weight["files"],
        "page_bytes": weight["bytes"],
        "page_gzip_bytes": weight["gzip_bytes"],
        "page_load_ms": load_ms,
        "metrics_first_ms": scrape["first_ms"],
        "metrics_p50_ms": scrape["p50_ms"],
        "metrics_p99_ms": scrape["p99_ms"],
        "metrics_bytes": scrape["bytes"],
        "middleware_us_per_request": cost,
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
