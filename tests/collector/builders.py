"""Feed documents for tests: RSS 2.0, RSS 1.0 (RDF) and Atom, from simple item dicts."""

from __future__ import annotations

import datetime as dt
import email.utils
from html import escape
from typing import Any

BASE_TIME = dt.datetime(2026, 5, 26, 4, 30, tzinfo=dt.UTC)


def item(n: int, *, host: str = "example.org", **overrides: Any) -> dict[str, Any]:
    data = {
        "title": f"North Korea story {n}",
        "link": f"https://{host}/2026/05/story-{n}/",
        "guid": f"https://{host}/?p={n}",
        "summary": f"Teaser of story {n} about the Korean Peninsula.",
        "published": BASE_TIME - dt.timedelta(hours=n),
    }
    data.update(overrides)
    return data


def rss2(items: list[dict[str, Any]], *, title: str = "Test feed", extra: str = "") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0"><channel>',
        f"<title>{escape(title)}</title><link>https://example.org/</link>",
        "<description>test</description>",
        extra,
    ]
    for it in items:
        parts.append("<item>")
        if it.get("title") is not None:
            parts.append(f"<title>{escape(it['title'])}</title>")
        if it.get("link"):
            parts.append(f"<link>{escape(it['link'])}</link>")
        if it.get("guid"):
            parts.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if it.get("published") is not None:
            when = it["published"]
            text = when if isinstance(when, str) else email.utils.format_datetime(when, True)
            parts.append(f"<pubDate>{text}</pubDate>")
        if it.get("summary") is not None:
            parts.append(f"<description>{escape(it['summary'])}</description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def atom(items: list[dict[str, Any]], *, title: str = "Test Atom feed") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"<title>{escape(title)}</title><id>urn:test:feed</id>",
        "<updated>2026-05-26T00:00:00Z</updated>",
    ]
    for it in items:
        parts.append("<entry>")
        parts.append(f"<title>{escape(it['title'])}</title>")
        parts.append(f"<id>{escape(it['guid'])}</id>")
        parts.append(f'<link rel="alternate" href="{escape(it["link"])}"/>')
        stamp = it["published"].isoformat().replace("+00:00", "Z")
        parts.append(f"<published>{stamp}</published><updated>{stamp}</updated>")
        parts.append(f'<summary type="html">{escape(it["summary"])}</summary>')
        parts.append("</entry>")
    parts.append("</feed>")
    return "\n".join(parts).encode("utf-8")


def rss1(items: list[dict[str, Any]], *, title: str = "Test RDF feed") -> bytes:
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        f'<channel rdf:about="https://example.org/"><title>{escape(title)}</title>',
        "<link>https://example.org/</link><description>test</description></channel>",
    ]
    for it in items:
        parts.append(f'<item rdf:about="{escape(it["link"])}">')
        parts.append(f"<title>{escape(it['title'])}</title><link>{escape(it['link'])}</link>")
        parts.append(f"<description>{escape(it['summary'])}</description>")
        parts.append(f"<dc:date>{it['published'].isoformat()}</dc:date>")
        parts.append("</item>")
    parts.append("</rdf:RDF>")
    return "\n".join(parts).encode("utf-8")


# Hostile documents shared by the hostile-feed tests and scripts/hostile_report.py.
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><title>bomb</title>
<item><title>&lol9;</title><link>https://example.org/bomb</link><description>&lol9;</description></item>
</channel></rss>"""


def xxe_document(target: str) -> bytes:
    """A feed whose entity reads `target` (a file or URL) if a parser ever resolves it."""
    return f"""<?xml version="1.0"?>
<!DOCTYPE rss [ <!ENTITY xxe SYSTEM "{target}"> ]>
<rss version="2.0"><channel><title>xxe</title>
<item><title>leak &xxe;</title><link>https://example.org/xxe</link>
<description>&xxe;</description></item></channel></rss>""".encode()
