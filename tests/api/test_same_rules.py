"""The same rules on every surface: each inconsistency a new user met has a test here.

/events, /hotspots, /threat-level, the OGC API and the exports share one parser and one query
layer (app/query) and one set of HTTP rules (app/api/rules.py)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from app.api.main import create_app
from app.core.categories import CATEGORIES
from app.core.models import WebhookSubscription
from app.notify.signing import new_secret
from tests.api.factories import DMZ, JONGJU, make_article, make_event, make_mention, make_source


@pytest.fixture
def stored(write: Session) -> dict[str, int]:
    source = make_source(write, name="KCNA Watch")
    article = make_article(
        write,
        source,
        title="Missile launch reported",
        summary="A launch from Jongju.",
        text="The Korean Central News Agency (KCNA) said the test succeeded.",
    )
    launch = make_event(
        write, category="missile_test", title="Missile launch from Jongju", severity=4, **JONGJU
    )
    make_mention(write, launch, article, sentence="A launch from Jongju.")
    border = make_event(write, category="border_maritime", title="DMZ incident", **DMZ)
    nowhere = make_event(write, category="cyber", title="Crypto theft", lat=None, lon=None)
    # a webhook subscription (id 1) for the admin API's GET paths
    write.add(WebhookSubscription(url="https://hooks.example.org/in", secret=new_secret()))
    write.commit()
    return {"launch": launch.id, "border": border.id, "nowhere": nowhere.id}  # type: ignore[dict-item]


def get_paths() -> list[str]:
    """Every GET endpoint of the service (from its OpenAPI document, /ogc/ and the /export
    layers included), path parameters filled with real values."""
    document = create_app().openapi()
    filled = {
        "{event_id}": "1",
        "{article_id}": "1",
        "{assessment_id}": "1",
        "{collectionId}": "events",
        "{featureId}": "1",
        "{subscription_id}": "1",
    }
    paths = []
    for path, item in document["paths"].items():
        if "get" in item:
            for placeholder, value in filled.items():
                path = path.replace(placeholder, value)
            paths.append(path)
    assert not [p for p in paths if "{" in p], "fill every path parameter"
    return sorted(paths)


GET_PATHS = get_paths()


@pytest.fixture
def reported(client: httpx.Client, admin: dict[str, str], stored: dict[str, int]) -> None:
    """The stored rows (ids from 1: the `db` fixture restarts them) and one weekly report."""
    period = {"from": "2026-05-21", "to": "2026-05-27"}
    assert client.post("/assessments", json=period, headers=admin).status_code in (200, 201)


def test_updated_since_is_applied_not_ignored(client: httpx.Client, stored: dict[str, int]) -> None:
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert client.get("/events", params={"updated_since": tomorrow}).json()["items"] == []
    changed = client.get("/events", params={"updated_since": "2026-01-01"}).json()
    # change order (oldest change first), not the timeline
    assert [e["id"] for e in changed["items"]] == sorted(stored.values())
    assert changed["resume"].startswith("http")
    items = client.get("/ogc/collections/events/items", params={"updated_since": tomorrow})
    assert items.json()["features"] == []
    export = client.get("/export/events.geojson", params={"updated_since": tomorrow})
    assert export.json()["features"] == []


def test_q_searches_article_text_too(client: httpx.Client, stored: dict[str, int]) -> None:
    found = client.get("/events", params={"q": "KCNA"}).json()["items"]
    assert [e["id"] for e in found] == [stored["launch"]]  # "KCNA" is only in the article text
    features = client.get("/ogc/collections/events/items", params={"q": "KCNA"}).json()
    assert [f["id"] for f in features["features"]] == [stored["launch"]]


@pytest.mark.parametrize(
    "path",
    [
        "/events",
        "/hotspots",
        "/ogc/collections/events/items",
        "/ogc/collections/hotspots/items",
        "/export/events.geojson",
        "/export/hotspots.geojson",
    ],
)
def test_an_unknown_category_is_a_400_listing_the_categories_everywhere(
    client: httpx.Client, db: Any, path: str
) -> None:
    response = client.get(path, params={"category": "nukes"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    detail = response.json()["detail"]
    assert "nukes" in detail and all(c in detail for c in CATEGORIES)


@pytest.mark.parametrize("path", GET_PATHS)
def test_an_unknown_parameter_is_a_400_everywhere(
    client: httpx.Client, reported: None, path: str
) -> None:
    response = client.get(path, params={"foo": "bar"})
    assert response.status_code == 400, (path, response.text)
    body = response.json()
    assert body["code"] == "UnknownParameter" and "foo" in body["detail"]


@pytest.mark.parametrize("path", GET_PATHS)
def test_every_get_has_an_etag_a_304_and_head(
    client: httpx.Client, reported: None, admin: dict[str, str], path: str
) -> None:
    if path.startswith("/admin"):  # the admin API's GETs follow the rules too, with the key
        client.headers.update(admin)
    full = client.get(path)
    if full.status_code == 503 and path == "/readyz":
        pytest.skip("readiness depends on the scheduler and migrations of this process")
    assert full.status_code == 200, (path, full.text)
    etag = full.headers["etag"]
    vary = [v.strip().lower() for v in full.headers.get("vary", "").split(",") if v.strip()]
    assert len(vary) == len(set(vary)), full.headers["vary"]
    held = client.get(path, headers={"If-None-Match": etag})
    assert held.status_code == 304 and held.content == b""
    head = client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == full.headers["content-type"]
    assert head.headers["etag"] == etag


def test_a_gzip_body_and_a_plain_body_never_share_a_strong_etag(
    client: httpx.Client, stored: dict[str, int]
) -> None:
    plain = client.get("/ogc/api", headers={"Accept-Encoding": "identity"})
    packed = client.get("/ogc/api", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"] != plain.headers["etag"]
    again = client.get(
        "/ogc/api", headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["etag"]}
    )
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    ["/events?format=geojson&", "/ogc/collections/events/items?", "/export/events.geojson?"],
)
def test_a_bbox_never_returns_an_event_without_a_place(
    client: httpx.Client, stored: dict[str, int], path: str
) -> None:
    whole_world = client.get(path + "bbox=-180,-90,180,90").json()
    ids = {f["id"] for f in whole_world["features"]}
    assert ids == {stored["launch"], stored["border"]}
    assert all(f["geometry"] is not None for f in whole_world["features"])
    events = client.get("/events", params={"bbox": "-180,-90,180,90"}).json()["items"]
    assert stored["nowhere"] not in {e["id"] for e in events}


def test_every_operation_id_is_hand_named_and_unique() -> None:
    """FastAPI's generated ids (`extract_extract_post`) carry underscores: none may remain."""
    document = create_app().openapi()
    ids = [op["operationId"] for item in document["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][A-Za-z0-9]*", i) for i in ids), ids


def test_the_events_openapi_parameters_are_the_ones_the_parser_reads() -> None:
    from app.api.routes.events import allowed_parameters
    from app.query.events import EVENT_FILTERS

    document = create_app().openapi()
    declared = document["paths"]["/events"]["get"]["parameters"]
    assert sorted(p["name"] for p in declared) == sorted(allowed_parameters())
    by_name = {p["name"]: p for p in declared}
    assert by_name["category"]["schema"]["items"]["enum"] == list(CATEGORIES)
    for spec in EVENT_FILTERS:
        assert by_name[spec.name]["description"] == spec.description


def test_the_hotspots_cache_keys_on_the_parsed_query(stored: dict[str, int]) -> None:
    """Two spellings of one request share one cached answer; another filter never does."""
    from app.core.config import Settings
    from tests.support.live import live_server

    app = create_app(Settings(response_cache_seconds=600))
    window = {"from": "2026-05-20", "to": "2026-05-28"}
    with live_server(app) as base, httpx.Client(base_url=base) as client:
        listed = client.get("/hotspots", params={**window, "category": "missile_test,cyber"})
        repeated = client.get(
            "/hotspots?from=2026-05-20&to=2026-05-28&category=missile_test&category=cyber"
        )
        assert listed.status_code == repeated.status_code == 200
        assert listed.headers["etag"] == repeated.headers["etag"]
        assert len(app.state.response_cache._entries) == 1
        other = {**window, "category": "missile_test,cyber", "min_intensity": 5}
        assert client.get("/hotspots", params=other).headers["etag"] != listed.headers["etag"]
        assert len(app.state.response_cache._entries) == 2
