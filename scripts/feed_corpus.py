#!/usr/bin/env python3
"""A local corpus of Korea-security feeds for benchmarks: N feeds x M entries, served on loopback.

    python scripts/feed_corpus.py serve --feeds 100 --entries 50 [--port 0]
        prints "PORT <n>" once listening; feeds at http://127.0.0.1:<n>/feeds/<i>.xml
    python scripts/feed_corpus.py write --feeds 10 --entries 50 --out DIR

Entries are generated deterministically from templates across categories, places, actors and
publishers, with HTML teasers, categories and authors, like WordPress feeds. The server answers
conditional GETs (ETag / Last-Modified -> 304); GET /_control/validators/off makes it ignore
them (so re-polls exercise the body-hash path), /_control/validators/on restores them.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import email.utils
import hashlib
import random
import sys
import threading
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PUBLISHERS = [
    ("NK News", "https://www.nknews.org"),
    ("NK Pro", "https://www.nknews.org/pro"),
    ("38 North", "https://www.38north.org"),
    ("Daily NK", "https://www.dailynk.com/english"),
    ("KCNA Watch", "https://kcnawatch.org"),
    ("Yonhap", "https://en.yna.co.kr"),
    ("The Korea Times", "https://www.koreatimes.co.kr"),
    ("The Korea Herald", "https://www.koreaherald.com"),
    ("Beyond Parallel", "https://beyondparallel.csis.org"),
    ("The Diplomat", "https://thediplomat.com"),
    ("Arms Control Wonk", "https://www.armscontrolwonk.com"),
    ("JoongAng Daily", "https://koreajoongangdaily.joins.com"),
]
PLACES = [
    "Jongju",
    "Sohae",
    "Tongchang-ri",
    "Yongbyon",
    "Sinpo",
    "Wonsan",
    "Kalma",
    "Pyongyang",
    "Sunan",
    "Kaesong",
    "Panmunjom",
    "the DMZ",
    "the Yellow Sea",
    "the East Sea",
    "Hwangju",
    "Nampo",
    "Chongjin",
    "Rason",
    "Sinuiju",
    "Dandong",
    "Hyesan",
    "Jilin province",
    "Musan",
    "Punggye-ri",
    "Haeju",
    "Yeonpyeong Island",
    "Baengnyeong Island",
    "Vladivostok",
]
ACTORS = [
    "Kim Jong Un",
    "Kim Yo Jong",
    "Choe Son Hui",
    "the Korean People's Army",
    "South Korea's Joint Chiefs of Staff",
    "Japan's Ministry of Defense",
    "U.S. Forces Korea",
    "the Ministry of Unification",
    "China's foreign ministry",
    "Russia's defense ministry",
    "the UN Panel of Experts",
    "the Lazarus Group",
    "the Korean Central News Agency",
]
WEAPONS = [
    "short-range ballistic missile",
    "Hwasong-18 ICBM",
    "Hwasong-19 ICBM",
    "cruise missile",
    "hypersonic missile",
    "240mm multiple rocket launcher",
    "600mm super-large rocket launcher",
    "submarine-launched ballistic missile",
    "tactical ballistic missile",
    "reconnaissance satellite",
    "Haeil underwater drone",
    "loitering munition",
]
TITLES = {
    "missile_test": [
        "North Korea fires {weapon} toward {place}: JCS",
        "Pyongyang tests {weapon} from {place}, Seoul says",
        "{actor} oversees launch of new {weapon} near {place}",
        "Japan protests after North Korean {weapon} lands off {place}",
    ],
    "artillery": [
        "North Korea fires artillery rounds near {place} in live-fire drill",
        "{actor} guides firing contest of {weapon} units near {place}",
    ],
    "nuclear": [
        "Satellite imagery shows new activity at {place} nuclear complex",
        "{actor} calls for exponential growth of nuclear arsenal during {place} visit",
        "IAEA reports signs of reactor operations at {place}",
    ],
    "space_launch": [
        "North Korea readies {place} for next reconnaissance satellite launch",
        "Engine test spotted at {place} ahead of possible satellite launch",
    ],
    "military_exercise": [
        "South Korea and US begin combined drills near {place}",
        "Trilateral air exercise held as {actor} warns of response",
        "North Korean troops stage river-crossing exercise near {place}",
    ],
    "diplomacy": [
        "{actor} meets Russian delegation in {place}",
        "China and North Korea pledge closer ties as {actor} visits {place}",
        "Seoul proposes talks; {actor} dismisses offer as 'daydream'",
    ],
    "sanctions": [
        "US sanctions ship-to-ship transfers off {place}",
        "UN monitors report sanctions evasion through {place} ports",
        "Treasury designates network laundering funds via {place}",
    ],
    "arms_transfer": [
        "Cargo ships shuttle North Korean munitions from {place} to Russia",
        "Ukraine recovers North Korean {weapon} debris near the front",
    ],
    "border_maritime": [
        "Chinese border patrols tighten checks along {place} frontier",
        "North Korean soldiers cross military demarcation line near {place}, retreat after warning shots",
        "Coast guard seizes fishing boat near {place}",
    ],
    "cyber": [
        "{actor} linked to $100 million crypto heist, investigators say",
        "North Korean IT workers used fake identities to land remote jobs, report says",
        "Phishing campaign targets defense researchers in {place}",
    ],
    "domestic": [
        "North Korea holds plenary meeting on agricultural production",
        "State media promotes new housing project in {place}",
        "Flood damage reported in {place} after heavy rain",
    ],
    "humanitarian": [
        "Aid groups warn of food shortages in {place}",
        "Families of detainees urge release of South Koreans held in North",
    ],
}
TEASERS = [
    "{actor} said the {weapon} flew about {km} km before falling into waters off {place}, "
    "according to officials who briefed reporters on {day}.",
    "The move comes {n} days after {actor} warned of 'overwhelming countermeasures' against "
    "drills near {place}, state media reported.",
    "Analysts said the activity near {place} suggests preparations that could take weeks, "
    "though {actor} has not confirmed any plans.",
    "Officials in Seoul said they were analysing the {weapon} launch from {place} with US and "
    "Japanese counterparts, and urged Pyongyang to stop provocations.",
    "Imagery reviewed by analysts shows vehicles and new construction at {place} since {day}, "
    "consistent with a {weapon} program.",
]


def generate_feed(index: int, entries: int, *, now: dt.datetime | None = None) -> bytes:
    """One RSS 2.0 document, deterministic for (index, entries)."""
    rng = random.Random(index * 7919 + entries)
    name, base = PUBLISHERS[index % len(PUBLISHERS)]
    now = now or dt.datetime(2026, 5, 28, 12, tzinfo=dt.UTC)
    items = []
    for n in range(entries):
        category = rng.choice(list(TITLES))
        words = {
            "weapon": rng.choice(WEAPONS),
            "place": rng.choice(PLACES),
            "actor": rng.choice(ACTORS),
            "km": rng.randint(50, 1200),
            "n": rng.randint(2, 20),
            "day": rng.choice(["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]),
        }
        title = rng.choice(TITLES[category]).format(**words)
        teaser = " ".join(rng.choice(TEASERS).format(**words) for _ in range(rng.randint(2, 4)))
        published = now - dt.timedelta(minutes=37 * n + rng.randint(0, 30))
        slug = f"{index}-{n}-" + "-".join(title.lower().split()[:6]).replace("'", "").replace(
            ":", ""
        )
        link = f"{base}/{published:%Y/%m}/{escape(slug)}/?utm_source=rss&amp;utm_medium=rss"
        html = (
            f'<p>{escape(teaser)}</p><p>The post <a href="{base}/{published:%Y/%m}/{escape(slug)}/">'
            f"{escape(title)}</a> appeared first on {escape(name)}.</p>"
        )
        items.append(
            "<item>"
            f"<title>{escape(title)}</title>"
            f"<link>{link}</link>"
            f"<dc:creator><![CDATA[{rng.choice(['Staff', 'Desk', 'Correspondent'])} {index % 17}]]></dc:creator>"
            f"<pubDate>{email.utils.format_datetime(published, usegmt=True)}</pubDate>"
            f"<category><![CDATA[{category.replace('_', ' ').title()}]]></category>"
            f"<category><![CDATA[{words['place']}]]></category>"
            f'<guid isPermaLink="false">{base}/?p={index * 100000 + n}</guid>'
            f"<description><![CDATA[{html}]]></description>"
            "</item>"
        )
    document = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:atom="http://www.w3.org/2005/Atom">\n<channel>'
        f"<title>{escape(name)} feed {index}</title><link>{base}/</link>"
        f"<description>{escape(name)}: North Korea and Korean Peninsula security</description>"
        f"<language>en-US</language><lastBuildDate>{email.utils.format_datetime(now, usegmt=True)}"
        "</lastBuildDate>\n" + "\n".join(items) + "\n</channel></rss>\n"
    )
    return document.encode("utf-8")


def generate_corpus(feeds: int, entries: int) -> list[bytes]:
    return [generate_feed(i, entries) for i in range(feeds)]


class CorpusServer:
    """Serves /feeds/<i>.xml with validators; threaded, HTTP/1.1 keep-alive."""

    def __init__(self, bodies: list[bytes], host: str = "127.0.0.1", port: int = 0) -> None:
        self.bodies = bodies
        self.etags = [f'"{hashlib.sha1(b).hexdigest()[:16]}"' for b in bodies]
        self.last_modified = "Thu, 28 May 2026 12:00:00 GMT"
        self.validators = True
        self.requests = 0
        self.httpd = ThreadingHTTPServer((host, port), self._handler())
        self.httpd.daemon_threads = True
        self.httpd.request_queue_size = 1024
        self.port = self.httpd.server_address[1]

    def url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.port}/feeds/{index}.xml"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        corpus = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                corpus.requests += 1
                if self.path.startswith("/_control/validators/"):
                    corpus.validators = self.path.endswith("/on")
                    return self._reply(200, b"ok", {})
                try:
                    index = int(self.path.removeprefix("/feeds/").removesuffix(".xml"))
                    body, etag = corpus.bodies[index], corpus.etags[index]
                except (ValueError, IndexError):
                    return self._reply(404, b"not found", {})
                headers = {"Content-Type": "application/rss+xml; charset=UTF-8"}
                if corpus.validators:
                    headers |= {"ETag": etag, "Last-Modified": corpus.last_modified}
                    if self.headers.get("If-None-Match") == etag:
                        return self._reply(304, b"", headers)
                self._reply(200, body, headers)

            def _reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

        return Handler

    def serve_in_thread(self) -> threading.Thread:
        thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        thread.start()
        return thread


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve")
    serve.add_argument("--feeds", type=int, default=100)
    serve.add_argument("--entries", type=int, default=50)
    serve.add_argument("--port", type=int, default=0)
    write = sub.add_parser("write")
    write.add_argument("--feeds", type=int, default=10)
    write.add_argument("--entries", type=int, default=50)
    write.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.command == "write":
        args.out.mkdir(parents=True, exist_ok=True)
        for i, body in enumerate(generate_corpus(args.feeds, args.entries)):
            (args.out / f"{i}.xml").write_bytes(body)
        print(f"wrote {args.feeds} feeds to {args.out}")
        return 0
    server = CorpusServer(generate_corpus(args.feeds, args.entries), port=args.port)
    print(f"PORT {server.port}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.httpd.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
