"""The `watchfloor` command. Each subcommand hands over to its domain package."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from app import __version__

logger = logging.getLogger("app.cli")

# subcommand -> "module:function"; each function takes the parsed args and returns an exit code.
HANDLERS: dict[str, str] = {
    "serve": "app.runtime:serve",
    "api": "app.runtime:api",
    "collector": "app.runtime:collector",
    "migrate": "app.runtime:migrate",
    "collect": "app.collector.commands:collect_command",
    "feeds": "app.collector.commands:feeds_command",
    "demo": "app.collector.commands:demo_command",
    "extract": "app.extraction.commands:extract_command",
    "assess": "app.assessment.commands:assess_command",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="watchfloor", description="Korean Peninsula security news as structured assessments."
    )
    parser.add_argument("--version", action="version", version=f"watchfloor {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name, help_text in (
        ("serve", "API and scheduler together (the single-machine default)"),
        ("api", "API only (for several replicas)"),
    ):
        cmd = sub.add_parser(name, help=help_text)
        cmd.add_argument("--host", default="127.0.0.1")
        cmd.add_argument("--port", type=int, default=8000)
        cmd.add_argument(
            "--no-migrate", action="store_true", help="do not upgrade the schema on start"
        )
        cmd.add_argument(
            "--workers", type=int, default=1, help="uvicorn worker processes (api only)"
        )

    sub.add_parser("collector", help="the scheduler only: collection and scheduled jobs")
    sub.add_parser("migrate", help="upgrade the database schema to head")

    collect = sub.add_parser("collect", help="run collection")
    collect.add_argument("--once", action="store_true", required=True, help="one pass, then exit")
    collect.add_argument("--json", action="store_true", help="print the summary as JSON")

    feeds = sub.add_parser("feeds", help="load the feeds file into the database")
    feeds.add_argument("action", choices=["load", "list"])

    demo = sub.add_parser("demo", help="load the bundled sample corpus (no network)")
    demo.add_argument("--json", action="store_true", help="print the summary as JSON")

    extract = sub.add_parser("extract", help="extract events: JSON Lines in, JSON Lines out")
    extract.add_argument("file", nargs="?", help="JSON Lines file of articles, '-' for stdin")
    extract.add_argument(
        "--rebuild", action="store_true", help="re-extract every stored article into events"
    )

    assess = sub.add_parser(
        "assess",
        help="build, store and print the assessment for a period (default: the last full week)",
    )
    assess.add_argument(
        "--from",
        dest="date_from",
        help="YYYY-MM-DD (UTC); default with --to unset: the Monday of the last full week",
    )
    assess.add_argument(
        "--to",
        dest="date_to",
        help="YYYY-MM-DD (UTC, inclusive); default: the Sunday after --from (a full week)",
    )
    assess.add_argument(
        "--as-of",
        dest="as_of",
        help="ISO 8601 instant: assess with what was published by then (default: now)",
    )
    assess.add_argument("--dry-run", action="store_true", help="print the report, do not store it")
    assess.add_argument("--format", choices=["json", "markdown", "html"], default="json")
    return parser


def _resolve(target: str) -> Callable[[argparse.Namespace], int] | None:
    module_name, _, function = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    return getattr(module, function, None)


def main(argv: Sequence[str] | None = None) -> int:
    from app.core.logging import configure_logging

    args = build_parser().parse_args(argv)
    configure_logging()
    handler = _resolve(HANDLERS[args.command])
    if handler is None:
        print(f"watchfloor {args.command}: not available yet", file=sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
