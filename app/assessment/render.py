"""Markdown and HTML renderings of a stored report body (the JSON is the source of truth).

HTML escapes every piece of text and URL; Markdown escapes the characters that would turn
article text into markup or links. Each sentence ends with the ids of its events.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

# Characters that would turn quoted article text into emphasis, links, HTML or tables.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|])")


def md(text: Any) -> str:
    return _MD_SPECIAL.sub(r"\\\1", str(text if text is not None else ""))


def _refs(ids: list[int]) -> str:
    if not ids:
        return ""
    return " [events " + ", ".join(f"#{i}" for i in ids) + "]"


def _md_url(url: str | None) -> str:
    # Angle brackets keep spaces and parentheses in URLs from breaking the link.
    if not url or not url.lower().startswith(("http://", "https://")):
        return "#"
    return f"<{url.replace('>', '%3E').replace('<', '%3C').replace(' ', '%20')}>"


def markdown_annex(annex: dict[str, Any], heading_level: str = "##") -> list[str]:
    lines = [f"{heading_level} Annex: collected articles by source", ""]
    if not annex["sources"]:
        lines += ["No articles were collected in this period.", ""]
    for group in annex["sources"]:
        lines += [f"{heading_level}# Source: {md(group['publisher'])}", ""]
        for art in group["articles"]:
            stamp = art["published_at"].replace("T", " ")[:16]
            lines.append(f"- [{md(art['title'])}]({_md_url(art['url'])}) ({stamp})")
            if art["teaser"]:
                lines += ["", f"  {md(art['teaser'])}"]
            lines.append("")
    if annex.get("truncated"):
        lines += [f"Only the newest {annex['article_count']} articles are listed.", ""]
    return lines


def _omitted(items: Any) -> list[tuple[str, int]]:
    """The report's events not on its map, as (text, event id)."""
    if not isinstance(items, list):  # reports stored before it listed them counted them
        return []
    return [
        (
            f"{item['title']} ({item['event_date']}"
            f"{', ' + item['location'] if item.get('location') else ''}): {item['reason']}",
            item["id"],
        )
        for item in items
    ]


def to_markdown(doc: dict[str, Any]) -> str:
    threat = doc["threat_level"]
    lines = [
        f"# {md(doc['title'])}",
        "",
        f"Analysis period: {doc['period']['from']} to {doc['period']['to']} (UTC), as known at "
        f"{doc.get('as_of') or doc['generated_at']}. "
        f"Threat level: **{threat['level']}** (score {threat['score']:g}/100, {threat['trend']}). "
        f"Methodology {md(doc['methodology_version'])}; generated {doc['generated_at']}.",
        "",
        "## Executive summary",
        "",
    ]
    for sentence in doc["executive_summary"]:
        lines += [f"{md(sentence['text'])}{_refs(sentence['event_ids'])}", ""]
    lines += ["## Threat level drivers", ""]
    if not threat["drivers"]:
        lines.append("No events weigh on the level in this period.")
    for d in threat["drivers"]:
        lines.append(
            f"- {md(d['title'])} ({d['event_date']}, {d['category']}, {d['claim_status']}): "
            f"{round(100 * d['share'])}% of the weight [events #{d['id']}]"
        )
    lines += ["", "## Key security developments", ""]
    for section in doc["key_developments"]:
        lines += [f"### {section['heading']}", ""]
        if not section["items"]:
            lines += ["No events recorded in this period.", ""]
            continue
        for item in section["items"]:
            lines.append(
                f"- **{md(item['title'])}** ({item['event_date']}, {item['claim_status']}, "
                f"{item['corroboration']} source{'s' if item['corroboration'] != 1 else ''}): "
                f"{md(item['text'])} [events #{item['id']}]"
            )
            for src in item["sources"]:
                lines.append(
                    f"  - {md(src['publisher'])}: [{md(src['title'])}]({_md_url(src['url'])}) "
                    f"({src['published_at']})"
                )
        if section["more_event_ids"]:
            lines.append(f"- Also recorded:{_refs(section['more_event_ids'])}")
        lines.append("")
    lines += ["## Hotspots", ""]
    if not doc["hotspots"]:
        lines.append("No located events in this period.")
    for h in doc["hotspots"]:
        lines.append(
            f"- **{md(h['label'])}** ({h['lat']}, {h['lng']}; intensity {h['intensity']}/5): "
            f"{md(h['detail'])}{_refs(h['event_ids'])}"
        )
    omitted = _omitted(doc.get("omitted_from_map"))
    if omitted:
        lines += ["", "Not on the map:", ""]
        lines += [f"- {md(text)}{_refs([event_id])}" for text, event_id in omitted]
    lines += ["", "## Indicators", ""]
    if not doc["indicators"]:
        lines.append("No indicators were computed for this period.")
    for ind in doc["indicators"]:
        lines.append(
            f"- **{md(ind['name'])}** ({ind['status']}): {md(ind['text'])}{_refs(ind['event_ids'])}"
        )
    lines += ["", "## Structured assessment", "", "```json"]
    lines += [json.dumps(doc["structured"], indent=1, ensure_ascii=False), "```", ""]
    lines += markdown_annex(doc["annex"])
    return "\n".join(lines).rstrip() + "\n"


def e(text: Any) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def _href(url: str | None) -> str:
    # Only web links become anchors: a javascript: URL from a feed must never be clickable.
    if url and url.lower().startswith(("http://", "https://")):
        return e(url)
    return "#"


def _html_refs(ids: list[int]) -> str:
    return f' <span class="refs">{e(_refs(ids).strip())}</span>' if ids else ""


def to_html(doc: dict[str, Any]) -> str:
    threat = doc["threat_level"]
    out = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(doc['title'])}</title></head><body>",
        f"<h1>{e(doc['title'])}</h1>",
        f"<p>Analysis period: {e(doc['period']['from'])} to {e(doc['period']['to'])} (UTC), as "
        f"known at {e(doc.get('as_of') or doc['generated_at'])}. "
        f"Threat level: <strong>{e(threat['level'])}</strong> (score {e(threat['score'])}/100, "
        f"{e(threat['trend'])}). Methodology {e(doc['methodology_version'])}.</p>",
        "<h2>Executive summary</h2>",
    ]
    out += [f"<p>{e(s['text'])}{_html_refs(s['event_ids'])}</p>" for s in doc["executive_summary"]]
    out.append("<h2>Threat level drivers</h2><ul>")
    for d in threat["drivers"]:
        out.append(
            f"<li>{e(d['title'])} ({e(d['event_date'])}, {e(d['category'])}, "
            f"{e(d['claim_status'])}): {round(100 * d['share'])}% of the weight"
            f"{_html_refs([d['id']])}</li>"
        )
    out.append("</ul><h2>Key security developments</h2>")
    for section in doc["key_developments"]:
        out.append(f"<h3>{e(section['heading'])}</h3>")
        if not section["items"]:
            out.append("<p>No events recorded in this period.</p>")
            continue
        out.append("<ul>")
        for item in section["items"]:
            sources = "".join(
                f'<li>{e(s["publisher"])}: <a href="{_href(s["url"])}">{e(s["title"])}</a> '
                f"({e(s['published_at'])})</li>"
                for s in item["sources"]
            )
            out.append(
                f"<li><strong>{e(item['title'])}</strong> ({e(item['event_date'])}, "
                f"{e(item['claim_status'])}): {e(item['text'])}{_html_refs([item['id']])}"
                f"{'<ul>' + sources + '</ul>' if sources else ''}</li>"
            )
        out.append("</ul>")
    out.append("<h2>Hotspots</h2><ul>")
    for h in doc["hotspots"]:
        out.append(
            f"<li><strong>{e(h['label'])}</strong> ({e(h['lat'])}, {e(h['lng'])}; intensity "
            f"{e(h['intensity'])}/5): {e(h['detail'])}{_html_refs(h['event_ids'])}</li>"
        )
    out.append("</ul>")
    omitted = _omitted(doc.get("omitted_from_map"))
    if omitted:
        out.append("<p>Not on the map:</p><ul>")
        out += [f"<li>{e(text)}{_html_refs([event_id])}</li>" for text, event_id in omitted]
        out.append("</ul>")
    out.append("<h2>Indicators</h2><ul>")
    for ind in doc["indicators"]:
        out.append(
            f"<li><strong>{e(ind['name'])}</strong> ({e(ind['status'])}): {e(ind['text'])}"
            f"{_html_refs(ind['event_ids'])}</li>"
        )
    out.append("</ul><h2>Structured assessment</h2>")
    out.append(f"<pre>{e(json.dumps(doc['structured'], indent=1, ensure_ascii=False))}</pre>")
    out.append("<h2>Annex: collected articles by source</h2>")
    for group in doc["annex"]["sources"]:
        out.append(f"<h3>Source: {e(group['publisher'])}</h3><ul>")
        for art in group["articles"]:
            out.append(
                f'<li><a href="{_href(art["url"])}">{e(art["title"])}</a> '
                f"({e(art['published_at'])})<br>{e(art['teaser'])}</li>"
            )
        out.append("</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
