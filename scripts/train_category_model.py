"""Train app/extraction/data/category_model.json: the word statistics behind the extractor's
second opinion (app/extraction/fallback.py), from the `dev` split of the real-text corpus only.

Multinomial naive Bayes with Laplace smoothing over the words and word pairs of each item's
title and lede (`fallback.tokens`), the corpus's non-security stories as the class "none". Tokens
seen in fewer than MIN_DOCUMENTS items are dropped (they would only memorise the corpus).

Before writing, 5-fold cross-validation on dev reports what the second opinion would have done
for the items the rules find nothing in: how many of their events it names (and how many
wrongly), and how many non-security stories it would turn into events, at several thresholds.
Prints those figures and, last, one JSON line.

Usage: python scripts/train_category_model.py [--check]   (--check: report, write nothing)
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import eval_extraction  # noqa: E402

from app.extraction import extract_article  # noqa: E402
from app.extraction.fallback import NONE, Model, tokens  # noqa: E402
from app.extraction.inputs import read_article  # noqa: E402

OUT = ROOT / "app" / "extraction" / "data" / "category_model.json"
MIN_DOCUMENTS = 2
THRESHOLDS = (0.9, 0.95, 0.97, 0.99, 0.995, 0.999)
FOLDS = 5


def train(rows: list[dict[str, Any]], target: str = "category") -> dict[str, Any]:
    """The model's weights from `rows` (each with its `_tokens`), classes from label[target]."""
    classes = Counter(r["label"][target] for r in rows)
    documents: Counter[str] = Counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        documents.update(row["_tokens"])
        counts[row["label"][target]].update(row["_tokens"])
    vocabulary = {t for t, n in documents.items() if n >= MIN_DOCUMENTS}
    size = len(vocabulary)
    total = len(rows)
    likelihood, unseen = {}, {}
    for name in classes:
        mass = sum(n for t, n in counts[name].items() if t in vocabulary) + size
        unseen[name] = round(math.log(1 / mass), 4)
        likelihood[name] = {
            t: round(math.log((n + 1) / mass), 4)
            for t, n in sorted(counts[name].items())
            if t in vocabulary
        }
    return {
        "trained_on": f"tests/extraction/data/realtext dev split, {total} items",
        "log_prior": {c: round(math.log(n / total), 4) for c, n in sorted(classes.items())},
        "log_unseen": unseen,
        "log_likelihood": likelihood,
    }


def cross_validate(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    """For each threshold: on the held-out items the rules find nothing in, how many events the
    model names rightly or wrongly, and how many non-security stories it makes events of."""
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    result = {str(t): Counter() for t in THRESHOLDS}
    for fold in range(FOLDS):
        held = shuffled[fold::FOLDS]
        model = Model.from_json(train([r for i, r in enumerate(shuffled) if i % FOLDS != fold]))
        for row in held:
            if row["_rules_found"]:
                continue
            posterior = model.posterior(row["_tokens"])
            best = max(posterior, key=posterior.__getitem__)
            label = row["label"]
            for threshold in THRESHOLDS:
                tally = result[str(threshold)]
                fires = best != NONE and posterior[best] >= threshold
                if label["category"] == NONE:
                    tally["quiet_negatives"] += 1
                    tally["false_alarms"] += fires
                else:
                    tally["rule_misses"] += 1
                    if fires:
                        right = best in eval_extraction.accepted(label)
                        tally["named_right" if right else "named_wrong"] += 1
    return {t: dict(c) for t, c in result.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args()
    rows = [r for r in eval_extraction.load_realtext() if r["split"] == "dev"]
    for row in rows:
        row["_tokens"] = tokens(row.get("title") or "", row.get("text") or "")
        article = read_article(eval_extraction._input(row)).article
        row["_rules_found"] = bool(extract_article(article, second_opinion=False))
    figures = cross_validate(rows)
    for threshold, tally in figures.items():
        print(
            f"threshold {threshold}: of {tally.get('rule_misses', 0)} events the rules miss, "
            f"{tally.get('named_right', 0)} named right, {tally.get('named_wrong', 0)} wrong; "
            f"{tally.get('false_alarms', 0)} of {tally.get('quiet_negatives', 0)} "
            "non-security stories made events"
        )
    model = train(rows)
    if not args.check:
        OUT.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        print(
            f"wrote {OUT.relative_to(ROOT)}: {sum(map(len, model['log_likelihood'].values()))} weights"
        )
    print(json.dumps({"dev_items": len(rows), "cross_validation": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
