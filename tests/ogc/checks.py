"""Assertions shared by the OGC tests: RFC 7946 validity plus what the validator cannot see."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from geojson_validator import validate_geometries, validate_structure
from loguru import logger

logger.disable("geojson_validator")

# The peninsula box: a swapped [lat, lon] (latitude ~125) falls outside it.
LON_RANGE = (124.0, 131.0)
LAT_RANGE = (37.0, 43.1)
CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON_CLASS = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


def assert_rfc7946(obj: dict[str, Any]) -> None:
    """A FeatureCollection or Feature that a real validator and our own rules accept."""
    assert isinstance(obj, dict), "pass parsed GeoJSON, never a string (it may be fetched)"
    structure = validate_structure(obj, check_crs=True)
    assert structure == {}, structure
    geometries = validate_geometries(obj)
    assert geometries["invalid"] == {}, geometries
    assert geometries["problematic"] == {}, geometries
    assert "crs" not in keys_anywhere(obj), "no `crs` member (RFC 7946 removed it)"
    features = obj["features"] if obj["type"] == "FeatureCollection" else [obj]
    assert isinstance(features, list)
    for feature in features:
        assert_feature_rules(feature)
    if obj["type"] == "FeatureCollection":
        ids = [f["id"] for f in features]
        assert len(ids) == len(set(ids)), "feature ids must be unique"
        key_sets = {frozenset(f["properties"]) for f in features}
        assert len(key_sets) <= 1, f"every feature must carry the same property keys: {key_sets}"


def assert_feature_rules(feature: dict[str, Any]) -> None:
    assert feature["type"] == "Feature"
    assert "crs" not in feature
    assert isinstance(feature["id"], str | int) and not isinstance(feature["id"], bool)
    assert isinstance(feature["properties"], dict)
    geometry = feature["geometry"]
    if geometry is None:
        return
    assert geometry["type"] == "Point"
    lon, lat = geometry["coordinates"]
    assert LON_RANGE[0] <= lon <= LON_RANGE[1], f"longitude {lon} out of the peninsula box"
    assert LAT_RANGE[0] <= lat <= LAT_RANGE[1], f"latitude {lat} out of the peninsula box"
    for number in (lon, lat):
        assert isinstance(number, float | int)
        assert decimals(number) <= 6, f"{number} has more than 6 decimals"


def keys_anywhere(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value).union(*(keys_anywhere(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys_anywhere(v) for v in value))
    return set()


def decimals(number: float) -> int:
    text = repr(float(number))
    return 0 if "e" in text else len(text.partition(".")[2].rstrip("0"))


def assert_links(links: Iterable[dict[str, Any]]) -> None:
    """/req/core/fc-rel-type, /req/core/f-links: rel, type and an absolute href on every link."""
    links = list(links)
    assert links
    for link in links:
        assert link.get("rel") and link.get("type"), link
        assert re.match(r"^https?://[^/]+/", link["href"]), f"href not absolute: {link}"


def rels(links: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for link in links:
        assert link["rel"] not in found or link["rel"] == "alternate", f"duplicate {link['rel']}"
        found[link["rel"]] = link
    return found
