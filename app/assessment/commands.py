"""CLI and scheduler entry points of the assessment package."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import sys
from typing import Any

from sqlalchemy.exc import OperationalError

from app.assessment.render import to_html, to_markdown
from app.assessment.report import build_and_store, build_report, ordered
from app.core.config import get_settings
from app.core.db import session_scope
from app.core.models import Assessment

logger = logging.getLogger(__name__)


def assessment_document(assessment: Assessment) -> dict[str, Any]:
    """The stored body plus its identity: what the API and the CLI print."""
    from app.assessment.annex import iso_z

    body = ordered(dict(assessment.body))
    document: dict[str, Any] = {"id": assessment.id}
    for key in TOP_LEVEL_ORDER:
        if key in body:
            document[key] = body.pop(key)
    document.update(body)  # members added by later versions
    document["created_at"] = iso_z(assessment.created_at)
    document["updated_at"] = iso_z(assessment.updated_at)
    document["structured"] = document.pop("structured", None)
    return document


TOP_LEVEL_ORDER = (
    "title",
    "period",
    "kind",
    "as_of",
    "revised_since_period_end",
    "methodology_version",
    "generated_at",
    "threat_level",
    "executive_summary",
    "key_developments",
    "hotspots",
    "omitted_from_map",
    "indicators",
    "annex",
)


def render(document: dict[str, Any], fmt: str) -> str:
    if fmt == "markdown":
        return to_markdown(document)
    if fmt == "html":
        return to_html(document)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _parse_day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a date YYYY-MM-DD, got {value!r}") from None


def _parse_instant(value: str) -> dt.datetime:
    try:
        instant = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"--as-of must be an ISO 8601 instant, got {value!r}") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=dt.UTC)
    return instant.astimezone(dt.UTC)


def period_of(
    date_from: str | None, date_to: str | None, now: dt.datetime
) -> tuple[dt.date, dt.date]:
    """The period `assess` reports on: --from/--to as given; with neither, the last full
    Monday-to-Sunday week (UTC) before `now`; with one, the week it starts or ends."""
    if date_from is None and date_to is None:
        return last_full_iso_week(now)
    if date_from is not None:
        first_day = _parse_day(date_from, "--from")
        last_day = _parse_day(date_to, "--to") if date_to else first_day + dt.timedelta(days=6)
    else:
        assert date_to is not None
        last_day = _parse_day(date_to, "--to")
        first_day = last_day - dt.timedelta(days=6)
    return first_day, last_day


def assess_command(args: argparse.Namespace) -> int:
    """`watchfloor assess [--from D] [--to D] [--as-of T] [--dry-run] [--format F]`: build,
    store (unless --dry-run) and print. Default period: the last full week (Monday-Sunday)."""
    settings = get_settings()
    now = dt.datetime.now(dt.UTC)
    try:
        first_day, last_day = period_of(
            getattr(args, "date_from", None), getattr(args, "date_to", None), now
        )
        as_of = _parse_instant(args.as_of) if getattr(args, "as_of", None) else None
    except ValueError as exc:
        print(f"watchfloor assess: {exc}", file=sys.stderr)
        return 2
    if last_day < first_day:
        print("watchfloor assess: --to is before --from", file=sys.stderr)
        return 2
    if (last_day - first_day).days + 1 > settings.max_date_range_days:
        print(
            f"watchfloor assess: the period is longer than {settings.max_date_range_days} days",
            file=sys.stderr,
        )
        return 2
    dry_run = bool(getattr(args, "dry_run", False))
    try:
        with session_scope() as session:
            if dry_run:
                body = build_report(
                    session,
                    first_day,
                    last_day,
                    max_annex_articles=settings.export_max_features,
                    as_of=as_of,
                )
                document = draft_document(body)
                session.rollback()
            else:
                assessment = build_and_store(
                    session,
                    first_day,
                    last_day,
                    max_annex_articles=settings.export_max_features,
                    as_of=as_of,
                )
                document = assessment_document(assessment)
    except OperationalError as exc:
        print(
            f"watchfloor assess: the database is unavailable or not migrated "
            f"({type(exc.orig).__name__}); run `watchfloor migrate`",
            file=sys.stderr,
        )
        return 1
    if not dry_run:
        logger.info(
            "assessment stored",
            extra={"id": document["id"], "from": str(first_day), "to": str(last_day)},
        )
    sys.stdout.write(render(document, getattr(args, "format", "json") or "json"))
    return 0


def draft_document(body: dict[str, Any]) -> dict[str, Any]:
    """A report that is not stored, in the stored documents' order (no id, no timestamps)."""
    body = ordered(dict(body))
    document: dict[str, Any] = {"id": None}
    for key in TOP_LEVEL_ORDER:
        if key in body:
            document[key] = body.pop(key)
    document.update(body)
    document["structured"] = document.pop("structured", None)
    return document


def last_full_iso_week(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """Monday..Sunday of the last ISO week that has ended by `now` (UTC)."""
    today = now.astimezone(dt.UTC).date()
    this_monday = today - dt.timedelta(days=today.weekday())
    return this_monday - dt.timedelta(days=7), this_monday - dt.timedelta(days=1)


def scheduled_weekly_assessment() -> None:
    """The scheduler's weekly job: build and store last week's report (an upsert: idempotent)."""
    first_day, last_day = last_full_iso_week(dt.datetime.now(dt.UTC))
    settings = get_settings()
    with session_scope() as session:
        assessment = build_and_store(
            session, first_day, last_day, max_annex_articles=settings.export_max_features
        )
        logger.info(
            "weekly assessment stored",
            extra={
                "id": assessment.id,
                "from": str(first_day),
                "to": str(last_day),
                "level": assessment.level,
            },
        )
