"""Train app/extraction/data/claim_model.json: the word statistics behind the claim-status second
opinion (app/extraction/fallback.py), from the `dev` split of the real-text corpus only.

The classes are the labelled claim statuses of dev's events (confirmed, reported, claimed); the
features are the words and word pairs of the title and lede plus the event's category
(`fallback.claim_tokens`); the model is the category model's multinomial naive Bayes
(scripts/train_category_model.py's `train`).

Before writing, 5-fold cross-validation on dev reports what the second opinion would have done
for the held-out events whose status no sourcing rule decided (the rules' default, "reported"):
how many the rules had right, and how many the model would have right, at several thresholds.
Prints those figures and, last, one JSON line.

Usage: python scripts/train_claim_model.py [--check]   (--check: report, write nothing)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import eval_extraction  # noqa: E402
from train_category_model import FOLDS, train  # noqa: E402

from app.extraction import extract_article  # noqa: E402
from app.extraction.claims import UNSOURCED  # noqa: E402
from app.extraction.fallback import Model, claim_tokens  # noqa: E402
from app.extraction.inputs import read_article  # noqa: E402

OUT = ROOT / "app" / "extraction" / "data" / "claim_model.json"
THRESHOLDS = (0.5, 0.9, 0.99, 0.999, 0.9999)


def labelled_events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """dev's events with a claim status, each with its features and whether the rules decided."""
    events = []
    for row in rows:
        label = row["label"]
        if label["category"] == "none" or not label.get("claim_status"):
            continue
        article = read_article(eval_extraction._input(row)).article
        found = extract_article(article, second_opinion=False)
        match = next((e for e in found if e.category in eval_extraction.accepted(label)), None)
        row["_tokens"] = claim_tokens(article.title, article.text, label["category"])
        row["_rule"] = match.claim_status if match else None
        row["_undecided"] = match is not None and match.reasons["claim_status"] == [UNSOURCED]
        events.append(row)
    return events


def cross_validate(rows: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    result = {str(t): Counter() for t in THRESHOLDS}
    for fold in range(FOLDS):
        held = shuffled[fold::FOLDS]
        model = Model.from_json(
            train([r for i, r in enumerate(shuffled) if i % FOLDS != fold], "claim_status")
        )
        for row in held:
            if not row["_undecided"]:
                continue
            posterior = model.posterior(row["_tokens"])
            best = max(posterior, key=posterior.__getitem__)
            gold = row["label"]["claim_status"]
            for threshold in THRESHOLDS:
                tally = result[str(threshold)]
                answer = best if posterior[best] >= threshold else row["_rule"]
                tally["undecided"] += 1
                tally["rules_right"] += row["_rule"] == gold
                tally["with_model_right"] += answer == gold
                tally["changed"] += answer != row["_rule"]
    return {t: dict(c) for t, c in result.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="report only, write nothing")
    args = parser.parse_args()
    dev = [r for r in eval_extraction.load_realtext() if r["split"] == "dev"]
    rows = labelled_events(dev)
    figures = cross_validate(rows)
    for threshold, tally in figures.items():
        print(
            f"threshold {threshold}: of {tally.get('undecided', 0)} held-out events no rule "
            f"decided, the rules' default had {tally.get('rules_right', 0)} right, with the "
            f"model {tally.get('with_model_right', 0)} ({tally.get('changed', 0)} changed)"
        )
    model = train(rows, "claim_status")
    model["trained_on"] = f"tests/extraction/data/realtext dev split, {len(rows)} events"
    if not args.check:
        OUT.write_text(json.dumps(model, separators=(",", ":"), sort_keys=True), encoding="utf-8")
        print(
            f"wrote {OUT.relative_to(ROOT)}: {sum(map(len, model['log_likelihood'].values()))} weights"
        )
    print(json.dumps({"dev_events": len(rows), "cross_validation": figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
