"""`watchfloor assess` (a real subprocess) and the scheduler's weekly job."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from app.assessment.commands import last_full_iso_week, scheduled_weekly_assessment
from app.core.models import Assessment
from tests.api.factories import JONGJU, make_event

ROOT = Path(__file__).resolve().parents[2]


def run_assess(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "assess", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_assess_prints_and_stores(session: Session) -> None:
    make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        title="Launch from Jongju",
        **JONGJU,
    )
    session.commit()
    done = run_assess("--from", "2026-05-21", "--to", "2026-05-28")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["structured"]["hotspots"][0]["label"] == "Jongju"
    stored = session.scalars(sa.select(Assessment)).all()
    assert [a.id for a in stored] == [document["id"]]

    markdown = run_assess("--from", "2026-05-21", "--to", "2026-05-28", "--format", "markdown")
    assert markdown.returncode == 0 and markdown.stdout.startswith("# North Korea Security")
    page = run_assess("--from", "2026-05-21", "--to", "2026-05-28", "--format", "html")
    assert page.stdout.startswith("<!doctype html>")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 1


def test_assess_rejects_bad_dates(db) -> None:
    for args in (
        ("--from", "2026-05-28", "--to", "2026-05-01"),
        ("--from", "May", "--to", "2026-05-01"),
    ):
        done = run_assess(*args)
        assert done.returncode == 2
        assert "watchfloor assess:" in done.stderr and not done.stdout


def test_last_full_iso_week() -> None:
    wednesday = dt.datetime(2026, 5, 27, 12, tzinfo=dt.UTC)
    assert last_full_iso_week(wednesday) == (dt.date(2026, 5, 18), dt.date(2026, 5, 24))
    monday = dt.datetime(2026, 5, 25, 0, 30, tzinfo=dt.UTC)
    assert last_full_iso_week(monday) == (dt.date(2026, 5, 18), dt.date(2026, 5, 24))


def test_weekly_job_is_idempotent(session: Session) -> None:
    first_day, last_day = last_full_iso_week(dt.datetime.now(dt.UTC))
    make_event(
        session, category="missile_test", event_date=first_day + dt.timedelta(days=2), **JONGJU
    )
    session.commit()
    scheduled_weekly_assessment()
    scheduled_weekly_assessment()
    rows = session.scalars(sa.select(Assessment)).all()
    assert len(rows) == 1
    assert rows[0].period_start.date() == first_day
    assert rows[0].period_end.date() == last_day + dt.timedelta(days=1)
    assert rows[0].body["structured"]["hotspots"][0]["label"] == "Jongju"


def test_assess_defaults_to_the_last_full_week_and_dry_run_stores_nothing(
    session: Session,
) -> None:
    first_day, last_day = last_full_iso_week(dt.datetime.now(dt.UTC))
    assert first_day.weekday() == 0 and last_day.weekday() == 6  # Monday..Sunday
    make_event(
        session, category="missile_test", event_date=first_day + dt.timedelta(days=1), **JONGJU
    )
    session.commit()
    done = run_assess("--dry-run")
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["id"] is None
    assert document["period"]["from"] == first_day.isoformat()
    assert document["period"]["to"] == last_day.isoformat()
    assert document["kind"] == "weekly"
    assert document["threat_level"]["event_count"] == 1
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Assessment)) == 0

    as_of = run_assess("--dry-run", "--as-of", f"{first_day.isoformat()}T00:00:00Z")
    assert json.loads(as_of.stdout)["threat_level"]["event_count"] == 0  # not reported yet
    assert run_assess("--as-of", "yesterday").returncode == 2
