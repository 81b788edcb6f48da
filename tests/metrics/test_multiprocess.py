"""With PROMETHEUS_MULTIPROC_DIR shared, /metrics of one process sums what every process
counted (API workers and a separate collector on one host), as the README says."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

COUNT = """
from app.metrics import record_feed_fetch
for _ in range({n}):
    record_feed_fetch("ok")
"""
SCRAPE = """
from prometheus_client import generate_latest
from app.metrics.exposition import scrape_registry
print(generate_latest(scrape_registry()).decode())
"""


def run(code: str, env: dict[str, str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_counters_of_every_process_are_added_up(tmp_path: Path, database_url: str) -> None:
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "DATABASE_URL": database_url}
    run(COUNT.format(n=2), env)  # say, a collector
    run(COUNT.format(n=3), env)  # and another process
    text = run(SCRAPE, env)
    assert 'watchfloor_feed_fetches_total{outcome="ok"} 5.0' in text
    assert "process_cpu_seconds_total" not in text  # per-process series are left out

    alone = run(SCRAPE, {k: v for k, v in env.items() if k != "PROMETHEUS_MULTIPROC_DIR"})
    assert 'watchfloor_feed_fetches_total{outcome="ok"} 0.0' in alone
