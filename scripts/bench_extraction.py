"""Articles per second per core for extraction alone (no database, one process, one thread).

Texts are realistic ~150-word news items built from the dev set (each teaser padded with the
next items' sentences), cycled; the tables are compiled before timing. Prints the figures and,
last, one JSON line.

Usage: python scripts/bench_extraction.py [--articles N] [--rounds R]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.extraction import ArticleInput, extract_article  # noqa: E402
from app.extraction.lexicon import warm_up  # noqa: E402

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "extraction" / "data" / "devset.jsonl"


def corpus(target_words: int = 150) -> list[ArticleInput]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]
    texts = [r["text"] for r in rows]
    articles = []
    for i, row in enumerate(rows):
        words = row["text"].split()
        j = i + 1
        while len(words) < target_words:
            words += texts[j % len(texts)].split()
            j += 1
        published = dt.datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
        articles.append(
            ArticleInput(
                id=row["id"],
                title=row["title"],
                text=" ".join(words[: int(target_words * 1.1)]),
                published=published,
                source=row["source"] or "",
            )
        )
    return articles


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=5000, help="articles per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    warm_up()
    base = corpus()
    words = statistics.mean(len(a.title.split()) + len(a.text.split()) for a in base)
    batch = [base[i % len(base)] for i in range(args.articles)]
    for article in base:  # warm the per-sentence caches the way a long-running worker would
        extract_article(article)
    rates, events = [], 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        events = sum(len(extract_article(a)) for a in batch)
        rates.append(len(batch) / (time.perf_counter() - start))
    result = {
        "articles_per_second_per_core": round(statistics.median(rates)),
        "best": round(max(rates)),
        "worst": round(min(rates)),
        "mean_words_per_article": round(words),
        "articles_per_round": len(batch),
        "rounds": args.rounds,
        "events_per_round": events,
        "distinct_texts": len(base),
    }
    print(
        f"extraction: {result['articles_per_second_per_core']} articles/s per core "
        f"(median of {args.rounds} rounds of {len(batch)}; best {result['best']}, worst "
        f"{result['worst']}); ~{result['mean_words_per_article']} words/article"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
