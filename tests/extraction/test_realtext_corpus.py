"""The real-text corpus: what it must hold to measure anything, and the split that keeps `test`
unseen (scripts/eval_extraction.py scores it; see its docstring for the discipline)."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
CATEGORIES = {
    "missile_test", "artillery", "nuclear", "space_launch", "military_exercise",
    "defense_policy", "diplomacy", "sanctions", "arms_transfer", "border_maritime", "cyber",
    "domestic", "humanitarian",
}  # fmt: skip
PRECISIONS = {"site", "city", "province", "sea", "border", "country", None}


def _eval_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "eval_extraction", ROOT / "scripts" / "eval_extraction.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rows() -> list[dict[str, Any]]:
    return _eval_module().load_realtext()  # type: ignore[no-any-return]


def test_corpus_is_large_spread_and_labelled_by_the_guide() -> None:
    rows = _rows()
    labels = Counter(r["label"]["category"] for r in rows)
    assert len(rows) >= 300
    assert labels["none"] >= 40, "hard negatives"
    assert set(labels) - {"none"} == CATEGORIES
    assert min(labels[c] for c in CATEGORIES) >= 5
    years = {int(r["event_key"][:4]) for r in rows if r["label"]["category"] != "none"}
    assert min(years) <= 2006 and max(years) >= 2025
    for row in rows:
        label = row["label"]
        assert row["url"].startswith("http"), row["id"]
        assert row["text"].strip() and len(row["text"]) <= 1300, row["id"]
        assert label["location_precision"] in PRECISIONS, row["id"]
        assert (label["lat"] is None) == (label["lon"] is None), row["id"]
        if label["category"] == "none":
            assert label["claim_status"] is None and label["lat"] is None, row["id"]
        else:
            assert label["claim_status"] in {"confirmed", "reported", "claimed"}, row["id"]
            # "none" as an alternative: an annotator would also accept no event
            assert set(label.get("alt_categories", [])) <= CATEGORIES | {"none"}, row["id"]


def test_each_item_is_a_distinct_event_and_splits_keep_events_whole() -> None:
    rows = _rows()
    keys = [r["event_key"].strip().lower() for r in rows]
    assert len(set(keys)) == len(keys)
    assert len({r["id"] for r in rows}) == len(rows)
    assert len({r["url"] for r in rows}) == len(rows), "one page, one item"
    split_of = _eval_module().split_of
    # the split is a function of the event, so two pages about one happening share it
    assert split_of("2017-07-04 missile_test Panghyon") == split_of(
        " 2017-07-04 MISSILE_TEST Panghyon"
    )
    shares = Counter(r["split"] for r in rows)
    assert 0.3 <= shares["test"] / len(rows) <= 0.5


def test_eval_script_scores_both_splits_per_category_and_ends_with_json() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/eval_extraction.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["corpus"] == "realtext"
    for split in ("dev", "test"):
        figures = result[split]
        assert figures["items"] > 100 and figures["refused"] == 0
        assert set(figures["per_category"]) - {"none"} == CATEGORIES
        for measure in ("category", "place", "claim_status", "non_security_quiet"):
            assert 0.0 <= figures[measure] <= 1.0
    # misses of the test split are not listed unless asked for
    assert "[test]\n  " not in done.stdout
