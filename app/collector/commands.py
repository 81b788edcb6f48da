"""CLI handlers: `collect --once`, `feeds load|list`, `demo`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from typing import Any

import sqlalchemy as sa

from app.collector.claim import CollectorBusyError
from app.collector.demo import demo_period, load_demo
from app.collector.feedsfile import feeds_file_path, feeds_table_empty, load_feeds_file
from app.collector.parsepool import shutdown_parse_pool
from app.collector.pipeline import run_collection_pass
from app.core.config import get_settings
from app.core.db import get_engine, session_scope, set_process_role
from app.core.models import Feed, Source

logger = logging.getLogger(__name__)


def _fail(message: str) -> int:
    print(f"watchfloor: {message}", file=sys.stderr)
    return 1


def collect_command(args: argparse.Namespace) -> int:
    """One pass over the due feeds. Exit 0 even when feeds failed; 1 when nothing could run."""
    set_process_role("cli")
    settings = get_settings()
    try:
        with session_scope() as session:
            if feeds_table_empty(session):
                load_feeds_file(session, settings)
        summary = run_collection_pass(settings)
    except CollectorBusyError as exc:
        return _fail(f"collection not run: {exc}")
    except sa.exc.OperationalError as exc:
        return _fail(f"database unavailable: {str(exc.orig or exc).splitlines()[0]}")
    except ValueError as exc:
        return _fail(str(exc))
    finally:
        shutdown_parse_pool()
    data = summary.as_dict()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(_collect_text(data))
    if summary.interrupted:
        return _fail(f"collection pass interrupted: {summary.interrupted}")
    return 0


def _collect_text(data: dict[str, Any]) -> str:
    lines = [
        f"feeds checked: {data['feeds_checked']} in {data['duration_seconds']:.2f} s",
        f"  ok: {data['feeds_ok']}   not modified: {data['feeds_not_modified']}   "
        f"unchanged: {data['feeds_unchanged']}   failed: {data['feeds_failed']}",
        f"new articles: {data['new_articles']}   updated articles: {data['updated_articles']}"
        f"   extracted: {data['extracted_articles']}",
    ]
    lines += [f"  failed: {e['url']}: {e['kind']}: {e['error']}" for e in data["errors"][:50]]
    return "\n".join(lines)


def feeds_command(args: argparse.Namespace) -> int:
    set_process_role("cli")
    settings = get_settings()
    try:
        if args.action == "load":
            with session_scope() as session:
                result = load_feeds_file(session, settings)
            print(
                f"loaded {feeds_file_path(settings)}: {result.sources} sources, "
                f"{result.feeds} feeds ({result.new_feeds} new)"
            )
            return 0
        return _list_feeds()
    except sa.exc.OperationalError as exc:
        return _fail(f"database unavailable: {str(exc.orig or exc).splitlines()[0]}")
    except ValueError as exc:
        return _fail(str(exc))


def _list_feeds() -> int:
    feeds, sources = Feed.__table__, Source.__table__  # type: ignore[attr-defined]
    with get_engine().connect() as conn:
        rows = conn.execute(
            sa.select(
                sources.c.name,
                sources.c.kind,
                sources.c.reliability,
                feeds.c.url,
                feeds.c.enabled,
                feeds.c.error_count,
                feeds.c.next_check_at,
                feeds.c.last_error,
            )
            .join(sources, sources.c.id == feeds.c.source_id)
            .order_by(sources.c.name, feeds.c.url)
        ).all()
    for row in rows:
        state = "enabled" if row.enabled else "disabled"
        due = row.next_check_at.isoformat(timespec="seconds") if row.next_check_at else "now"
        line = (
            f"{row.name} [{row.kind}, {row.reliability}]  {row.url}  {state}  "
            f"errors={row.error_count}  next={due}"
        )
        if row.error_count and row.last_error:
            line += f"  last_error={row.last_error[:120]!r}"
        print(line)
    if not rows:
        print("no feeds; run `watchfloor feeds load`")
    return 0


def demo_command(args: argparse.Namespace) -> int:
    set_process_role("cli")
    try:
        summary = load_demo(get_settings())
    except sa.exc.OperationalError as exc:
        return _fail(f"database unavailable: {str(exc.orig or exc).splitlines()[0]}")
    data = summary.as_dict()
    data["assessment"] = _assess_demo_period()
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(
            f"demo corpus: {data['feeds']} feeds, {data['entries']} entries; "
            f"{data['new_articles']} new articles, {data['updated_articles']} updated, "
            f"{data['extracted_articles']} extracted"
        )
        if data["assessment"]:
            report = data["assessment"]
            print(
                f"assessment {report['id']} for {report['from']}..{report['to']}: "
                f"{report['level']} (see /assessments/latest)"
            )
    return 0


def _assess_demo_period() -> dict[str, object] | None:
    """Build the seed period's report so a new user sees one at once (None if unavailable)."""
    try:
        from app.assessment.report import build_and_store
    except ImportError:
        return None
    first_day, last_day = demo_period()
    with session_scope() as session:
        assessment = build_and_store(
            session, first_day, last_day, max_annex_articles=get_settings().export_max_features
        )
        return {
            "id": assessment.id,
            "from": first_day.isoformat(),
            "to": last_day.isoformat(),
            "level": assessment.level,
        }
