"""The map page, the root document and the offline docs over HTTP: everything they load is
served here, from this origin, and `/` answers people with the map and programs with JSON."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from pydantic import ValidationError

from app.api.main import create_app
from app.core.config import Settings
from app.web.router import STATIC_DIR
from tests.support.live import live_server

BASEMAP = STATIC_DIR / "basemap" / "korea-region-50m.geojson"
BASEMAP_MAX_BYTES = 300_000
REGION = (115.0, 28.0, 145.0, 46.0)


class References(HTMLParser):
    """Every URL a page loads by itself: scripts, stylesheets, icons, images."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            if values.get("src"):
                self.urls.append(values["src"] or "")
            else:
                self.inline_scripts += 1
        elif tag == "link" and values.get("href") and values.get("rel") in {"stylesheet", "icon"}:
            self.urls.append(values["href"] or "")
        elif tag == "img" and values.get("src"):
            self.urls.append(values["src"] or "")


def references(html: str) -> References:
    parser = References()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("path", ["/", "/map"])
def test_the_page_loads_only_its_own_files(api: httpx.Client, path: str) -> None:
    response = api.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = references(response.text)
    assert page.inline_scripts == 0
    assert any("leaflet.js" in url for url in page.urls)
    for url in page.urls:
        if url.startswith("data:"):
            continue
        assert url.startswith("/"), f"{url} is not served by the service itself"
        assert api.get(url).status_code == 200, url
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe" not in csp
    assert "connect-src 'self'" in csp


def test_the_page_asks_only_the_public_api(api: httpx.Client) -> None:
    """Every path the page's script fetches is in the OpenAPI document (nothing private)."""
    script = api.get("/static/map/map.js").text
    public = set(api.get("/openapi.json").json()["paths"])
    asked = set(re.findall(r'"(/[a-z][a-z/-]*)', script))
    asked = {p.rstrip("/") for p in asked} - {""}
    assert asked, "no API path found in the script"
    for path in asked:
        assert path in public or f"{path}/{{event_id}}" in public, path


def test_root_answers_json_with_links_that_resolve(api: httpx.Client) -> None:
    response = api.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "Accept" in response.headers["vary"]
    links = {
        link["href"].removeprefix(str(api.base_url).rstrip("/")): link
        for link in response.json()["links"]
    }
    for required in ("/map", "/docs", "/redoc", "/ogc", "/healthz", "/metrics"):
        assert required in links, required
    for path in links:
        assert api.get(path).status_code == 200, path
    assert api.get("/", params={"f": "json"}).json()["links"] == response.json()["links"]


def test_docs_and_redoc_load_nothing_from_elsewhere(api: httpx.Client) -> None:
    for path, bundle in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        response = api.get(path)
        assert response.status_code == 200
        page = references(response.text)
        assert any(bundle in url for url in page.urls), (path, page.urls)
        for url in page.urls:
            assert not url.startswith(("http:", "https:", "//")), f"{path} loads {url}"
            assert api.get(url).status_code == 200, url
        assert "fonts.googleapis" not in response.text


def test_a_tile_server_adds_a_layer_and_is_allowed_by_the_csp(db: object) -> None:
    settings = Settings(
        map_tiles_url="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        map_tiles_attribution='Tiles "Example" <b>',
    )
    with live_server(create_app(settings)) as base:
        response = httpx.get(f"{base}/map")
    assert 'data-tiles-url="https://{s}.tiles.example.org/{z}/{x}/{y}.png"' in response.text
    assert 'data-tiles-attribution="Tiles &quot;Example&quot; &lt;b&gt;"' in response.text
    assert (
        "img-src 'self' data: https://*.tiles.example.org;"
        in response.headers["content-security-policy"]
    )


@pytest.mark.parametrize(
    "url", ["ftp://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org/tile.png"]
)
def test_a_tile_url_that_cannot_work_is_refused_at_start(url: str) -> None:
    with pytest.raises(ValidationError, match="map_tiles_url"):
        Settings(map_tiles_url=url)


def test_the_base_layer_is_small_valid_geojson_of_the_region() -> None:
    from geojson_validator import validate_geometries, validate_structure

    assert BASEMAP.stat().st_size <= BASEMAP_MAX_BYTES
    collection = json.loads(BASEMAP.read_text())
    assert validate_structure(collection) == {}
    assert validate_geometries(collection)["invalid"] == {}  # RFC 7946 winding included
    kinds = {f["properties"]["kind"] for f in collection["features"]}
    assert kinds == {"land", "coastline", "border"}
    names = {f["properties"].get("name") for f in collection["features"]}
    assert {"North Korea", "South Korea", "China", "Japan", "Russia"} <= names
    west, south, east, north = REGION

    def points(value: object) -> list[list[float]]:
        if isinstance(value, list) and value and isinstance(value[0], int | float):
            return [value]  # type: ignore[list-item]
        return [p for v in value for p in points(v)] if isinstance(value, list) else []

    for feature in collection["features"]:
        for lon, lat in points(feature["geometry"]["coordinates"]):
            assert west <= lon <= east and south <= lat <= north, (lon, lat)


def test_vendored_files_carry_their_licences() -> None:
    vendor = STATIC_DIR / "vendor"
    for library in vendor.iterdir():
        if library.is_dir():
            assert (library / "LICENSE").is_file(), library
            assert re.search(r"-\d+\.\d+\.\d+$", library.name), f"{library} has no pinned version"
    assert (STATIC_DIR / "basemap" / "LICENSE.world-atlas").is_file()
    readme = Path(STATIC_DIR / "README.md").read_text()
    assert "Natural Earth" in readme and "leaflet@1.9.4" in readme
