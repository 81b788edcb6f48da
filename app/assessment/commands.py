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
from app.assessment.report import build_and_store, ordered
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


def assess_command(args: argparse.Namespace) -> int:
    """`watchfloor assess --from D --to D --format json|markdown|html`: build, store, print."""
    settings = get_settings()
    try:
        first_day = _parse_day(args.date_from, "--from")
        last_day = _parse_day(args.date_to, "--to")
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
    try:
        with session_scope() as session:
            assessment = build_and_store(
                session, first_day, last_day, max_annex_articles=settings.export_max_features
            )
            document = assessment_document(assessment)
    except OperationalError as exc:
        print(
            f"watchfloor assess: the database is unavailable or not migrated "
            f"({type(exc.orig).__name__}); run `watchfloor migrate`",
            file=sys.stderr,
        )
        return 1
    logger.info(
        "assessment stored",
        extra={"id": document["id"], "from": str(first_day), "to": str(last_day)},
    )
    sys.stdout.write(render(document, getattr(args, "format", "json") or "json"))
    return 0


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
