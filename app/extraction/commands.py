"""`watchfloor extract FILE|-` (JSON Lines in and out, nothing stored) and `--rebuild`."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from app.extraction.core import extract_article, not_read_because
from app.extraction.inputs import InvalidArticle, ReadArticle, read_article
from app.extraction.schemas import ExtractedEvent

logger = logging.getLogger(__name__)


def extract_command(args: argparse.Namespace) -> int:
    if args.rebuild:
        return _rebuild()
    if not args.file:
        print(
            "watchfloor extract: give a JSON Lines FILE ('-' for stdin) or --rebuild",
            file=sys.stderr,
        )
        return 2
    try:
        stream = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        print(f"watchfloor extract: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    with stream:
        failures = extract_lines(stream, sys.stdout)
    if failures:
        print(f"watchfloor extract: {failures} line(s) could not be read", file=sys.stderr)
    return 1 if failures else 0


def extract_lines(lines: Iterable[str], out: TextIO) -> int:
    """One output line per non-blank input line; returns how many lines failed."""
    failures = 0
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        result = _one(line, number)
        failures += "error" in result
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
        out.flush()
    return failures


def _one(line: str, number: int) -> dict[str, Any]:
    identifier: Any = None
    try:
        obj = json.loads(line)
        if isinstance(obj, dict):
            identifier = obj.get("id")
        read = read_article(obj)
        events = extract_article(read.article)
    except json.JSONDecodeError as exc:
        return {"id": None, "line": number, "error": f"not JSON: {exc.msg} at column {exc.colno}"}
    except InvalidArticle as exc:
        return {"id": identifier, "line": number, "error": str(exc)}
    except Exception:  # one bad article never stops the stream
        logger.exception("extraction failed", extra={"line": number})
        return {"id": identifier, "line": number, "error": "extraction failed (logged)"}
    return result_of(read, events, identifier)


def result_of(read: ReadArticle, events: list[ExtractedEvent], identifier: Any) -> dict[str, Any]:
    """One output object: the events, and what was set aside or could not be read, if anything."""
    result: dict[str, Any] = {
        "id": identifier,
        "events": [event.to_dict() for event in events],
    }
    skipped = not_read_because(read.article)
    if skipped:
        result["not_read"] = skipped
    if read.warnings:
        result["warnings"] = read.warnings
    return result


def _rebuild() -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from app.core.db import session_scope
    from app.extraction.store import rebuild_events

    try:
        with session_scope() as session:
            summary = rebuild_events(session)
    except SQLAlchemyError as exc:
        print(
            f"watchfloor extract --rebuild: database error ({type(exc).__name__}); "
            "is it reachable and migrated (`watchfloor migrate`)?",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(summary))
    return 0
