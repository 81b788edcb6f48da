"""`source`: added as one entry of app/query/events.py's EVENT_FILTERS, served by /events, the
OGC events items, the export, both OpenAPI documents and the cache keys without another edit."""

from __future__ import annotations

import httpx
from sqlmodel import Session

from tests.api.factories import JONGJU, make_article, make_event, make_mention, make_source


def test_source_filters_every_event_surface(client: httpx.Client, write: Session) -> None:
    yonhap, kcna = make_source(write, name="Yonhap"), make_source(write, name="KCNA Watch")
    launch = make_event(write, category="missile_test", **JONGJU)
    talks = make_event(write, category="diplomacy")
    make_mention(write, launch, make_article(write, yonhap))
    make_mention(write, launch, make_article(write, kcna))
    make_mention(write, talks, make_article(write, kcna))
    write.commit()

    def ids(path: str, **params: str) -> list[int]:
        body = client.get(path, params=params).json()
        return sorted(item["id"] for item in body.get("items", body.get("features", [])))

    assert ids("/events", source="Yonhap") == [launch.id]
    assert ids("/events", source="KCNA Watch") == sorted([launch.id, talks.id])
    assert ids("/events", source="Yonhap,Nobody") == [launch.id]
    assert ids("/events", source="Nobody") == []
    assert ids("/ogc/collections/events/items", source="Yonhap") == [launch.id]
    assert ids("/export/events.geojson", source="Yonhap") == [launch.id]
    for document, where in (("/openapi.json", "/events"), ("/ogc/api", None)):
        text = client.get(document).text
        assert '"source"' in text, (document, where)
    assert client.get("/events", params={"source": "\x01"}).status_code == 400
