"""Score the extractor on real published text (tests/extraction/data/realtext/*.jsonl).

Each item is a verbatim excerpt of a published page (title + lede, ≤ ~1,200 characters, with its
URL) about one real event, labelled by ../shared/notes/labelling.md; hard negatives (sport,
culture, business stories that name Pyongyang or Seoul) are labelled `none`. Items are split
60/40 into `dev` and `test` by a hash of their `event_key`, so two pages about one happening
always fall in the same split. Rules change only against `dev`; `test` is scored at the end of a
work cycle and reported, never read for ideas (its misses are listed only with --show-test-misses).

Measures (per split, and per category):
- category: the item's label (or one of its `alt_categories`) is among the predicted events'
  categories; a `none` item is right when it yields no event;
- place within tolerance of the matched event: site/city 50 km, province/border 120 km, sea
  400 km; a label with no point (no place, or a country) is hit by no point;
- launch site within 50 km: the same, over missile and space launches labelled at a site;
- claim status of the matched event; date within the predicted precision;
- extra events: predicted events beyond the matched one (other events of the excerpt included).

`--corpus written` scores tests/extraction/data/devset.jsonl instead: cases written in this
project, kept as unit tests, not as a measure of quality on real text.

Usage: python scripts/eval_extraction.py [--split dev|test|all] [--verbose] [--show-test-misses]
Prints a table and, last, one JSON line.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import math
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.extraction import ExtractedEvent, extract_article  # noqa: E402
from app.extraction.inputs import InvalidArticle, read_article  # noqa: E402

REALTEXT = ROOT / "tests" / "extraction" / "data" / "realtext"
WRITTEN = ROOT / "tests" / "extraction" / "data" / "devset.jsonl"
TOLERANCE_KM = {"site": 50.0, "city": 50.0, "province": 120.0, "border": 120.0, "sea": 400.0}
LAUNCH_SITE_KM = 50.0
TEST_SHARE = 0.4
TARGETS = {
    "category": 0.90,
    "place": 0.85,
    "claim_status": 0.85,
    "non_security_quiet": 0.90,
    "launch_site": 0.80,
}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def split_of(event_key: str) -> str:
    digest = hashlib.sha256(event_key.strip().lower().encode("utf-8")).digest()
    return "test" if int.from_bytes(digest[:4], "big") / 2**32 < TEST_SHARE else "dev"


def load_realtext() -> list[dict[str, Any]]:
    rows = []
    for path in sorted(REALTEXT.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["split"] = split_of(row["event_key"])
                rows.append(row)
    return rows


def load_written() -> list[dict[str, Any]]:
    """The written cases, in the real-text shape (their first expected event is the label)."""
    rows = []
    for line in WRITTEN.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        expected = row["expected"]
        first = expected[0] if expected else None
        label: dict[str, Any] = {"category": "none", "alt_categories": []}
        if first:
            precision = "site" if first.get("lat") is not None else None
            label = {
                "category": first["category"],
                "alt_categories": [],
                "event_date": first.get("event_date"),
                "location_name": first.get("place"),
                "lat": first.get("lat"),
                "lon": first.get("lon"),
                "location_precision": precision,
                "claim_status": first.get("claim_status"),
            }
        rows.append(
            {
                **row,
                "split": "dev" if row["split"] == "dev" else "test",
                "label": label,
                "other_events": [{"category": e["category"]} for e in expected[1:]],
            }
        )
    return rows


def accepted(label: dict[str, Any]) -> set[str]:
    return {label["category"], *label.get("alt_categories", [])}


def place_hit(label: dict[str, Any], event: ExtractedEvent) -> bool:
    loc = event.location
    point = loc is not None and loc.lat is not None and loc.lon is not None
    if label.get("lat") is None or label.get("lon") is None:
        return not point
    if not point:
        return False
    limit = TOLERANCE_KM.get(label.get("location_precision") or "site", 50.0)
    return haversine_km(label["lat"], label["lon"], loc.lat, loc.lon) <= limit  # type: ignore[union-attr, arg-type]


def date_hit(label: dict[str, Any], event: ExtractedEvent) -> bool | None:
    truth = label.get("event_date")
    if not truth or len(truth) != 10:
        return None  # month-precision or undisclosed labels are not scored for the day
    if event.event_date is None:
        return False
    day = dt.date.fromisoformat(truth)
    start = event.event_date
    span = {"week": 6, "month": 30, "year": 365}.get(event.date_precision, 1)
    if event.date_precision in {"month", "year"}:
        same = (start.year, start.month) == (day.year, day.month)
        return same if event.date_precision == "month" else start.year == day.year
    return (
        start <= day <= start + dt.timedelta(days=span)
        if span > 1
        else abs((start - day).days) <= 1
    )


class Tally:
    def __init__(self) -> None:
        self.n: Counter[str] = Counter()
        self.ok: Counter[str] = Counter()

    def add(self, measure: str, hit: bool) -> None:
        self.n[measure] += 1
        self.ok[measure] += hit

    def ratio(self, measure: str) -> float | None:
        return round(self.ok[measure] / self.n[measure], 3) if self.n[measure] else None


def score(rows: list[dict[str, Any]], show_misses: bool) -> dict[str, Any]:
    total, by_category = Tally(), defaultdict(Tally)
    refused = extra = 0
    for row in rows:
        label = row["label"]
        name = label["category"]
        try:
            article = read_article(_input(row)).article
        except InvalidArticle as exc:
            refused += 1
            events: list[ExtractedEvent] = []
            problems = [f"refused: {exc}"]
        else:
            events = extract_article(article)
            problems = []
        tallies = (total, by_category[name])
        if name == "none":
            quiet = not events
            for t in tallies:
                t.add("non_security_quiet", quiet)
            if not quiet:
                problems.append(f"event from a non-security item: {[e.category for e in events]}")
            _report(row, problems, show_misses)
            continue
        match = next((e for e in events if e.category in accepted(label)), None)
        if match is None and not events and "none" in accepted(label):
            for t in tallies:  # an annotator would also accept no event at all
                t.add("category", True)
            _report(row, problems, show_misses)
            continue
        for t in tallies:
            t.add("category", match is not None)
        if match is None:
            got = [e.category for e in events]
            problems.append(f"category {name} not among {got}")
            _report(row, problems, show_misses)
            continue
        extra += len(events) - 1
        hit_place = place_hit(label, match)
        hit_claim = match.claim_status == label.get("claim_status")
        hit_date = date_hit(label, match)
        for t in tallies:
            t.add("place", hit_place)
            if label.get("claim_status"):
                t.add("claim_status", hit_claim)
            if hit_date is not None:
                t.add("date", hit_date)
            if (
                name in {"missile_test", "space_launch"}
                and label.get("location_precision") == "site"
            ):
                t.add("launch_site", hit_place)
        got_place = match.location.name if match.location else None
        if not hit_place:
            problems.append(f"place {got_place!r} != {label.get('location_name')!r}")
        if label.get("claim_status") and not hit_claim:
            problems.append(f"claim {match.claim_status} != {label['claim_status']}")
        if hit_date is False:
            problems.append(
                f"date {match.event_date} ({match.date_precision}) != {label['event_date']}"
            )
        _report(row, problems, show_misses)
    measures = ["category", "place", "claim_status", "date", "launch_site", "non_security_quiet"]
    result: dict[str, Any] = {
        "items": len(rows),
        "refused": refused,
        "extra_events": extra,
        **{m: total.ratio(m) for m in measures},
        "counts": {m: total.n[m] for m in measures},
        "per_category": {
            c: {
                "items": sum(t.n[m] for m in ("category", "non_security_quiet")),
                **{m: t.ratio(m) for m in measures if t.n[m]},
            }
            for c, t in sorted(by_category.items())
        },
    }
    return result


def _input(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("id", "title", "text", "published", "source", "url")}


def _report(row: dict[str, Any], problems: list[str], show: bool) -> None:
    if show and problems:
        title = (row.get("title") or row.get("text") or "")[:70]
        print(
            f"  {row['id']} [{row['label']['category']}]: {title}\n     " + "\n     ".join(problems)
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=["realtext", "written"], default="realtext")
    parser.add_argument("--split", choices=["dev", "test", "all"], default=None)
    parser.add_argument("--verbose", action="store_true", help="list every miss on dev")
    parser.add_argument(
        "--show-test-misses", action="store_true", help="also list the test split's misses"
    )
    args = parser.parse_args()
    rows = load_realtext() if args.corpus == "realtext" else load_written()
    splits = [args.split] if args.split else ["dev", "test"]
    results = {}
    for split in splits:
        chosen = [r for r in rows if split == "all" or r["split"] == split]
        show = args.verbose and (split == "dev" or args.show_test_misses)
        if show:
            print(f"[{split}]")
        results[split] = score(chosen, show)
    keys = ["items", "refused", "category", "place", "claim_status", "date", "launch_site",
            "non_security_quiet", "extra_events"]  # fmt: skip
    print(f"{'measure':22}" + "".join(f"{s:>10}" for s in results) + f"{'target':>10}")
    for key in keys:
        cells = "".join(
            f"{'-' if results[s][key] is None else results[s][key]!s:>10}" for s in results
        )
        target = TARGETS.get(key)
        print(f"{key:22}{cells}{'' if target is None else f'≥{target}':>10}")
    for split, result in results.items():
        print(f"\n[{split}] per category")
        for category, figures in result["per_category"].items():
            shown = "  ".join(f"{k}={v}" for k, v in figures.items())
            print(f"  {category:18} {shown}")
    print(json.dumps({"corpus": args.corpus, **results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
