#!/usr/bin/env python3
"""Ingestion and re-poll benchmark of the collector, over loopback, into PostgreSQL.

    python scripts/bench_collect.py [--feeds 100[,1000...]] [--entries 50] [--database-url URL]

For each corpus size (`--feeds 100,1000` measures both, one after the other, in one run):
creates a scratch PostgreSQL database (dropped at the end) unless --database-url is given
(it must be empty and at the schema head), serves a generated corpus (scripts/feed_corpus.py)
from a separate process on 127.0.0.1, then measures:
  1. the baseline, over the same bytes and entries, before and after the pass (the higher
     rate of the two counts, since the machine may be shared):
     - parse-only rate of the parser the pass uses: the collector's own `parse_feed`
       (feedparser-rs fast path where it takes the document, feedparser where it declines;
       feedparser everywhere with --feedparser-only), normalisation included, one process;
     - single-core extraction rate of the same entries (`extract_all` on what the collector
       stores of each entry, one process, over a sample of --extraction-sample entries);
     - baseline = min(parse-only rate, parse processes x single-core extraction rate): the
       fastest a pass can ingest when parsing and extraction are spread over the processes;
     - for reference: feedparser's own parse-only rate (1 and N processes) and CPU per entry;
  2. end to end: one collection pass (fetch, parse, normalise, store, extraction unless
     --no-extraction), entries/second and its ratio to the baseline (the target is >= 0.8),
     the CPU of the collector process and of its parse processes, and the load average;
  3. re-poll, all 304: time per feed and wall time;
  4. re-poll, validators ignored (200, same body): the body-hash path;
  plus peak RSS of this process. Prints figures per size and a final JSON line (one object
  per size under "runs", and the ratios side by side). No assertions.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ADMIN_URL = os.environ.get(
    "WATCHFLOOR_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class ParseTimer:
    """Wraps the collector's feedparser call and sums the CPU time of its calls per thread."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self.calls = 0
        self._lock = threading.Lock()

    def install(self) -> None:
        from app.collector import parse

        original = parse.run_feedparser

        def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
            start = time.thread_time()
            try:
                return original(*args, **kwargs)
            finally:
                spent = time.thread_time() - start
                with self._lock:
                    self.cpu += spent
                    self.calls += 1

        parse.run_feedparser = timed


def start_server(feeds: int, entries: int) -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "scripts" / "feed_corpus.py"),
            "serve",
            "--feeds",
            str(feeds),
            "--entries",
            str(entries),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if not line.startswith("PORT "):
        proc.kill()
        raise SystemExit("the corpus server did not start")
    return proc, int(line.split()[1])


def create_database() -> tuple[str, str]:
    name = f"wf_bench_{secrets.token_hex(4)}"
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_database(name: str) -> None:
    admin = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run(args: argparse.Namespace) -> dict[str, object]:
    scratch = None
    url = args.database_url
    if not url:
        scratch, url = create_database()
    os.environ["DATABASE_URL"] = url
    from app.core.config import get_settings
    from app.core.db import reset_engine

    get_settings.cache_clear()  # a second size runs against its own scratch database
    reset_engine()
    proc, port = start_server(args.feeds, args.entries)
    try:
        return measure(args, url, port)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if scratch:
            from app.core.db import reset_engine

            reset_engine()
            drop_database(scratch)


def process_cpu_seconds(pids: list[int]) -> float:
    """utime + stime of running processes, from /proc (Linux)."""
    return sum(process_cpu_each(pids).values())


def process_cpu_each(pids: list[int]) -> dict[int, float]:
    """utime + stime of each running process, from /proc (Linux); gone ones are left out."""
    found = {}
    tick = os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick
    return found


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def pool_cpu_since(start: dict[int, float], children_start: float, pids: list[int]) -> float:
    """CPU of the parse processes since `start`: the pool replaces its processes every
    parse_worker_max_tasks tasks, so those that ended (and were reaped: their whole lifetime
    is in RUSAGE_CHILDREN) count too, less what they had spent before the start."""
    now = process_cpu_each(pids)
    reaped = children_cpu_seconds() - children_start
    return (
        reaped
        + sum(now.values())
        - sum(cpu for pid, cpu in start.items() if pid in now)
        - sum(cpu for pid, cpu in start.items() if pid not in now)
    )


def count_entries(body: bytes, url: str) -> int:
    """Parse-only unit of work: the collector's own feedparser call, nothing else."""
    from app.collector.parse import run_feedparser

    return len(run_feedparser(body, FEED_HEADERS, url).entries)


FEED_HEADERS = {"content-type": "application/rss+xml; charset=UTF-8"}
REFERENCE_DOCUMENTS = 200


def parse_only_rates(
    bodies: list[bytes], urls: list[str], workers: int, rounds: int
) -> tuple[float, float | None, float]:
    """Entries/second of feedparser alone over the same bytes: one process, and `workers`
    processes (spawned and warmed before timing, like the collector's long-lived pool);
    and feedparser's CPU seconds per entry (one process), which load does not inflate much."""
    count_entries(bodies[0], urls[0])  # warm-up
    sequential, cpu_per_entry = [], []
    for _ in range(rounds):
        start, cpu = time.perf_counter(), time.process_time()
        entries = sum(count_entries(b, u) for b, u in zip(bodies, urls, strict=True))
        sequential.append(entries / (time.perf_counter() - start))
        cpu_per_entry.append((time.process_time() - cpu) / entries)
    if workers < 2:
        return statistics.median(sequential), None, min(cpu_per_entry)
    parallel = []
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(count_entries, bodies[: workers * 2], urls[: workers * 2]))  # warm-up
        for _ in range(rounds):
            start = time.perf_counter()
            entries = sum(pool.map(count_entries, bodies, urls, chunksize=4))
            parallel.append(entries / (time.perf_counter() - start))
    return statistics.median(sequential), statistics.median(parallel), min(cpu_per_entry)


def collector_parse(body: bytes, url: str, fast: bool) -> list[object]:
    """The pass's own parse: `parse_feed` as the parse processes run it (fast path or not)."""
    import datetime as dt

    from app.collector.parse import ParseLimits, parse_feed

    limits = ParseLimits(500, 1000, 20_000, fast_feed_parser=fast)
    fetched_at = dt.datetime(2026, 5, 28, 12, tzinfo=dt.UTC)
    return parse_feed(
        body, headers=FEED_HEADERS, final_url=url, fetched_at=fetched_at, settings=limits
    ).entries  # type: ignore[return-value]


def used_parser_rate(bodies: list[bytes], urls: list[str], fast: bool, rounds: int) -> float:
    """Entries/second of the parser the pass uses, one process, normalisation included."""
    collector_parse(bodies[0], urls[0], fast)  # warm-up
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        entries = sum(len(collector_parse(b, u, fast)) for b, u in zip(bodies, urls, strict=True))
        rates.append(entries / (time.perf_counter() - start))
    return statistics.median(rates)


def extraction_inputs(bodies: list[bytes], urls: list[str], sample: int) -> list[object]:
    """What extraction reads of each entry, as the collector stores it (title, text or
    summary, publish time, source name, URL), for the first `sample` entries."""
    from app.extraction import ArticleInput

    inputs: list[object] = []
    for n, (body, url) in enumerate(zip(bodies, urls, strict=True)):
        for entry in collector_parse(body, url, True):
            inputs.append(
                ArticleInput(
                    id=len(inputs),
                    title=entry.title,  # type: ignore[attr-defined]
                    text=entry.text or entry.summary or "",  # type: ignore[attr-defined]
                    published=entry.published_at,  # type: ignore[attr-defined]
                    source=f"Bench source {n % 10}",
                    url=entry.url,  # type: ignore[attr-defined]
                    reliability="B",
                )
            )
            if len(inputs) >= sample:
                return inputs
    return inputs


def extraction_rate(inputs: list[object], rounds: int) -> float:
    """Entries/second of extraction's pure part (`extract_all`, as the parse processes run
    it) in this one process and thread: the single-core extraction rate."""
    from app.extraction import extract_all, warm_up

    warm_up()
    extract_all(inputs[:20])  # type: ignore[arg-type]
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        extract_all(inputs)  # type: ignore[arg-type]
        rates.append(len(inputs) / (time.perf_counter() - start))
    return statistics.median(rates)


def fast_path_figures(bodies: list[bytes], rounds: int) -> dict[str, object]:
    """How many of the documents the collector's feedparser-rs fast path takes, and its
    parse-only rate over them (1 process), next to feedparser's."""
    from app.collector.fastparse import available, fast_parse

    if not available():
        return {"fast_path_documents": 0, "fast_path_parse_only_entries_per_s": None}
    taken = [b for b in bodies if fast_parse(b, FEED_HEADERS) is not None]
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        entries = sum(len(fast_parse(b, FEED_HEADERS).entries) for b in taken)  # type: ignore[union-attr]
        rates.append(entries / (time.perf_counter() - start))
    return {
        "fast_path_documents": len(taken),
        "fast_path_parse_only_entries_per_s": round(statistics.median(rates), 1) if taken else None,
    }


def measure(args: argparse.Namespace, url: str, port: int) -> dict[str, object]:
    from app.collector import Collector
    from app.collector.feedsfile import SourceSpec, upsert_sources
    from app.collector.parsepool import parse_workers_for, shared_parse_pool
    from app.core.config import Settings
    from app.core.db import get_engine, session_scope
    from app.core.migrate import upgrade_to_head
    from app.runtime import extractor_for

    settings = Settings(
        database_url=url,
        allow_private_feeds="127.0.0.1",
        fetch_concurrency=args.concurrency,
        fetch_per_host=args.concurrency,  # the whole corpus is one host here
        poll_batch_size=100,
        db_pool_size=args.concurrency + 2,
        parse_workers=args.parse_workers,
        fast_feed_parser=not args.feedparser_only,
    )
    engine = get_engine()
    upgrade_to_head(engine)
    workers = parse_workers_for(settings, engine.dialect.name)
    base = f"http://127.0.0.1:{port}"
    specs = [
        SourceSpec(
            f"Bench source {s}",
            "specialist",
            "B",
            None,
            tuple(f"{base}/feeds/{i}.xml" for i in range(s, args.feeds, 10)),
        )
        for s in range(min(10, args.feeds))
    ]
    with session_scope(engine) as session:
        upsert_sources(session, specs)
    total_entries = args.feeds * args.entries
    load_before = os.getloadavg()

    # 1. parse-only rates of the same bytes (fetched outside the timing), before the pass and
    # again after it: the machine is shared, and the higher rate is the baseline.
    urls = [f"{base}/feeds/{i}.xml" for i in range(args.feeds)]

    def fetch_bodies() -> list[bytes]:
        with httpx.Client() as client:
            return [client.get(u).content for u in urls]

    fast = not args.feedparser_only
    bodies = fetch_bodies()
    # feedparser's reference rate over at most REFERENCE_DOCUMENTS documents (the corpus
    # repeats its templates; 1,000 feeds through feedparser would take minutes per round)
    before = parse_only_rates(
        bodies[:REFERENCE_DOCUMENTS], urls[:REFERENCE_DOCUMENTS], workers, args.rounds
    )
    fast_parser = fast_path_figures(bodies, args.rounds)
    used_before = used_parser_rate(bodies, urls, fast, args.rounds)
    inputs = extraction_inputs(bodies, urls, args.extraction_sample)
    extract_before = extraction_rate(inputs, args.rounds)
    del bodies  # not held during the pass: peak RSS is the collector's

    # 2. end to end
    timer = ParseTimer()  # sees feedparser only when it runs in this process (parse_workers=0)
    timer.install()
    pool = shared_parse_pool(settings, engine.dialect.name)
    # With parse processes, the pure part of extraction runs there too (as in the collector).
    extractor = extractor_for(pool) if not args.no_extraction else None
    pool_start_seconds = 0.0
    if pool is not None:
        t0 = time.perf_counter()
        pool.warm()  # a long-running collector starts its pool once; reported separately
        pool_start_seconds = time.perf_counter() - t0
    pids = pool.pids() if pool is not None else []
    with Collector(settings, engine=engine, extractor=extractor, parse_pool=pool) as collector:
        cpu0, workers_cpu0 = cpu_seconds(), process_cpu_each(pids)
        children0 = children_cpu_seconds()
        start = time.perf_counter()
        summary = collector.run_pass()
        e2e_seconds = time.perf_counter() - start
        e2e_cpu = cpu_seconds() - cpu0
        workers_cpu = pool_cpu_since(
            workers_cpu0, children0, pool.pids() if pool is not None else []
        )
        in_thread_parse_cpu, in_thread_parse_calls = timer.cpu, timer.calls
        load_after = os.getloadavg()
        rss_after_ingest = peak_rss_mb()
        e2e_rate = summary.new_articles / e2e_seconds

        def repoll() -> tuple[float, object]:
            with engine.begin() as conn:
                conn.execute(
                    sa.text("UPDATE feeds SET next_check_at = now() - interval '1 second'")
                )
            t0 = time.perf_counter()
            result = collector.run_pass()
            return time.perf_counter() - t0, result

        # 3. unchanged, all 304
        repoll_seconds, not_modified_pass = repoll()
        # 4. unchanged, validators ignored by the server: the body-hash path
        httpx.get(f"{base}/_control/validators/off")
        hash_seconds, hash_pass = repoll()
        httpx.get(f"{base}/_control/validators/on")
    bodies = fetch_bodies()
    after = parse_only_rates(
        bodies[:REFERENCE_DOCUMENTS], urls[:REFERENCE_DOCUMENTS], workers, args.rounds
    )
    used_after = used_parser_rate(bodies, urls, fast, args.rounds)
    extract_after = extraction_rate(inputs, args.rounds)
    del bodies, inputs
    used_rate = max(used_before, used_after)
    extract_rate = max(extract_before, extract_after)
    extraction_processes = max(workers, 1)
    baseline = min(used_rate, extraction_processes * extract_rate)
    parse_rate = max(before[0], after[0])
    parse_rate_n = max(before[1], after[1]) if before[1] and after[1] else None
    feedparser_cpu_per_entry = min(before[2], after[2])
    pass_cpu_per_entry = (e2e_cpu + workers_cpu) / max(summary.new_articles, 1)

    return {
        "feeds": args.feeds,
        "entries_per_feed": args.entries,
        "entries": total_entries,
        "concurrency": args.concurrency,
        "parse_workers": workers,
        "extraction": extractor is not None,
        "fast_feed_parser": settings.fast_feed_parser,
        "load_avg_before": [round(x, 2) for x in load_before],
        "load_avg_after": [round(x, 2) for x in load_after],
        "used_parser": "feedparser-rs fast path, feedparser where it declines"
        if fast
        else "feedparser",
        "used_parser_parse_only_entries_per_s": round(used_rate, 1),
        "used_parser_parse_only_before_after": [round(used_before, 1), round(used_after, 1)],
        "extraction_single_core_entries_per_s": round(extract_rate, 1),
        "extraction_single_core_before_after": [round(extract_before, 1), round(extract_after, 1)],
        "extraction_sample_entries": min(args.extraction_sample, total_entries),
        "extraction_processes": extraction_processes,
        "baseline_entries_per_s": round(baseline, 1),
        "baseline_bound": (
            "parse" if used_rate <= extraction_processes * extract_rate else "extraction"
        ),
        "end_to_end_over_baseline": round(e2e_rate / baseline, 3),
        "parse_only_entries_per_s": round(parse_rate, 1),
        "parse_only_entries_per_s_before_after": [round(before[0], 1), round(after[0], 1)],
        "parse_only_n_processes_entries_per_s": round(parse_rate_n, 1) if parse_rate_n else None,
        "parse_only_n_processes_before_after": [
            round(x, 1) if x else None for x in (before[1], after[1])
        ],
        "end_to_end_entries_per_s": round(e2e_rate, 1),
        "end_to_end_over_parse_only": round(e2e_rate / parse_rate, 3),
        "end_to_end_over_parse_only_n_processes": (
            round(e2e_rate / parse_rate_n, 3) if parse_rate_n else None
        ),
        "end_to_end_seconds": round(e2e_seconds, 3),
        "parse_pool_start_seconds": round(pool_start_seconds, 3),
        "new_articles": summary.new_articles,
        "extracted_articles": summary.extracted_articles,
        "extraction_calls": summary.extraction_calls,
        "extraction_drain_seconds": summary.extraction_drain_seconds,
        "feeds_failed": summary.feeds_failed,
        "collector_process_cpu_seconds": round(e2e_cpu, 3),
        "parse_processes_cpu_seconds": round(workers_cpu, 3),
        "feedparser_cpu_share": (
            round(in_thread_parse_cpu / e2e_cpu, 3) if e2e_cpu and in_thread_parse_calls else None
        ),
        "feedparser_cpu_ms_per_entry": round(1000 * feedparser_cpu_per_entry, 4),
        "pass_cpu_ms_per_entry": round(1000 * pass_cpu_per_entry, 4),
        # Load-independent view: the share of the pass's CPU (collector + parse processes; not
        # PostgreSQL's) that feedparser itself needs. 1.0 = nothing but parsing.
        "feedparser_cpu_over_pass_cpu": round(feedparser_cpu_per_entry / pass_cpu_per_entry, 3),
        "repoll_304_seconds": round(repoll_seconds, 3),
        "repoll_304_ms_per_feed": round(1000 * repoll_seconds / args.feeds, 3),
        "repoll_304_not_modified": not_modified_pass.feeds_not_modified,  # type: ignore[attr-defined]
        "repoll_hash_seconds": round(hash_seconds, 3),
        "repoll_hash_ms_per_feed": round(1000 * hash_seconds / args.feeds, 3),
        "repoll_hash_unchanged": hash_pass.feeds_unchanged,  # type: ignore[attr-defined]
        "peak_rss_mb_after_ingest": round(rss_after_ingest, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **fast_parser,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--feeds",
        default="100",
        help="feeds in the corpus; a comma-separated list (100,1000) measures each size",
    )
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database-url", default=None, help="an empty database at schema head")
    parser.add_argument("--no-extraction", action="store_true", help="skip the extraction seam")
    parser.add_argument(
        "--parse-workers",
        type=int,
        default=None,
        help="parse processes (default: the setting's default, min(2, CPUs); 0: in-thread)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="parse-only rounds (median)")
    parser.add_argument(
        "--extraction-sample",
        type=int,
        default=5000,
        help="entries the single-core extraction rate is measured over (the corpus repeats its "
        "templates, so a sample stands for the whole)",
    )
    parser.add_argument(
        "--feedparser-only",
        action="store_true",
        help="the pass reads every feed with feedparser (WATCHFLOOR_FAST_FEED_PARSER=false)",
    )
    args = parser.parse_args()
    os.environ.setdefault("WATCHFLOOR_LOG_LEVEL", "WARNING")
    sizes = [int(n) for n in str(args.feeds).split(",") if n.strip()]
    runs = []
    for feeds in sizes:
        result = run(argparse.Namespace(**{**vars(args), "feeds": feeds}))
        report(result)
        runs.append(result)
    summary = {
        "end_to_end_over_baseline": {
            f"{r['feeds']}x{r['entries_per_feed']}": r["end_to_end_over_baseline"] for r in runs
        },
        "target": 0.8,
        "runs": runs,
    }
    for r in runs:
        print(
            f"ingest / baseline at {r['feeds']} x {r['entries_per_feed']}: "
            f"{r['end_to_end_over_baseline']} (target >= 0.8)"
        )
    print(json.dumps(summary))
    return 0


def report(r: dict[str, object]) -> None:
    extract = "+extract" if r["extraction"] else ""
    print(f"corpus: {r['feeds']} feeds x {r['entries_per_feed']} entries over loopback")
    print(
        f"parse only, the parser the pass uses ({r['used_parser']}, 1 process): "
        f"{r['used_parser_parse_only_entries_per_s']} entries/s"
    )
    print(
        f"extraction of the same entries, single core: "
        f"{r['extraction_single_core_entries_per_s']} entries/s "
        f"(sample of {r['extraction_sample_entries']})"
    )
    print(
        f"baseline = min(parse only, {r['extraction_processes']} x single-core extraction) = "
        f"{r['baseline_entries_per_s']} entries/s ({r['baseline_bound']}-bound); "
        f"end to end {r['end_to_end_entries_per_s']} entries/s = "
        f"{r['end_to_end_over_baseline']} x baseline"
    )
    print(f"load average before / after the pass: {r['load_avg_before']} / {r['load_avg_after']}")
    print(
        f"parse only (feedparser, 1 process): {r['parse_only_entries_per_s']} entries/s "
        f"(before / after the pass: {r['parse_only_entries_per_s_before_after']})"
    )
    if r["parse_only_n_processes_entries_per_s"]:
        print(
            f"parse only (feedparser, {r['parse_workers']} processes): "
            f"{r['parse_only_n_processes_entries_per_s']} entries/s"
        )
    print(
        f"end to end (fetch+parse+normalise+store{extract}, {r['parse_workers']} parse processes):"
        f" {r['end_to_end_entries_per_s']} entries/s in {r['end_to_end_seconds']} s"
        f" = {r['end_to_end_over_parse_only']:.0%} of parse-only (1 process)"
        + (
            f", {r['end_to_end_over_parse_only_n_processes']:.0%} of parse-only "
            f"({r['parse_workers']} processes)"
            if r["end_to_end_over_parse_only_n_processes"]
            else ""
        )
    )
    if r["extraction"]:
        print(
            f"extraction: {r['extraction_calls']} calls; the pass waited "
            f"{r['extraction_drain_seconds']} s for it after its last feed"
        )
    print(
        f"CPU: collector process {r['collector_process_cpu_seconds']} s, parse processes "
        f"{r['parse_processes_cpu_seconds']} s (pool start {r['parse_pool_start_seconds']} s); "
        f"{r['pass_cpu_ms_per_entry']} ms/entry vs feedparser alone "
        f"{r['feedparser_cpu_ms_per_entry']} ms/entry = {r['feedparser_cpu_over_pass_cpu']:.0%}"
    )
    if r["feedparser_cpu_share"] is not None:
        print(f"feedparser share of the pass's CPU: {r['feedparser_cpu_share']:.0%}")
    print(
        f"re-poll, all 304: {r['repoll_304_seconds']} s wall, "
        f"{r['repoll_304_ms_per_feed']} ms/feed ({r['repoll_304_not_modified']} not modified)"
    )
    print(
        f"re-poll, 200 same body (hash path): {r['repoll_hash_seconds']} s wall, "
        f"{r['repoll_hash_ms_per_feed']} ms/feed ({r['repoll_hash_unchanged']} unchanged)"
    )
    print(f"peak RSS (collector process): {r['peak_rss_mb']} MB")
    print(
        f"fast path (feedparser-rs, {'off' if not r['fast_feed_parser'] else 'on'} in the pass): "
        f"takes {r['fast_path_documents']} of {r['feeds']} documents; parse only over them "
        f"(1 process, normalisation included): {r['fast_path_parse_only_entries_per_s']} entries/s"
    )
    print(json.dumps(r))


if __name__ == "__main__":
    sys.exit(main())
