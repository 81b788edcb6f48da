"""Articles per second per core for extraction alone (no database, one process, one thread).

Texts are ~150-word news items built from the labelled set: each item padded with the sentences
of the next items of the same kind, so the mix of security and non-security articles stays that
of the set ("mixed"); a second run pads every item with security text only ("dense": about two
events per article, the worst case). Every article starts with empty per-sentence memos, so
repeated texts get no help from caching. The tables are compiled before timing.
Wall-clock rates are the headline; the rate per CPU-second of this process is printed too, as
on a shared machine the wall clock also counts the time spent waiting for a core.
Last, the benchmark feeds of scripts/feed_corpus.py are parsed with feedparser (the collector's
parser of record) and the same entries extracted: `extraction_over_feedparser` is extraction's
rate over feedparser's, both per CPU-second in this one run, so a busy machine moves both alike
(target >= 1.0: extracting an entry costs no more than parsing it).
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


def feed_entries_vs_feedparser(rounds: int, feeds: int = 20, entries: int = 50) -> dict[str, float]:
    """feedparser and extraction over the same entries, per CPU-second of this process: the
    benchmark feeds of scripts/feed_corpus.py (HTML teasers, as WordPress feeds carry them) are
    parsed, and what the collector stores of each entry (title, text, publish time) extracted."""
    import feedparser

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from feed_corpus import generate_corpus

    from app.collector.normalize import html_to_text, struct_to_utc

    bodies = generate_corpus(feeds, entries)
    parse_rates, extract_rates = [], []
    for _ in range(rounds):
        cpu_start = time.process_time()
        parsed = [feedparser.parse(body) for body in bodies]
        count = sum(len(p.entries) for p in parsed)
        parse_rates.append(count / (time.process_time() - cpu_start))
        articles = [
            ArticleInput(
                id=n,
                title=html_to_text(e.get("title")),
                text=html_to_text(e.get("summary")),
                published=struct_to_utc(e.get("published_parsed"))
                or dt.datetime(2026, 5, 26, tzinfo=dt.UTC),
            )
            for n, e in enumerate(entry for p in parsed for entry in p.entries)
        ]
        cpu_start = time.process_time()
        for article in articles:
            extract_article(article)
        extract_rates.append(len(articles) / (time.process_time() - cpu_start))
    parse_rate, extract_rate = statistics.median(parse_rates), statistics.median(extract_rates)
    return {
        "entries": feeds * entries,
        "feedparser_cpu_entries_per_second": round(parse_rate),
        "extraction_cpu_entries_per_second": round(extract_rate),
        "extraction_over_feedparser": round(extract_rate / parse_rate, 2),
    }


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
    versus = feed_entries_vs_feedparser(args.rounds)
    result["feed_entries"] = versus
    print(
        f"feed entries ({versus['entries']}, scripts/feed_corpus.py): feedparser "
        f"{versus['feedparser_cpu_entries_per_second']}/CPU-s, extraction "
        f"{versus['extraction_cpu_entries_per_second']}/CPU-s; extraction / feedparser = "
        f"{versus['extraction_over_feedparser']} (target >= 1.0)"
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
