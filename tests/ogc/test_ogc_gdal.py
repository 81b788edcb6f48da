"""GDAL as a real client: ogrinfo/ogr2ogr (Debian's gdal-bin) against a live server.

Each command runs with a timeout and must exit 0 with no ERROR on stderr. The server's request
log shows what GDAL pushed to the server (paging, bbox, datetime, equality filters).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.ogc.checks import assert_rfc7946
from tests.ogc.conftest import DEMO_EVENTS, OgcServer

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(
        shutil.which("ogrinfo") is None,
        reason="ogrinfo not installed: apt-get install gdal-bin (scripts/test.sh does it)",
    ),
]

EVENT_COUNT = len(DEMO_EVENTS)


def gdal(*args: str) -> str:
    completed = subprocess.run(list(args), capture_output=True, text=True, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    assert "ERROR" not in completed.stderr, completed.stderr
    return completed.stdout


def feature_ids(output: str, layer: str) -> list[int]:
    return [int(fid) for fid in re.findall(rf"^OGRFeature\({layer}\):(\d+)$", output, re.M)]


def feature_count(output: str) -> int:
    match = re.search(r"^Feature Count: (\d+)$", output, re.M)
    assert match, output
    return int(match.group(1))


def field_values(output: str, name: str) -> list[str]:
    return re.findall(rf"^  {name} \(\w+\) = (.*)$", output, re.M)


def items_requests(server: OgcServer, layer: str) -> list[str]:
    return [r for r in server.requests if r.startswith(f"/ogc/collections/{layer}/items")]


def test_ogrinfo_opens_the_service_and_lists_both_layers(
    server: OgcServer, demo: list[int]
) -> None:
    output = gdal("ogrinfo", "-ro", f"OAPIF:{server.ogc}")
    assert "using driver `OAPIF' successful" in output
    assert re.search(r"^\d+: events \(title: Events\) \(Point\)$", output, re.M)
    assert re.search(r"^\d+: hotspots \(title: Hotspots\) \(Point\)$", output, re.M)
    # The collection URL form opens the one layer.
    single = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{server.ogc}/collections/events", "events")
    assert feature_count(single) == EVENT_COUNT


def test_page_size_2_reads_every_event_exactly_once(server: OgcServer, demo: list[int]) -> None:
    output = gdal("ogrinfo", "-ro", "-oo", "PAGE_SIZE=2", f"OAPIF:{server.ogc}", "events")
    assert feature_count(output) == EVENT_COUNT
    ids = feature_ids(output, "events")
    assert sorted(ids) == sorted(demo)  # integer ids become GDAL FIDs: each exactly once
    assert output.count("POINT (") == EVENT_COUNT - sum(1 for r in DEMO_EVENTS if r[5] is None)
    assert "POINT (124.7057 39.6596)" in output  # lon lat
    assert 'ID["EPSG",4326]' in output and "Data axis to CRS axis mapping: 2,1" in output
    assert "Extent: (124.705700, 37.666700) - (130.283100, 42.255600)" in output
    for field, kind in [
        ("event_date", "Date"),
        ("first_reported_at", "DateTime"),
        ("severity", "Integer"),
        ("confidence", "Real"),
        ("category", "String"),
    ]:
        assert re.search(rf"^{field}: {kind} ", output, re.M), field
    pages = [r for r in items_requests(server, "events") if "cursor=" in r]
    assert len(pages) >= EVENT_COUNT // 2 - 1 and all("limit=2" in r for r in pages)


def test_page_size_2_reads_every_hotspot_exactly_once(server: OgcServer, demo: list[int]) -> None:
    expected = httpx.get(f"{server.ogc}/collections/hotspots/items?limit=1").json()["numberMatched"]
    output = gdal("ogrinfo", "-ro", "-oo", "PAGE_SIZE=2", f"OAPIF:{server.ogc}", "hotspots")
    assert feature_count(output) == expected
    assert len(feature_ids(output, "hotspots")) == expected
    ids = field_values(output, "id")
    assert len(ids) == len(set(ids)) == expected  # string ids become a String field
    for field, kind in [("intensity", "Integer"), ("first_seen", "DateTime"), ("label", "String")]:
        assert re.search(rf"^{field}: {kind} ", output, re.M), field


def test_server_maximum_below_gdal_page_is_clamped_and_followed(
    server: OgcServer, demo: list[int]
) -> None:
    server.use_settings(ogc_limit_max=3)
    output = gdal("ogrinfo", "-ro", "-q", f"OAPIF:{server.ogc}", "events")
    assert sorted(feature_ids(output, "events")) == sorted(demo)


def test_spatial_filter_is_sent_as_bbox(server: OgcServer, demo: list[int]) -> None:
    output = gdal(
        "ogrinfo", "-ro", "-q", f"OAPIF:{server.ogc}", "events", "-spat", "124", "39", "126", "40.5"
    )
    assert any("bbox=124" in r for r in items_requests(server, "events"))
    names = set(field_values(output, "location_name"))
    assert names == {"Sohae", "Pyongyang International Airport", "Pyongyang"}
    inside = [
        r for r in DEMO_EVENTS if r[5] is not None and 124 <= r[6] <= 126 and 39 <= r[5] <= 40.5
    ]
    assert output.count("POINT (") == len(inside)


def test_date_filter_is_sent_as_datetime(server: OgcServer, demo: list[int]) -> None:
    output = gdal(
        "ogrinfo",
        "-ro",
        "-q",
        f"OAPIF:{server.ogc}",
        "events",
        "-where",
        "event_date >= '2026/05/20'",
    )
    assert any("datetime=2026-05-20" in r for r in items_requests(server, "events"))
    dates = field_values(output, "event_date")
    assert sorted(dates) == sorted(
        r[2].replace("-", "/") for r in DEMO_EVENTS if r[2] >= "2026-05-20"
    )
    closed = gdal(
        "ogrinfo",
        "-ro",
        "-q",
        f"OAPIF:{server.ogc}",
        "events",
        "-where",
        "event_date >= '2026/05/09' AND event_date <= '2026/05/17'",
    )
    expected = [r for r in DEMO_EVENTS if "2026-05-09" <= r[2] <= "2026-05-17"]
    assert len(feature_ids(closed, "events")) == len(expected)


def test_hotspot_time_filter_is_the_window(server: OgcServer, demo: list[int]) -> None:
    """GDAL turns a filter on first_seen into `datetime`: the hotspots of that window."""
    window = httpx.get(
        f"{server.ogc}/collections/hotspots/items", params={"datetime": "2026-05-20T00:00:00Z/.."}
    ).json()["features"]
    output = gdal(
        "ogrinfo",
        "-ro",
        "-q",
        f"OAPIF:{server.ogc}",
        "hotspots",
        "-where",
        "first_seen >= '2026/05/20 00:00:00'",
    )
    assert any("datetime=2026-05-20T00:00:00Z" in r for r in items_requests(server, "hotspots"))
    assert len(feature_ids(output, "hotspots")) == len(window) > 0


def test_equality_filter_is_pushed_to_the_server(server: OgcServer, demo: list[int]) -> None:
    output = gdal(
        "ogrinfo",
        "-ro",
        "-q",
        f"OAPIF:{server.ogc}",
        "events",
        "-where",
        "category = 'missile_test'",
    )
    assert any("category=missile_test" in r for r in items_requests(server, "events")), (
        server.requests
    )
    assert set(field_values(output, "category")) == {"missile_test"}
    assert len(feature_ids(output, "events")) == sum(
        1 for r in DEMO_EVENTS if r[1] == "missile_test"
    )


@pytest.mark.parametrize("layer", ["events", "hotspots"])
def test_plain_geojson_export_opens_with_the_geojson_driver(
    server: OgcServer, demo: list[int], layer: str
) -> None:
    expected = httpx.get(f"{server.ogc}/collections/{layer}/items?limit=1").json()["numberMatched"]
    output = gdal("ogrinfo", "-ro", "-so", "-al", f"{server.base}/export/{layer}.geojson")
    assert "using driver `GeoJSON' successful" in output
    assert feature_count(output) == expected


def test_ogr2ogr_round_trip_to_geopackage_and_rfc7946_geojson(
    server: OgcServer, demo: list[int], tmp_path: Path
) -> None:
    gpkg = tmp_path / "watchfloor.gpkg"
    gdal("ogr2ogr", "-f", "GPKG", str(gpkg), f"OAPIF:{server.ogc}", "events", "hotspots")
    hotspots = httpx.get(f"{server.ogc}/collections/hotspots/items?limit=1").json()["numberMatched"]
    assert feature_count(gdal("ogrinfo", "-ro", "-so", str(gpkg), "events")) == EVENT_COUNT
    assert feature_count(gdal("ogrinfo", "-ro", "-so", str(gpkg), "hotspots")) == hotspots
    out = tmp_path / "events.geojson"
    gdal(
        "ogr2ogr",
        "-preserve_fid",
        "-f",
        "GeoJSON",
        "-lco",
        "RFC7946=YES",
        str(out),
        f"OAPIF:{server.ogc}",
        "events",
    )
    document = json.loads(out.read_text())
    assert_rfc7946(document)
    assert sorted(f["id"] for f in document["features"]) == sorted(demo)
