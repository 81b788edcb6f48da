"""Articles per second per core for extraction alone (no database, one process, one thread).

Texts are ~150-word news items built from the labelled set: each item padded with the sentences
of the next items of the same kind, so the mix of security and non-security articles stays that
of the set ("mixed"); a second run pads every item with security text only ("dense": about two
events per article, the worst case). Every article starts with empty per-sentence memos, so
repeated texts get no help from caching. The tables are compiled before timing.
Wall-clock rates are the headline; the rate per CPU-second of this process is printed too, as
on a shared machine the wall clock also counts the time spent waiting for a core.
Prints the figures and, last, one JSON line.

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

from app.extraction import ArticleInput, extract_article
from app.extraction.lexicon import warm_up

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "extraction" / "data" / "devset.jsonl"


def corpus(target_words: int = 150, *, dense: bool = False) -> list[ArticleInput]:
    rows = [json.loads(line) for line in DEVSET.read_text(encoding="utf-8").splitlines() if line]
    articles = []
    for i, row in enumerate(rows):
        kind = True if dense else bool(row["expected"])
        pool = [r["text"] for r in rows if bool(r["expected"]) == kind]
        words = row["text"].split()
        j = i + 1
        while len(words) < target_words:
            words += pool[j % len(pool)].split()
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
    result: dict[str, object] = {"rounds": args.rounds, "articles_per_round": args.articles}
    for name, dense in (("mixed", False), ("dense", True)):
        base = corpus(dense=dense)
        words = statistics.mean(len(a.title.split()) + len(a.text.split()) for a in base)
        batch = [base[i % len(base)] for i in range(args.articles)]
        rates, cpu_rates, events = [], [], 0
        for _ in range(args.rounds):
            start, cpu_start = time.perf_counter(), time.process_time()
            events = sum(len(extract_article(a)) for a in batch)
            rates.append(len(batch) / (time.perf_counter() - start))
            # CPU time of this process: on a shared machine, waiting for a core does not count
            cpu_rates.append(len(batch) / (time.process_time() - cpu_start))
        rate = round(statistics.median(rates))
        result[name] = {
            "articles_per_second_per_core": rate,
            "best": round(max(rates)),
            "worst": round(min(rates)),
            "cpu_time_articles_per_second": round(statistics.median(cpu_rates)),
            "mean_words_per_article": round(words),
            "events_per_article": round(events / len(batch), 2),
        }
        print(
            f"{name:5}: {rate} articles/s per core (median of {args.rounds} rounds of "
            f"{len(batch)}; best {round(max(rates))}, worst {round(min(rates))}; "
            f"{round(statistics.median(cpu_rates))} per CPU-second); "
            f"~{round(words)} words and {events / len(batch):.2f} events per article"
        )
    result["articles_per_second_per_core"] = result["mixed"]["articles_per_second_per_core"]  # type: ignore[index]
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
