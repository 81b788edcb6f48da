"""The recompute worker process (app/api/recompute.py): answers, errors, idle exit, restart."""

from __future__ import annotations

import os
import time
from functools import partial
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.cache import session_version
from app.api.recompute import RecomputeProcess
from tests.api.factories import make_event

IDLE_SECONDS = 0.5
# The worker unpickles this module's recipes under the name pytest gave it (`api.…`).
TESTS_ROOT = Path(__file__).resolve().parents[1]


def count_events(session: Session, minimum: int = 0) -> int:
    """A recipe: module level, so the worker can unpickle it."""
    count = int(session.execute(sa.text("SELECT count(*) FROM events")).scalar_one())
    if count < minimum:
        raise ValueError(f"only {count} events")
    return count


def no_fingerprint(session: Session, span: object) -> None:
    return None


def test_the_worker_answers_with_the_version_and_leaves_when_idle(
    db: Engine, write: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = [str(TESTS_ROOT), os.getcwd(), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))
    make_event(write)
    write.commit()
    with Session(db) as session:
        current = session_version(session)
    worker = RecomputeProcess(str(db.url.render_as_string(hide_password=False)), IDLE_SECONDS)
    try:
        worker.start()
        assert worker.running
        version, printed, answer = worker(None, count_events, no_fingerprint)
        assert (version, printed, answer) == (current, None, 1)
        with pytest.raises(ValueError, match="only 1 events"):
            worker(None, partial(count_events, minimum=5), no_fingerprint)
        assert worker(None, count_events, no_fingerprint)[2] == 1  # still serving
        deadline = time.monotonic() + 10 * IDLE_SECONDS
        while worker.running and time.monotonic() < deadline:
            time.sleep(IDLE_SECONDS / 4)
        assert not worker.running  # left when idle: its memory is given back
        make_event(write)
        write.commit()
        assert worker(None, count_events, no_fingerprint)[2] == 2  # started again on demand
    finally:
        worker.close()
    assert not worker.running


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="no process niceness here")
def test_the_worker_runs_at_a_lower_cpu_priority_than_the_api(
    db: Engine, write: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its computation yields the cores to the requests served meanwhile (they get the
    previous answer): its niceness is the API process's plus `nice`, and it still answers."""
    paths = [str(TESTS_ROOT), os.getcwd(), os.environ.get("PYTHONPATH", "")]
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, paths)))
    make_event(write)
    write.commit()
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    for nice, expected in ((3, min(19, mine + 3)), (0, mine)):
        worker = RecomputeProcess(str(db.url.render_as_string(hide_password=False)), nice=nice)
        try:
            assert worker(None, count_events, no_fingerprint)[2] == 1  # its loop is running
            assert worker._worker is not None
            assert os.getpriority(os.PRIO_PROCESS, worker._worker.process.pid) == expected
        finally:
            worker.close()
