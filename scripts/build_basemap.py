"""Build the map page's offline base layer from Natural Earth (via the npm package world-atlas).

Natural Earth is public domain; world-atlas (ISC) redistributes its 1:50m Admin 0 countries,
version 4.1.0, as TopoJSON. This script decodes that topology, keeps the region the page shows,
and writes a small RFC 7946 FeatureCollection: one land polygon per country (with its name),
the coastline and the land borders as lines, clipped to the region and simplified.

    cd "$(mktemp -d)" && npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python scripts/build_basemap.py "$PWD/package/countries-50m.json"

Not run by the tests or at run time; the output is committed (app/web/static/basemap/).
Needs shapely (a dev dependency).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, box, mapping
from shapely.geometry.polygon import orient
from shapely.ops import linemerge, unary_union

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "app" / "web" / "static" / "basemap" / "korea-region-50m.geojson"
# lon/lat bounds of the region: the peninsula, its seas, Japan's west coast, north-east China
# and the Russian Far East around Vladivostok
REGION = (115.0, 28.0, 145.0, 46.0)
SIMPLIFY_DEGREES = 0.005  # about 500 m: below what the page's zoom levels can show
DECIMALS = 3  # about 100 m


def decode_arcs(topology: dict[str, Any]) -> list[list[tuple[float, float]]]:
    """The topology's arcs in degrees (delta-decoded and untransformed)."""
    scale_x, scale_y = topology["transform"]["scale"]
    shift_x, shift_y = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale_x + shift_x, y * scale_y + shift_y))
        arcs.append(points)
    return arcs


def ring(arcs: list[list[tuple[float, float]]], indexes: list[int]) -> list[tuple[float, float]]:
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> list[Polygon]:
    if geometry["type"] == "Polygon":
        parts = [geometry["arcs"]]
    elif geometry["type"] == "MultiPolygon":
        parts = geometry["arcs"]
    else:
        return []
    return [
        Polygon(ring(arcs, rings[0]), [ring(arcs, r) for r in rings[1:]]).buffer(0)
        for rings in parts
    ]


def arc_uses(geometries: list[dict[str, Any]]) -> Counter[int]:
    """How many countries each arc bounds: 1 = coastline, 2 = a land border."""
    uses: Counter[int] = Counter()
    for geometry in geometries:
        parts = [geometry["arcs"]] if geometry["type"] == "Polygon" else geometry.get("arcs", [])
        seen = {i if i >= 0 else ~i for rings in parts for r in rings for i in r}
        uses.update(seen)
    return uses


def rounded(geometry: dict[str, Any]) -> dict[str, Any]:
    def walk(value: Any) -> Any:
        if isinstance(value, float):
            return round(value, DECIMALS)
        return [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def counter_clockwise(land: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    """RFC 7946 winding: exterior rings counter-clockwise, holes clockwise."""
    if isinstance(land, MultiPolygon):
        return MultiPolygon([orient(part, sign=1.0) for part in land.geoms])
    return orient(land, sign=1.0)


def lines(arcs: list[list[tuple[float, float]]], indexes: list[int], region: Polygon) -> Any:
    merged = linemerge(MultiLineString([LineString(arcs[i]) for i in indexes]))
    clipped = merged.intersection(region).simplify(SIMPLIFY_DEGREES)
    return clipped


def build(topology: dict[str, Any]) -> dict[str, Any]:
    region = box(*REGION)
    arcs = decode_arcs(topology)
    countries = topology["objects"]["countries"]["geometries"]
    features = []
    for country in countries:
        land = unary_union(polygons(country, arcs)).intersection(region)
        land = land.simplify(SIMPLIFY_DEGREES, preserve_topology=True)
        if land.is_empty or land.area < 1e-4:
            continue
        if land.geom_type == "GeometryCollection":
            land = unary_union([g for g in land.geoms if g.geom_type.endswith("Polygon")])
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": "land", "name": country["properties"]["name"]},
                "geometry": rounded(mapping(counter_clockwise(land))),
            }
        )
    uses = arc_uses(countries)
    for kind, count in (("coastline", 1), ("border", 2)):
        indexes = [i for i, n in uses.items() if n == count]
        geometry = lines(arcs, indexes, region)
        features.append(
            {
                "type": "Feature",
                "properties": {"kind": kind},
                "geometry": rounded(mapping(geometry)),
            }
        )
    return {
        "type": "FeatureCollection",
        "bbox": list(REGION),
        "properties": {
            "source": "Natural Earth 1:50m Admin 0 countries, v4.1.0 (public domain), "
            "via the npm package world-atlas@2.0.2 (ISC)",
            "built_by": "scripts/build_basemap.py",
        },
        "features": features,
    }


def main(path: str) -> int:
    collection = build(json.loads(Path(path).read_text()))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(collection, separators=(",", ":"), ensure_ascii=False) + "\n")
    size = OUTPUT.stat().st_size
    print(
        json.dumps(
            {
                "output": str(OUTPUT.relative_to(ROOT)),
                "bytes": size,
                "features": len(collection["features"]),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
