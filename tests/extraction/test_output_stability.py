"""The extractor's full output, frozen: speed work must not change a single field.

The snapshot (data/output_snapshot.jsonl) holds `to_dict()` of every event for every text of the
labelled set, the benchmark's articles (scripts/bench_extraction.py, mixed and dense, at several
lengths) and seeded random recombinations of the set's sentences with shifted publish times (so
dates, places and attributions meet in combinations no hand-written case has).

A deliberate change of results (a rule, the gazetteer, the taxonomy) regenerates it:
    python tests/extraction/test_output_stability.py --write
and the diff of the snapshot is then part of the review.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script to regenerate the snapshot
    sys.path.insert(0, str(ROOT))

from app.extraction import ArticleInput, extract_article  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"
DEVSET = DATA / "devset.jsonl"
SNAPSHOT = DATA / "output_snapshot.jsonl"
BENCH_LENGTHS = (60, 150, 400)  # words per benchmark article
RANDOM_ARTICLES = 300
SEED = 20260527
# a plain splitter, independent of the one under test, to cut the set into reusable sentences
_SENTENCE_END = re.compile(r"(?<=[.!?\"”])\s+(?=[A-Z“\"])")


def _bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bench_extraction", ROOT / "scripts" / "bench_extraction.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _devset_rows() -> list[dict[str, Any]]:
    return [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]


def _published(row: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(row["published"].replace("Z", "+00:00"))


def _random_articles(rows: list[dict[str, Any]]) -> Iterator[tuple[str, ArticleInput]]:
    rng = random.Random(SEED)
    pool = [piece for row in rows for piece in _SENTENCE_END.split(row["text"]) if piece.strip()]
    titles = [row["title"] for row in rows] + pool
    sources = sorted({row["source"] or "" for row in rows})
    for n in range(RANDOM_ARTICLES):
        row = rng.choice(rows)
        shift = dt.timedelta(days=rng.randint(-400, 400), minutes=rng.randint(0, 24 * 60))
        body = " ".join(rng.choice(pool) for _ in range(rng.randint(1, 12)))
        key = f"random-{n}"
        article = ArticleInput(
            id=key,
            title=rng.choice(titles),
            text=body,
            published=_published(row) + shift,
            source=rng.choice(sources),
        )
        yield key, article


def snapshot_articles() -> Iterator[tuple[str, ArticleInput]]:
    """Every article of the snapshot, keyed; the same list on every run (no clock, fixed seed)."""
    rows = _devset_rows()
    for row in rows:
        yield (
            f"devset:{row['id']}",
            ArticleInput(
                id=row["id"],
                title=row["title"],
                text=row["text"],
                published=_published(row),
                source=row["source"] or "",
                url=row.get("url"),
            ),
        )
    bench = _bench_module()
    for words in BENCH_LENGTHS:
        for dense in (False, True):
            mode = "dense" if dense else "mixed"
            for article in bench.corpus(words, dense=dense):
                yield f"bench:{mode}:{words}:{article.id}", article
    yield from _random_articles(rows)


def _output(article: ArticleInput) -> list[dict[str, Any]]:
    # through JSON, as the CLI and the API hand it out
    return json.loads(json.dumps([event.to_dict() for event in extract_article(article)]))


def _load_snapshot() -> dict[str, list[dict[str, Any]]]:
    lines = SNAPSHOT.read_text(encoding="utf-8").splitlines()
    return {row["key"]: row["events"] for row in map(json.loads, lines)}


def test_snapshot_covers_every_generated_article() -> None:
    keys = [key for key, _ in snapshot_articles()]
    assert len(keys) == len(set(keys))
    assert set(keys) == set(_load_snapshot())


def test_output_matches_the_snapshot() -> None:
    snapshot = _load_snapshot()
    changed = [key for key, article in snapshot_articles() if _output(article) != snapshot.get(key)]
    assert not changed, f"{len(changed)} articles changed, first: {changed[:10]}"


def test_snapshot_is_not_trivial() -> None:
    """A snapshot of empty outputs would freeze nothing."""
    snapshot = _load_snapshot()
    with_events = sum(1 for events in snapshot.values() if events)
    assert with_events > len(snapshot) // 3
    assert sum(1 for events in snapshot.values() if not events) > 20


def write_snapshot() -> int:
    with SNAPSHOT.open("w", encoding="utf-8") as out:
        for key, article in snapshot_articles():
            line = {"key": key, "events": _output(article)}
            out.write(json.dumps(line, ensure_ascii=False, sort_keys=True) + "\n")
    return 0


def diff_snapshot(show: int = 5) -> int:
    """What a change of results changed: counts of changed fields, and a few examples."""
    snapshot = _load_snapshot()
    fields: dict[str, int] = {}
    examples: list[str] = []
    for key, article in snapshot_articles():
        old, new = snapshot.get(key, []), _output(article)
        if old == new:
            continue
        if len(old) != len(new):
            fields["event count"] = fields.get("event count", 0) + 1
            examples.append(
                f"{key}: {[e['category'] for e in old]} -> {[e['category'] for e in new]}"
            )
            continue
        for before, after in zip(old, new, strict=True):
            for name in sorted(set(before) | set(after)):
                if before.get(name) != after.get(name) and name != "reasons":
                    fields[name] = fields.get(name, 0) + 1
                    if name != "confidence":
                        examples.append(f"{key} {name}: {before.get(name)} -> {after.get(name)}")
    for name, count in sorted(fields.items(), key=lambda item: -item[1]):
        print(f"{count:6}  {name}")
    for line in examples[:: max(1, len(examples) // show)][:show]:
        print("  " + line[:300])
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        sys.exit(write_snapshot())
    if sys.argv[1:] == ["--diff"]:
        sys.exit(diff_snapshot(show=12))
    sys.exit(f"usage: python {Path(__file__).name} --write | --diff")
