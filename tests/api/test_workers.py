"""`watchfloor api --workers 2`: two uvicorn worker processes serve the same port."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.live import free_port

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_api_workers_serve_from_separate_processes(database_url: str, db) -> None:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url, "WATCHFLOOR_LOG_LEVEL": "WARNING"}
    command = [sys.executable, "-m", "app", "api", "--port", str(port), "--no-migrate"]
    proc = subprocess.Popen(
        [*command, "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        ready = None
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=2)
                if ready.status_code == 200 and len(_workers(proc.pid)) == 2:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        assert ready is not None and ready.status_code == 200
        assert len(_workers(proc.pid)) == 2
        with httpx.Client(base_url=base, timeout=10) as client:
            answers = [client.get("/threat-level", params={"at": "2026-05-28"}) for _ in range(6)]
        assert {a.status_code for a in answers} == {200}
        assert len({a.headers["etag"] for a in answers}) == 1  # workers agree on the answer
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes: the supervisor's children running Python (uvicorn may also
    start a multiprocessing resource tracker, which is not a worker)."""
    workers = []
    for child in _children(pid):
        try:
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"resource_tracker" not in cmdline:
            workers.append(child)
    return workers
