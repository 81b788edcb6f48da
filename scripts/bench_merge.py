#!/usr/bin/env python3
"""The cost of merging one article into events that already have many mentions, in one run.

    python scripts/bench_merge.py [--mentions 20,200,1000] [--rounds 5] [--database-url URL]

For each size N: a scratch PostgreSQL database (dropped at the end) gets one launch event with
N mentions from 10 publishers, extracted in publication order. Then, alternately, `--rounds`
times each (every article removed again after its measurement, so N stays N):
  - append: one more article published after all of them (the merge continues the event from
    its row and aggregates, `events.fold`, without reading its views);
  - replay: one article published before the last of them (the merge replays the event's
    views, as the order-independent merge must when an earlier article arrives late).
Prints the median milliseconds of each (extract_pending of that one article, commit
included), the ratio replay / append, and how many view rows each read; a final JSON line.
Times are wall clock on a possibly shared machine: compare the ratio, measured in one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import secrets
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa
from sqlalchemy.engine import make_url

ADMIN_URL = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
START = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)
TITLE = "North Korea launches missile from Jongju"
TEXT = (
    "North Korea launched a ballistic missile from Jongju on Tuesday, South Korea's Joint "
    "Chiefs of Staff said. It flew about 300 km before falling into the Yellow Sea."
)


def add_article(session: Any, source_id: int, n: int, published: dt.datetime) -> int:
    from app.core.models import Article

    guid = f"bench-merge-{n}"
    article = Article(
        source_id=source_id,
        guid=guid,
        guid_hash=hashlib.sha256(guid.encode()).hexdigest(),
        url=f"https://example.org/merge/{n}",
        canonical_url=f"https://example.org/merge/{n}",
        title=TITLE,
        text=TEXT,
        published_at=published,
        content_hash=hashlib.sha256(TEXT.encode()).hexdigest(),
    )
    session.add(article)
    session.flush()
    return article.id  # type: ignore[return-value]


def measure(url: str, mentions: int, rounds: int) -> dict[str, Any]:
    from app.core.config import get_settings
    from app.core.db import get_engine, reset_engine, session_scope
    from app.core.migrate import upgrade_to_head
    from app.core.models import Article, Source
    from app.extraction import extract_pending

    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    reset_engine()
    engine = get_engine()
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        sources = [Source(name=f"Outlet {k}", kind="wire", reliability="B") for k in range(10)]
        session.add_all(sources)
        session.flush()
        source_ids = [s.id for s in sources]
        for n in range(mentions):
            add_article(session, source_ids[n % 10], n, START + dt.timedelta(minutes=n))
        extract_pending(session)
    rows_read: list[int] = []

    def count(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM mention_views" in statement:
            rows_read.append(max(cursor.rowcount, 0))

    sa.event.listen(engine, "after_cursor_execute", count)
    timings: dict[str, list[float]] = {"append": [], "replay": []}
    reads: dict[str, int] = {}
    serial = mentions
    for _ in range(rounds):
        for kind in ("append", "replay"):
            serial += 1
            published = (
                START + dt.timedelta(minutes=mentions + 60)
                if kind == "append"
                else START + dt.timedelta(minutes=mentions // 2, seconds=30)
            )
            with session_scope(engine) as session:
                article_id = add_article(session, source_ids[serial % 10], serial, published)
            rows_read.clear()
            start = time.perf_counter()
            with session_scope(engine) as session:
                extract_pending(session, article_ids=[article_id])
            timings[kind].append(1000 * (time.perf_counter() - start))
            reads[kind] = sum(rows_read)
            with session_scope(engine) as session:  # back to N mentions
                session.execute(sa.delete(Article).where(Article.id == article_id))  # type: ignore[arg-type]
                session.flush()
                session.execute(sa.text("UPDATE articles SET extracted_at = NULL"))
                from app.extraction import rebuild_events

                rebuild_events(session)
    sa.event.remove(engine, "after_cursor_execute", count)
    reset_engine()
    append, replay = statistics.median(timings["append"]), statistics.median(timings["replay"])
    return {
        "mentions": mentions,
        "append_ms": round(append, 2),
        "replay_ms": round(replay, 2),
        "replay_over_append": round(replay / append, 2),
        "append_view_rows_read": reads["append"],
        "replay_view_rows_read": reads["replay"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mentions", default="20,200,1000", help="comma-separated sizes")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("WATCHFLOOR_LOG_LEVEL", "WARNING")
    results = []
    for mentions in [int(n) for n in args.mentions.split(",") if n.strip()]:
        name = f"wf_bench_{secrets.token_hex(4)}"
        admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        try:
            result = measure(url, mentions, args.rounds)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
        results.append(result)
        print(
            f"{mentions} mentions: append {result['append_ms']} ms "
            f"({result['append_view_rows_read']} view rows read), replay {result['replay_ms']} ms "
            f"({result['replay_view_rows_read']} view rows read); "
            f"replay / append = {result['replay_over_append']}"
        )
    print(json.dumps({"runs": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
