"""OGC API - Features Part 1 (1.0.1) over real HTTP: core, geojson and oas30 requirements."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import httpx
import pytest
from openapi_spec_validator import validate as validate_openapi

from app.api.ogc import COLLECTIONS, CONFORMANCE_CLASSES
from tests.ogc.checks import CORE, GEOJSON_CLASS, assert_links, assert_rfc7946, rels
from tests.ogc.conftest import DEMO_EVENTS, OgcServer

OAS30 = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30"
OPENAPI_TYPE = "application/vnd.oai.openapi+json;version=3.0"
RFC3339_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
EVENT_COUNT = len(DEMO_EVENTS)
WITHOUT_POINT = [row for row in DEMO_EVENTS if row[5] is None]


def get(url: str, **params: Any) -> httpx.Response:
    return httpx.get(url, params=params or None, timeout=30)


def walk(url: str, **params: Any) -> list[dict[str, Any]]:
    """Every feature, following `next` links; checks each page on the way."""
    features: list[dict[str, Any]] = []
    response = get(url, **params)
    while True:
        assert response.status_code == 200, response.text
        page = response.json()
        assert_rfc7946(page)
        assert page["numberReturned"] == len(page["features"])
        features.extend(page["features"])
        following = rels(page["links"]).get("next")
        if following is None:
            return features
        response = get(following["href"])


def event_dates(features: list[dict[str, Any]]) -> list[str]:
    return [f["properties"]["event_date"] for f in features]


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """/req/core/query-param-invalid: 400 with OGC `code`/`description` in problem+json."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["code"] and body["description"]
    assert body["detail"] == body["description"]
    return body


# --- landing page, conformance, API definition ---------------------------------------------


@pytest.mark.parametrize("path", ["/ogc", "/ogc/"])
def test_req_core_root_success(server: OgcServer, path: str) -> None:
    response = get(server.base + path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["title"]
    assert_links(body["links"])
    links = rels(body["links"])
    assert links["service-desc"]["type"] == OPENAPI_TYPE
    assert links["service-doc"]["type"] == "text/html"
    assert links["conformance"]["href"] == f"{server.ogc}/conformance"
    assert links["data"]["href"] == f"{server.ogc}/collections"
    assert links["self"]["href"] == server.ogc
    for link in body["links"]:
        followed = get(link["href"])
        assert followed.status_code == 200, link
        assert followed.headers["content-type"].startswith(link["type"].split(";")[0]), link


def test_req_core_conformance_success(server: OgcServer) -> None:
    response = get(f"{server.ogc}/conformance")
    assert response.status_code == 200
    conforms = set(response.json()["conformsTo"])
    assert {CORE, GEOJSON_CLASS} <= conforms
    assert conforms == set(CONFORMANCE_CLASSES)
    # Part 3 only for what tests/ogc/test_queryables.py proves; no html, no CQL filtering.
    assert not any("/conf/html" in c or "/conf/filter" in c for c in conforms)
    assert {c for c in conforms if "features-3" in c} == {
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
        "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
    }


def test_req_oas30_oas_impl_api_is_a_valid_openapi_30_document(server: OgcServer) -> None:
    server.use_settings(ogc_limit_default=25, ogc_limit_max=250)
    response = get(f"{server.ogc}/api")
    assert response.status_code == 200
    assert response.headers["content-type"] == OPENAPI_TYPE
    document = response.json()
    assert document["openapi"].startswith("3.0.")
    validate_openapi(document)  # raises on any 3.1 construct or schema error
    assert OAS30 in get(f"{server.ogc}/conformance").json()["conformsTo"]
    assert document["servers"][0]["url"] == server.ogc
    limit = document["components"]["parameters"]["limit"]
    assert (limit["schema"]["default"], limit["schema"]["maximum"]) == (25, 250)
    assert {"/", "/conformance", "/api", "/collections"} <= set(document["paths"])
    for path in ("/collections/{collectionId}", "/collections/{collectionId}/items/{featureId}"):
        names = {p["name"] for p in resolve(document, document["paths"][path]["get"]["parameters"])}
        assert {"collectionId"} <= names
    assert "featureId" in {
        p["name"]
        for p in resolve(
            document,
            document["paths"]["/collections/{collectionId}/items/{featureId}"]["get"]["parameters"],
        )
    }


def test_every_declared_filter_is_served_and_every_served_filter_declared(
    server: OgcServer,
) -> None:
    """GDAL pushes `-where` equalities and QGIS reads queryables only from declared parameters."""
    document = get(f"{server.ogc}/api").json()
    for spec in COLLECTIONS.values():
        declared = resolve(
            document, document["paths"][f"/collections/{spec.id}/items"]["get"]["parameters"]
        )
        by_name = {p["name"]: p for p in declared}
        assert {"limit", "bbox", "datetime"} <= set(by_name)
        for name in ("limit", "bbox", "datetime", *(f.name for f in spec.filters)):
            parameter = by_name[name]
            assert (parameter["in"], parameter["style"], parameter["explode"]) == (
                "query",
                "form",
                False,
            )
            assert isinstance(parameter["schema"]["type"], str)
        filters = {name for name, p in by_name.items() if p.get("style") == "form"} - {
            "limit",
            "bbox",
            "datetime",
            "updated_since",
        }
        assert filters == {f.name for f in spec.filters}


def resolve(document: dict[str, Any], parameters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resolved = []
    for parameter in parameters:
        if "$ref" in parameter:
            name = parameter["$ref"].rsplit("/", 1)[-1]
            parameter = document["components"]["parameters"][name]
        resolved.append(parameter)
    return resolved


# --- collections ----------------------------------------------------------------------------


def test_req_core_fc_md_success_extents_contain_every_feature(
    server: OgcServer, demo: list[int]
) -> None:
    response = get(f"{server.ogc}/collections")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert_links(body["links"])
    assert rels(body["links"])["self"]["href"] == f"{server.ogc}/collections"
    listed = {c["id"]: c for c in body["collections"]}
    assert set(listed) == {"events", "hotspots"}
    for collection_id, entry in listed.items():
        assert_links(entry["links"])
        links = rels(entry["links"])
        assert links["items"]["type"] == "application/geo+json"
        assert links["items"]["href"] == f"{server.ogc}/collections/{collection_id}/items"
        assert entry["itemType"] == "feature"
        assert entry["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
        single = get(f"{server.ogc}/collections/{collection_id}").json()
        for key in ("id", "title", "description", "extent", "itemType"):
            assert single[key] == entry[key]
        west, south, east, north = entry["extent"]["spatial"]["bbox"][0]
        start, end = entry["extent"]["temporal"]["interval"][0]
        assert RFC3339_Z.match(start) and RFC3339_Z.match(end)
        features = walk(links["items"]["href"], limit=5)
        assert features
        points = [f["geometry"]["coordinates"] for f in features if f["geometry"]]
        assert all(west <= lon <= east and south <= lat <= north for lon, lat in points)
        assert min(lon for lon, _ in points) == pytest.approx(west, abs=1e-5)
        assert max(lat for _, lat in points) == pytest.approx(north, abs=1e-5)
    events_interval = listed["events"]["extent"]["temporal"]["interval"][0]
    assert events_interval == ["2026-05-02T00:00:00Z", "2026-05-27T23:59:59Z"]


def test_collections_of_an_empty_database_still_describe_an_extent(
    server: OgcServer, db: Any
) -> None:
    body = get(f"{server.ogc}/collections").json()
    for entry in body["collections"]:
        assert len(entry["extent"]["spatial"]["bbox"][0]) == 4
        assert entry["extent"]["temporal"]["interval"] == [[None, None]]
    page = get(f"{server.ogc}/collections/events/items").json()
    assert (page["numberMatched"], page["numberReturned"], page["features"]) == (0, 0, [])
    assert "next" not in rels(page["links"])


@pytest.mark.parametrize(
    "path", ["/collections/nope", "/collections/nope/items", "/collections/nope/items/1"]
)
def test_unknown_collection_is_404(server: OgcServer, path: str) -> None:
    assert problem(get(server.ogc + path), 404)["code"] == "NotFound"


# --- items ----------------------------------------------------------------------------------


@pytest.mark.parametrize("collection_id", ["events", "hotspots"])
def test_req_core_fc_response_and_geojson_validity(
    server: OgcServer, demo: list[int], collection_id: str
) -> None:
    response = get(f"{server.ogc}/collections/{collection_id}/items", limit=3)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    page = response.json()
    assert_rfc7946(page)
    assert page["numberReturned"] == len(page["features"]) == 3
    assert RFC3339_Z.match(page["timeStamp"])
    assert_links(page["links"])
    links = rels(page["links"])
    assert links["self"]["type"] == links["next"]["type"] == "application/geo+json"
    assert links["collection"]["href"] == f"{server.ogc}/collections/{collection_id}"
    assert "alternate" not in links, "no other encoding is served"
    assert "limit=3" in links["next"]["href"]
    everything = walk(f"{server.ogc}/collections/{collection_id}/items", limit=3)
    assert len(everything) == page["numberMatched"]
    assert_rfc7946({"type": "FeatureCollection", "features": everything})


def test_events_are_newest_first_and_every_event_is_served(
    server: OgcServer, demo: list[int]
) -> None:
    features = walk(f"{server.ogc}/collections/events/items")
    assert sorted(f["id"] for f in features) == sorted(demo)
    assert event_dates(features) == sorted(event_dates(features), reverse=True)
    unplaced = [f for f in features if f["geometry"] is None]
    assert len(unplaced) == len(WITHOUT_POINT)
    by_key = {f["properties"]["title"]: f for f in features}
    sohae = next(f for t, f in by_key.items() if "Sohae" in t)
    assert sohae["geometry"]["coordinates"] == [124.7057, 39.6596]  # [lon, lat]


def test_req_core_fc_limit_response_clamps_to_the_maximum(
    server: OgcServer, demo: list[int]
) -> None:
    server.use_settings(ogc_limit_default=2, ogc_limit_max=4)
    assert get(f"{server.ogc}/collections/events/items").json()["numberReturned"] == 2
    response = get(f"{server.ogc}/collections/events/items", limit=100000)
    assert response.status_code == 200
    page = response.json()
    assert page["numberReturned"] == 4 and page["numberMatched"] == EVENT_COUNT
    assert "limit=4" in rels(page["links"])["next"]["href"]
    assert len(walk(f"{server.ogc}/collections/events/items", limit=100000)) == EVENT_COUNT


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"limit": "0"}, "InvalidParameterValue"),
        ({"limit": "abc"}, "InvalidParameterValue"),
        ({"bbox": "1,2,3"}, "InvalidParameterValue"),
        ({"bbox": "124,43,131,37"}, "InvalidParameterValue"),
        ({"datetime": "garbage"}, "InvalidParameterValue"),
        ({"datetime": "2026-05-31T00:00:00Z/2026-05-01T00:00:00Z"}, "InvalidParameterValue"),
        ({"claim_status": "rumoured"}, "InvalidParameterValue"),
        ({"min_severity": "9"}, "InvalidParameterValue"),
        ({"cursor": "not-a-cursor"}, "InvalidParameterValue"),
        ({"foo": "bar"}, "UnknownParameter"),
        ({"min_intensity": "3"}, "UnknownParameter"),  # a hotspots filter, not an events one
    ],
)
def test_req_core_query_param_invalid_and_unknown_are_400_never_422(
    server: OgcServer, params: dict[str, str], code: str
) -> None:
    body = problem(get(f"{server.ogc}/collections/events/items", **params), 400)
    assert body["code"] == code


def test_hotspots_reject_event_filters(server: OgcServer) -> None:
    assert problem(get(f"{server.ogc}/collections/hotspots/items", claim_status="claimed"), 400)


def test_req_core_fc_bbox_response_events(server: OgcServer, demo: list[int]) -> None:
    box = (124.0, 39.0, 126.0, 40.5)  # Sohae, Sunan, Pyongyang
    features = walk(f"{server.ogc}/collections/events/items", bbox=",".join(map(str, box)))
    expected = {
        row[0]
        for row in DEMO_EVENTS
        # an event with no point is in no box (GDAL and QGIS would drop it anyway)
        if row[5] is not None and box[0] <= row[6] <= box[2] and box[1] <= row[5] <= box[3]
    }
    assert len(features) == len(expected)
    placed = [f for f in features if f["geometry"]]
    assert {f["properties"]["location_name"] for f in placed} == {
        "Sohae",
        "Pyongyang International Airport",
        "Pyongyang",
    }
    # An event without a place is in no box: what GDAL and QGIS show is what was matched.
    assert len(features) == len(placed)
    assert WITHOUT_POINT
    # Crossing the antimeridian far from Korea: nothing (not even the events with no point).
    crossing = walk(f"{server.ogc}/collections/events/items", bbox="170,-10,-170,10")
    assert crossing == []
    # A box crossing the antimeridian that wraps round to Korea includes it.
    wrapping = walk(f"{server.ogc}/collections/events/items", bbox="120,30,-170,45")
    assert len(wrapping) == EVENT_COUNT - len(WITHOUT_POINT)
    assert all(f["geometry"] is not None for f in wrapping)
    six = walk(f"{server.ogc}/collections/events/items", bbox="124,39,-10,126,40.5,10")
    assert sorted(f["id"] for f in six) == sorted(f["id"] for f in features)


@pytest.mark.parametrize(
    ("value", "first", "last"),
    [
        ("2026-05-15", "2026-05-15", "2026-05-15"),
        ("2026-05-15T12:00:00Z", "2026-05-15", "2026-05-15"),
        ("2026-05-09T00:00:00Z/2026-05-17T00:00:00Z", "2026-05-09", "2026-05-17"),
        ("2026-05-20T00:00:00Z/..", "2026-05-20", None),
        ("2026-05-20T00:00:00Z/", "2026-05-20", None),
        ("../2026-05-08T23:00:00Z", None, "2026-05-08"),
        ("/2026-05-08", None, "2026-05-08"),
    ],
)
def test_req_core_fc_time_response_events(
    server: OgcServer, demo: list[int], value: str, first: str | None, last: str | None
) -> None:
    features = walk(f"{server.ogc}/collections/events/items", datetime=value)
    expected = sorted(
        (
            row[2]
            for row in DEMO_EVENTS
            if (first is None or row[2] >= first) and (last is None or row[2] <= last)
        ),
        reverse=True,
    )
    assert event_dates(features) == expected
    assert features


def test_property_filters_on_events(server: OgcServer, demo: list[int]) -> None:
    missiles = walk(f"{server.ogc}/collections/events/items", category="missile_test")
    assert len(missiles) == sum(1 for row in DEMO_EVENTS if row[1] == "missile_test")
    assert {f["properties"]["category"] for f in missiles} == {"missile_test"}
    claimed = walk(f"{server.ogc}/collections/events/items", claim_status="claimed")
    assert len(claimed) == sum(1 for row in DEMO_EVENTS if row[8] == "claimed")
    severe = walk(
        f"{server.ogc}/collections/events/items", min_severity="4", category="missile_test"
    )
    assert {f["properties"]["severity"] >= 4 for f in severe} == {True}
    assert len(severe) == sum(1 for row in DEMO_EVENTS if row[1] == "missile_test" and row[7] >= 4)


def test_hotspots_bbox_datetime_and_filters_agree_with_the_unfiltered_layer(
    server: OgcServer, demo: list[int]
) -> None:
    url = f"{server.ogc}/collections/hotspots/items"
    everything = walk(url, limit=2)
    assert len(everything) >= 2
    assert [f["id"] for f in everything] == sorted(f["id"] for f in everything)
    box = (124.0, 39.0, 126.0, 40.5)
    inside = walk(url, bbox=",".join(map(str, box)))
    assert sorted(f["id"] for f in inside) == sorted(
        f["id"]
        for f in everything
        if box[0] <= f["geometry"]["coordinates"][0] <= box[2]
        and box[1] <= f["geometry"]["coordinates"][1] <= box[3]
    )
    assert inside
    start, end = "2026-05-14T00:00:00Z", "2026-05-21T00:00:00Z"
    during = walk(url, datetime=f"{start}/{end}")
    assert sorted(f["id"] for f in during) == sorted(
        f["id"]
        for f in everything
        if f["properties"]["first_seen"] <= end and f["properties"]["last_seen"] >= start
    )
    assert 0 < len(during) < len(everything)
    strong = walk(url, min_intensity="4")
    assert sorted(f["id"] for f in strong) == sorted(
        f["id"] for f in everything if f["properties"]["intensity"] >= 4
    )
    missiles = walk(url, category="missile_test")
    assert missiles and all("missile_test" in f["properties"]["categories"] for f in missiles)
    assert {f["id"] for f in missiles} <= {f["id"] for f in everything}


# --- single items ---------------------------------------------------------------------------


@pytest.mark.parametrize("collection_id", ["events", "hotspots"])
def test_req_core_f_success_single_item(
    server: OgcServer, demo: list[int], collection_id: str
) -> None:
    listed = walk(f"{server.ogc}/collections/{collection_id}/items")
    for wanted in listed[:3]:
        url = f"{server.ogc}/collections/{collection_id}/items/{wanted['id']}"
        response = get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/geo+json"
        feature = response.json()
        assert_rfc7946(feature)
        assert feature["id"] == wanted["id"]
        assert feature["properties"] == wanted["properties"]
        assert_links(feature["links"])
        links = rels(feature["links"])
        assert links["self"]["href"] == url
        assert links["collection"]["href"] == f"{server.ogc}/collections/{collection_id}"


@pytest.mark.parametrize("feature_id", ["999999", "abc", "0", "99999999999999999999999"])
def test_req_core_f_op_unknown_feature_is_404(
    server: OgcServer, demo: list[int], feature_id: str
) -> None:
    for collection_id in ("events", "hotspots"):
        url = f"{server.ogc}/collections/{collection_id}/items/{feature_id}"
        assert problem(get(url), 404)["code"] == "NotFound"


def test_ids_are_stable_across_requests(server: OgcServer, demo: list[int]) -> None:
    for collection_id in ("events", "hotspots"):
        first = walk(f"{server.ogc}/collections/{collection_id}/items")
        second = walk(f"{server.ogc}/collections/{collection_id}/items", limit=2)
        assert [(f["id"], f["properties"]) for f in first] == [
            (f["id"], f["properties"]) for f in second
        ]


# --- HTTP behaviour -------------------------------------------------------------------------


def resources(server: OgcServer, demo: list[int]) -> list[str]:
    return [
        server.ogc,
        f"{server.ogc}/",
        f"{server.ogc}/conformance",
        f"{server.ogc}/api",
        f"{server.ogc}/collections",
        f"{server.ogc}/collections/events",
        f"{server.ogc}/collections/events/items?limit=2",
        f"{server.ogc}/collections/events/items/{demo[0]}",
        f"{server.ogc}/collections/hotspots/items",
        f"{server.base}/export/events.geojson",
        f"{server.base}/export/hotspots.geojson",
    ]


def test_rec_core_head_answers_like_get_without_a_body(server: OgcServer, demo: list[int]) -> None:
    for url in [*resources(server, demo), f"{server.ogc}/collections/events/items?limit=0"]:
        got = httpx.get(url, headers={"Accept-Encoding": "identity"}, timeout=30)
        head = httpx.head(url, headers={"Accept-Encoding": "identity"}, timeout=30)
        assert head.status_code == got.status_code, url
        assert head.headers["content-type"] == got.headers["content-type"], url
        assert head.content == b""
        assert int(head.headers["content-length"]) == len(got.content), url


@pytest.mark.parametrize(
    "accept",
    [
        "*/*",
        "text/plain, application/json",
        "application/json",
        "text/html",
        "application/geo+json",
    ],
)
def test_no_406_whatever_the_accept_header(server: OgcServer, demo: list[int], accept: str) -> None:
    for url in resources(server, demo):
        assert httpx.get(url, headers={"Accept": accept}, timeout=30).status_code == 200, url


def test_links_honour_forwarded_headers(server: OgcServer, demo: list[int]) -> None:
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "gis.example.org"}
    page = httpx.get(f"{server.ogc}/collections/events/items?limit=2", headers=headers).json()
    for link in page["links"]:
        assert link["href"].startswith("https://gis.example.org/ogc/collections/events")
    api = httpx.get(f"{server.ogc}/api", headers=headers).json()
    assert api["servers"][0]["url"] == "https://gis.example.org/ogc"
    junk = httpx.get(f"{server.ogc}", headers={"X-Forwarded-Host": "a b/c"}).json()
    assert all(
        link["href"].startswith(server.base)
        for link in junk["links"]
        if "/docs" not in link["href"]
    )


def test_links_use_the_public_base_url_when_configured(server: OgcServer, demo: list[int]) -> None:
    server.use_settings(public_base_url="https://watchfloor.example.org/")
    headers = {"X-Forwarded-Host": "ignored.example.net"}
    body = httpx.get(f"{server.ogc}/collections", headers=headers).json()
    hrefs = [link["href"] for link in body["links"]]
    hrefs += [link["href"] for c in body["collections"] for link in c["links"]]
    assert hrefs and all(h.startswith("https://watchfloor.example.org/ogc/") for h in hrefs)


# --- plain GeoJSON exports ------------------------------------------------------------------


@pytest.mark.parametrize("collection_id", ["events", "hotspots"])
def test_export_is_one_valid_unpaged_feature_collection(
    server: OgcServer, demo: list[int], collection_id: str
) -> None:
    server.use_settings(ogc_limit_default=2, ogc_limit_max=2)
    response = get(f"{server.base}/export/{collection_id}.geojson")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    body = response.json()
    assert_rfc7946(body)
    paged = walk(f"{server.ogc}/collections/{collection_id}/items")
    assert sorted(f["id"] for f in body["features"]) == sorted(f["id"] for f in paged)
    assert body["numberMatched"] == body["numberReturned"] == len(paged)
    assert body["truncated"] is False
    assert "next" not in rels(body["links"])


def test_export_over_the_cap_keeps_the_newest_and_says_so(
    server: OgcServer, demo: list[int]
) -> None:
    server.use_settings(export_max_features=5)
    body = get(f"{server.base}/export/events.geojson").json()
    assert_rfc7946(body)
    assert (body["numberReturned"], body["numberMatched"], body["truncated"]) == (
        5,
        EVENT_COUNT,
        True,
    )
    newest = sorted((row[2] for row in DEMO_EVENTS), reverse=True)[:5]
    assert event_dates(body["features"]) == newest
    filtered = get(f"{server.base}/export/events.geojson", category="missile_test").json()
    assert {f["properties"]["category"] for f in filtered["features"]} == {"missile_test"}
    problem(get(f"{server.base}/export/events.geojson", limit="5"), 400)
    problem(get(f"{server.base}/export/nope.geojson"), 404)


def test_timestamps_are_utc_with_z(server: OgcServer, demo: list[int]) -> None:
    page = get(f"{server.ogc}/collections/events/items").json()
    stamp = dt.datetime.fromisoformat(page["timeStamp"].replace("Z", "+00:00"))
    assert abs(stamp - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)
    for feature in page["features"]:
        assert RFC3339_Z.match(feature["properties"]["first_reported_at"])


def test_f_parameter_accepts_only_the_encoding_served(server: OgcServer, demo: list[int]) -> None:
    assert get(f"{server.ogc}/collections/events/items", f="json").status_code == 200
    assert get(f"{server.ogc}/collections/events/items/{demo[0]}", f="geojson").status_code == 200
    assert problem(get(f"{server.ogc}/collections/events/items", f="html"), 400)
    assert problem(get(f"{server.ogc}/collections/events/items/{demo[0]}", foo="1"), 400)
