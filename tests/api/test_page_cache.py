"""Event pages rendered once per data version: served again while it holds, never after a write.

/events and OGC `events/items` keep a rendered page under the data version its rows were read
at (app/api/routes/events.py, app/api/ogc/router.py). A write moves the version, so the next
request reads the new rows, and a client's validator from before the write gets a 200 with the
new ETag, not a 304.
"""

from __future__ import annotations

import datetime as dt

import httpx
from sqlmodel import Session

from tests.api.factories import make_event

PAGE = "/events?limit=10"
OGC_PAGE = "/ogc/collections/events/items?limit=10"
IDENTITY = {"Accept-Encoding": "identity"}


def titles(response: httpx.Response) -> list[str]:
    return [item["title"] for item in response.json()["items"]]


def test_a_repeated_page_is_served_from_the_cache_with_the_same_etag(
    client: httpx.Client, write: Session
) -> None:
    make_event(write, title="First")
    write.commit()
    first = client.get(PAGE, headers=IDENTITY)
    again = client.get(PAGE, headers=IDENTITY)
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    held = client.get(PAGE, headers={**IDENTITY, "If-None-Match": first.headers["etag"]})
    assert held.status_code == 304


def test_a_write_is_seen_by_the_next_request_and_a_held_etag_gets_a_200(
    client: httpx.Client, write: Session
) -> None:
    make_event(write, title="Before", event_date=dt.date(2026, 5, 1))
    write.commit()
    before = client.get(PAGE, headers=IDENTITY)
    assert titles(before) == ["Before"]
    make_event(write, title="After", event_date=dt.date(2026, 5, 2))
    write.commit()
    held = client.get(PAGE, headers={**IDENTITY, "If-None-Match": before.headers["etag"]})
    assert held.status_code == 200
    assert titles(held) == ["After", "Before"]
    assert held.headers["etag"] != before.headers["etag"]
    assert (
        client.get(PAGE, headers={**IDENTITY, "If-None-Match": held.headers["etag"]}).status_code
        == 304
    )


def test_an_edit_in_place_moves_the_page(client: httpx.Client, write: Session) -> None:
    event = make_event(write, title="Draft")
    write.commit()
    assert titles(client.get(PAGE)) == ["Draft"]
    event.title = "Edited"
    write.add(event)
    write.commit()
    assert titles(client.get(PAGE)) == ["Edited"]


def test_a_cached_page_is_gzipped_once_with_a_coded_etag(
    client: httpx.Client, write: Session
) -> None:
    for n in range(10):
        make_event(write, title=f"Event with a long enough title to pass the gzip floor {n}")
    write.commit()
    plain = client.get(PAGE, headers=IDENTITY)
    packed = client.get(PAGE, headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # httpx decodes
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    held = client.get(
        PAGE, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]}
    )
    assert held.status_code == 304


def test_the_ogc_page_follows_a_write_at_once(client: httpx.Client, write: Session) -> None:
    make_event(write, title="Before", event_date=dt.date(2026, 5, 1), lat=39.0, lon=125.7)
    write.commit()
    before = client.get(OGC_PAGE, headers=IDENTITY)
    assert before.json()["numberMatched"] == 1
    make_event(write, title="After", event_date=dt.date(2026, 5, 2), lat=39.0, lon=125.7)
    write.commit()
    after = client.get(OGC_PAGE, headers={**IDENTITY, "If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    body = after.json()
    assert body["numberMatched"] == 2
    assert [f["properties"]["title"] for f in body["features"]] == ["After", "Before"]


def test_an_ogc_item_is_served_again_and_follows_a_write_at_once(
    client: httpx.Client, write: Session
) -> None:
    event = make_event(write, title="Draft", lat=39.0, lon=125.7)
    write.commit()
    path = f"/ogc/collections/events/items/{event.id}"
    first = client.get(path, headers=IDENTITY)
    again = client.get(path, headers=IDENTITY)
    assert first.json()["properties"]["title"] == "Draft"
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]
    event.title = "Edited"
    write.add(event)
    write.commit()
    edited = client.get(path, headers={**IDENTITY, "If-None-Match": first.headers["etag"]})
    assert edited.status_code == 200 and edited.json()["properties"]["title"] == "Edited"
    write.delete(event)
    write.commit()
    assert client.get(path, headers=IDENTITY).status_code == 404


def test_an_ogc_item_outlives_writes_to_other_rows_but_not_to_its_own(
    client: httpx.Client, write: Session
) -> None:
    """An item is a function of its own row: another row's insert moves the data version but
    keeps the held body (the same bytes, a 304 for its ETag); an edit of the row does not."""
    event = make_event(write, title="Kept", lat=39.0, lon=125.7)
    write.commit()
    path = f"/ogc/collections/events/items/{event.id}"
    first = client.get(path, headers=IDENTITY)
    make_event(write, title="Other", lat=38.0, lon=125.0)
    write.commit()
    held = client.get(path, headers={**IDENTITY, "If-None-Match": first.headers["etag"]})
    assert held.status_code == 304 and held.headers["etag"] == first.headers["etag"]
    assert client.get(path, headers=IDENTITY).content == first.content
    event.title = "Changed"
    write.add(event)
    write.commit()
    changed = client.get(path, headers={**IDENTITY, "If-None-Match": first.headers["etag"]})
    assert changed.status_code == 200 and changed.json()["properties"]["title"] == "Changed"
    assert changed.headers["etag"] != first.headers["etag"]


def test_pages_without_the_cache(make_client, write: Session) -> None:  # type: ignore[no-untyped-def]
    for n in range(5):
        make_event(write, title=f"Event {n}")
    write.commit()
    with make_client(page_cache_bytes=0) as client:
        first = client.get(PAGE, headers=IDENTITY)
        again = client.get(PAGE, headers=IDENTITY)
        assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
