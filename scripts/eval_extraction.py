"""Score the rule-based extractor against the labelled set in tests/extraction/data/devset.jsonl.

Per split (dev: rules were tuned on it; heldout: written before the rules were run on it):
- category accuracy: articles whose set of predicted categories equals the expected set
  (an article expected to yield nothing must yield nothing); macro F1 over categories (events
  matched by category within an article);
- place within 50 km over matched events (an expected "no place" is hit by no place or a
  country-level place; an expected point needs a predicted point within 50 km);
- date exact, and date within the predicted precision (a week/month containing the true day);
- claim status accuracy over matched events;
- false events: events predicted for articles labelled as yielding none.

Usage: python scripts/eval_extraction.py [--split dev|heldout|all] [--verbose]
Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.extraction import ArticleInput, ExtractedEvent, extract_article

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "extraction" / "data" / "devset.jsonl"
PLACE_KM = 50.0


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def load(split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]
    return [r for r in rows if split == "all" or r["split"] == split]


def to_input(row: dict[str, Any]) -> ArticleInput:
    published = dt.datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
    return ArticleInput(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        published=published,
        source=row["source"] or "",
        url=row.get("url"),
    )


def place_hit(expected: dict[str, Any], event: ExtractedEvent) -> bool:
    loc = event.location
    if expected["lat"] is None:
        return loc is None or loc.lat is None
    if loc is None or loc.lat is None or loc.lon is None:
        return False
    return haversine_km(expected["lat"], expected["lon"], loc.lat, loc.lon) <= PLACE_KM


def date_within(expected: dict[str, Any], event: ExtractedEvent) -> bool:
    truth = dt.date.fromisoformat(expected["event_date"])
    start = event.event_date
    if event.date_precision == "week":
        return start <= truth <= start + dt.timedelta(days=6)
    if event.date_precision == "month":
        return (start.year, start.month) == (truth.year, truth.month)
    return start == truth


def evaluate(rows: list[dict[str, Any]], verbose: bool) -> dict[str, Any]:
    exact_sets = 0
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    matched = place = date_exact = date_ok = claim = 0
    false_events = none_articles = 0
    for row in rows:
        events = extract_article(to_input(row))
        expected = row["expected"]
        if not expected:
            none_articles += 1
            false_events += len(events)
        predicted_cats = sorted(e.category for e in events)
        expected_cats = sorted(e["category"] for e in expected)
        exact_sets += predicted_cats == expected_cats
        remaining = list(events)
        problems = []
        for exp in expected:
            event = next((e for e in remaining if e.category == exp["category"]), None)
            if event is None:
                fn[exp["category"]] += 1
                problems.append(f"missed {exp['category']}")
                continue
            remaining.remove(event)
            tp[exp["category"]] += 1
            matched += 1
            ok_place, ok_claim = place_hit(exp, event), event.claim_status == exp["claim_status"]
            exact = event.event_date.isoformat() == exp["event_date"]
            place += ok_place
            claim += ok_claim
            date_exact += exact
            date_ok += date_within(exp, event)
            loc = event.location.name if event.location else None
            if not ok_place:
                problems.append(f"{exp['category']} place {loc} != {exp['place']}")
            if not ok_claim:
                problems.append(
                    f"{exp['category']} claim {event.claim_status} != {exp['claim_status']}"
                )
            if not date_within(exp, event):
                problems.append(f"{exp['category']} date {event.event_date} != {exp['event_date']}")
        for event in remaining:
            fp[event.category] += 1
            problems.append(f"extra {event.category} ({event.reasons.get('category')})")
        if verbose and problems:
            print(f"  {row['id']}: {row['title'][:70]}\n     " + "\n     ".join(problems))
    categories = sorted(set(tp) | set(fp) | set(fn))
    f1s = []
    for c in categories:
        precision = tp[c] / (tp[c] + fp[c]) if tp[c] + fp[c] else 0.0
        recall = tp[c] / (tp[c] + fn[c]) if tp[c] + fn[c] else 0.0
        f1s.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    expected_events = sum(tp.values()) + sum(fn.values())

    def ratio(n: int, d: int) -> float | None:
        return round(n / d, 3) if d else None

    return {
        "articles": len(rows),
        "expected_events": expected_events,
        "predicted_events": sum(tp.values()) + sum(fp.values()),
        "category_accuracy": ratio(exact_sets, len(rows)),
        "category_macro_f1": round(sum(f1s) / len(f1s), 3) if f1s else None,
        "event_recall": ratio(sum(tp.values()), expected_events),
        "event_precision": ratio(sum(tp.values()), sum(tp.values()) + sum(fp.values())),
        "place_within_50km": ratio(place, matched),
        "date_exact": ratio(date_exact, matched),
        "date_within_precision": ratio(date_ok, matched),
        "claim_status_accuracy": ratio(claim, matched),
        "non_security_articles": none_articles,
        "false_events_non_security": false_events,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=["dev", "heldout", "all"], default=None)
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    args = parser.parse_args()
    splits = [args.split] if args.split else ["dev", "heldout"]
    results = {}
    for split in splits:
        rows = load(split)
        if args.verbose:
            print(f"[{split}]")
        results[split] = evaluate(rows, args.verbose)
    keys = list(next(iter(results.values())).keys())
    print(f"{'metric':28}" + "".join(f"{s:>10}" for s in results))
    for key in keys:
        cells = "".join(
            f"{'-' if results[s][key] is None else results[s][key]!s:>10}" for s in results
        )
        print(f"{key:28}{cells}")
    print(json.dumps({"devset": str(DEVSET.name), **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
