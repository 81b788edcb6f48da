"""Paging: walking `next` links returns every feature exactly once, in a stable order,
even while new events arrive between pages (keyset paging, not offsets)."""

from __future__ import annotations

import httpx
import sqlalchemy as sa

from tests.ogc.checks import assert_rfc7946, rels
from tests.ogc.conftest import DEMO_EVENTS, OgcServer, insert_events


def test_next_links_return_every_event_once_while_events_arrive(
    server: OgcServer, db: sa.Engine, demo: list[int]
) -> None:
    url: str | None = f"{server.ogc}/collections/events/items?limit=3"
    seen: list[tuple[str, int]] = []
    arrivals: list[int] = []
    pages = 0
    while url is not None:
        page = httpx.get(url, timeout=30).json()
        assert_rfc7946(page)
        seen.extend((f["properties"]["event_date"], f["id"]) for f in page["features"])
        pages += 1
        # Between pages: a fresh event (dated today-ish: ahead of the cursor) and a late report
        # of an old event (behind the cursor), as the collector does while a client pages.
        arrivals += insert_events(
            db,
            [
                (
                    f"new{pages}",
                    "diplomacy",
                    "2026-06-01",
                    "seoul",
                    "Seoul",
                    37.566,
                    126.9784,
                    1,
                    "reported",
                ),
                (
                    f"late{pages}",
                    "artillery",
                    "2026-05-03",
                    "kaesong",
                    "Kaesong",
                    37.9708,
                    126.5544,
                    2,
                    "reported",
                ),
            ],
        )
        following = rels(page["links"]).get("next")
        url = following["href"] if following else None
    ids = [ident for _, ident in seen]
    assert len(ids) == len(set(ids)), "no feature may be served twice"
    assert set(demo) <= set(ids), "every feature present at the start is served"
    assert seen == sorted(seen, reverse=True), "stable order: event_date desc, id desc"
    assert pages > len(DEMO_EVENTS) // 3
    # Fresh events sort before the cursor: not served mid-walk. Late reports of old events
    # sort after it: served, once each.
    dates = [day for day, _ in seen]
    assert "2026-06-01" not in dates
    assert dates.count("2026-05-03") >= 1
    assert {ident for day, ident in seen if day == "2026-05-03"} <= set(arrivals)
    total = httpx.get(f"{server.ogc}/collections/events/items?limit=1", timeout=30).json()
    assert total["numberMatched"] == len(demo) + len(arrivals)


def test_hotspot_pages_cover_the_layer_once_in_id_order(server: OgcServer, demo: list[int]) -> None:
    url: str | None = f"{server.ogc}/collections/hotspots/items?limit=2"
    ids: list[str] = []
    matched: set[int] = set()
    while url is not None:
        page = httpx.get(url, timeout=30).json()
        assert_rfc7946(page)
        matched.add(page["numberMatched"])
        ids.extend(f["id"] for f in page["features"])
        following = rels(page["links"]).get("next")
        assert following is None or len(page["features"]) == 2
        url = following["href"] if following else None
    assert ids == sorted(set(ids))
    assert matched == {len(ids)}


def test_a_full_last_page_has_no_next_link(server: OgcServer, demo: list[int]) -> None:
    page = httpx.get(f"{server.ogc}/collections/events/items?limit={len(demo)}", timeout=30).json()
    assert page["numberReturned"] == page["numberMatched"] == len(demo)
    assert "next" not in rels(page["links"])
    one_short = httpx.get(
        f"{server.ogc}/collections/events/items?limit={len(demo) - 1}", timeout=30
    ).json()
    assert "next" in rels(one_short["links"])
