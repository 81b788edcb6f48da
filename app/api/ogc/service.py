"""The OGC API documents, built without any web framework (the router only adapts HTTP).

Each function returns the JSON body; errors are OGCError. Conformance: Part 1 1.0.1 `core`,
`geojson` and `oas30` (/ogc/api is a curated OpenAPI 3.0.3 document checked by
openapi-spec-validator in the tests). No `html` class: there are no HTML forms.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from sqlmodel import Session

from app import __version__
from app.api.geojson import feature_collection, iso_utc
from app.api.ogc.collections import COLLECTIONS, CollectionSpec, get_collection
from app.api.ogc.errors import not_found
from app.api.ogc.links import GEOJSON, HTML, JSON, OPENAPI_30, LinkBuilder
from app.api.ogc.params import (
    UPDATED_SINCE,
    DeclaredFilter,
    QueryPairs,
    parse_items_query,
    single_values,
)
from app.api.ogc.providers import Extent, Page
from app.core.config import Settings

CONFORMANCE_CLASSES = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    # Part 3: each collection's queryables, and each queryable usable as `?name=value`
    # (tests/ogc/test_queryables.py requests every one).
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables-query-parameters",
)
QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"
SCHEMA_JSON = "application/schema+json"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
GREGORIAN = "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian"
# Shown as a layer's extent only while it holds no feature: the area Watchfloor covers.
AREA_OF_INTEREST = (124.0, 33.0, 132.0, 43.1)

TITLE = "Watchfloor OGC API - Features"
DESCRIPTION = (
    "Korean Peninsula security events and hotspots as OGC API - Features (Part 1, core and "
    "GeoJSON) for QGIS, GDAL/OGR and other GIS clients."
)


def landing_page(links: LinkBuilder) -> dict[str, Any]:
    return {
        "title": TITLE,
        "description": DESCRIPTION,
        "links": [
            links.link("self", JSON, links.ogc(), "This document"),
            links.link("service-desc", OPENAPI_30, links.ogc("/api"), "The API definition"),
            links.link("service-doc", HTML, links.url("/docs"), "The API documentation"),
            links.link("conformance", JSON, links.ogc("/conformance"), "Conformance classes"),
            links.link("data", JSON, links.ogc("/collections"), "The collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    return {"conformsTo": list(CONFORMANCE_CLASSES)}


def api_document(links: LinkBuilder, settings: Settings) -> dict[str, Any]:
    """The curated OpenAPI 3.0 document, its per-collection parts generated from the
    collections' declarations (the filters the parser reads, their enums included)."""
    document = copy.deepcopy(_openapi_template())
    document["info"]["version"] = __version__
    document["servers"] = [{"url": links.ogc_root, "description": "This server"}]
    parameters = document["components"]["parameters"]
    limit_schema = parameters["limit"]["schema"]
    limit_schema["default"] = settings.ogc_limit_default
    limit_schema["maximum"] = settings.ogc_limit_max
    parameters[UPDATED_SINCE] = {
        "name": UPDATED_SINCE,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": "The sync contract: only features changed at or after this instant, in "
        "change order; follow `next`, poll again with the `resume` link.",
        "schema": {"type": "string"},
    }
    for spec in COLLECTIONS.values():
        operation = document["paths"][f"/collections/{spec.id}/items"]["get"]
        operation["description"] = spec.description
        refs = operation["parameters"]
        if spec.changes:
            refs.append({"$ref": f"#/components/parameters/{UPDATED_SINCE}"})
        for declared in spec.filters:
            key = f"{spec.id}.{declared.name}"
            parameters[key] = filter_parameter(declared)
            refs.append({"$ref": f"#/components/parameters/{key}"})
    document["paths"]["/collections/{collectionId}/queryables"] = {
        "get": {
            "tags": ["Capabilities"],
            "summary": "What a collection's features can be filtered on",
            "description": "A JSON Schema (OGC API - Features Part 3): each property may be "
            "sent to the items as `?name=value`.",
            "operationId": "getQueryables",
            "parameters": [{"$ref": "#/components/parameters/collectionId"}],
            "responses": {
                "200": {
                    "description": "The queryables.",
                    "content": {SCHEMA_JSON: {"schema": {"type": "object"}}},
                },
                "404": {"$ref": "#/components/responses/NotFound"},
            },
        }
    }
    return document


def filter_parameter(declared: DeclaredFilter) -> dict[str, Any]:
    """A declared filter as an OpenAPI 3.0 query parameter. Its schema is one value's, also for
    a list filter (which takes comma-separated values): GDAL pushes `-where` equalities down
    only to parameters of a plain type."""
    return {
        "name": declared.name,
        "in": "query",
        "required": False,
        "style": "form",
        "explode": False,
        "description": declared.description,
        "schema": dict(declared.schema),
    }


def queryables_document(
    links: LinkBuilder, collection_id: str, pairs: QueryPairs = ()
) -> dict[str, Any]:
    """OGC API - Features Part 3: the properties a client may filter on with `?name=value`."""
    spec = get_collection(collection_id)
    single_values(pairs, {"f"})
    properties: dict[str, Any] = {}
    for declared in spec.filters:
        queryable = getattr(declared, "queryable", None)  # event filters name their property
        if queryable:
            properties[queryable] = {"description": declared.description, **declared.schema}
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": links.ogc(links.collection_path(spec.id) + "/queryables"),
        "type": "object",
        "title": spec.title,
        "properties": properties,
        "additionalProperties": False,
    }


@cache
def _openapi_template() -> dict[str, Any]:
    text = resources.files("app.api.ogc").joinpath("data/openapi-3.0.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def collections_document(session: Session, links: LinkBuilder) -> dict[str, Any]:
    return {
        "links": [links.link("self", JSON, links.ogc("/collections"), "The collections")],
        "collections": [
            collection_entry(spec, spec.provider(session).extent(), links)
            for spec in COLLECTIONS.values()
        ],
    }


def collection_document(session: Session, links: LinkBuilder, collection_id: str) -> dict[str, Any]:
    spec = get_collection(collection_id)
    return collection_entry(spec, spec.provider(session).extent(), links)


def collection_entry(spec: CollectionSpec, extent: Extent, links: LinkBuilder) -> dict[str, Any]:
    return {
        "id": spec.id,
        "title": spec.title,
        "description": spec.description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": {
            "spatial": {"bbox": [list(extent.bbox or AREA_OF_INTEREST)], "crs": CRS84},
            "temporal": {
                "interval": [[iso_utc(extent.start), iso_utc(extent.end)]],
                "trs": GREGORIAN,
            },
        },
        "links": [
            links.link("self", JSON, links.ogc(links.collection_path(spec.id)), spec.title),
            links.link(
                "items", GEOJSON, links.ogc(links.items_path(spec.id)), f"{spec.title} as GeoJSON"
            ),
            links.link(
                QUERYABLES_REL,
                SCHEMA_JSON,
                links.ogc(links.collection_path(spec.id) + "/queryables"),
                f"What {spec.title.lower()} can be filtered on",
            ),
        ],
    }


def items_document(
    session: Session,
    links: LinkBuilder,
    settings: Settings,
    collection_id: str,
    pairs: QueryPairs,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    spec = get_collection(collection_id)
    query = parse_items_query(
        pairs,
        spec.filters,
        limit_default=settings.ogc_limit_default,
        limit_max=settings.ogc_limit_max,
        max_bbox_area=settings.max_bbox_area_deg2,
        changes=spec.changes,
    )
    page = spec.provider(session).query(query)
    items_path = links.items_path(spec.id)
    paging = [*query.selection, ("limit", str(query.limit))]
    self_query = [*paging, ("cursor", query.cursor)] if query.cursor else paging
    page_links = [
        links.link("self", GEOJSON, links.ogc(items_path, self_query), "This page"),
        links.link("collection", JSON, links.ogc(links.collection_path(spec.id)), spec.title),
    ]
    if page.next_cursor is not None:
        next_query = [*paging, ("cursor", page.next_cursor)]
        page_links.append(
            links.link("next", GEOJSON, links.ogc(items_path, next_query), "Next page")
        )
    if page.resume_cursor is not None:
        resume_query = [*paging, ("cursor", page.resume_cursor)]
        page_links.append(
            links.link("resume", GEOJSON, links.ogc(items_path, resume_query), "Next poll")
        )
    return _collection_body(page, page_links, now)


def item_document(
    session: Session,
    links: LinkBuilder,
    collection_id: str,
    feature_id: str,
    pairs: QueryPairs,
) -> dict[str, Any]:
    spec = get_collection(collection_id)
    single_values(pairs, {"f"})
    feature = spec.provider(session).get(feature_id)
    if feature is None:
        raise not_found(f"no feature `{feature_id}` in collection `{spec.id}`")
    href = links.ogc(links.item_path(spec.id, feature["id"]))
    feature["links"] = [
        links.link("self", GEOJSON, href, "This feature"),
        links.link("collection", JSON, links.ogc(links.collection_path(spec.id)), spec.title),
    ]
    return feature


def export_document(
    session: Session,
    links: LinkBuilder,
    settings: Settings,
    collection_id: str,
    pairs: QueryPairs,
    *,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """The whole layer in one plain FeatureCollection, at most `export_max_features` features.

    Over the cap the response keeps the first `export_max_features` in the collection's order
    (events: newest first; hotspots: by id), says `"truncated": true` and keeps the true
    `numberMatched`; narrow it with bbox/datetime/filters or page through /ogc instead.
    """
    spec = get_collection(collection_id)
    cap = settings.export_max_features
    query = parse_items_query(
        pairs,
        spec.filters,
        limit_default=cap,
        limit_max=cap,
        paged=False,
        max_bbox_area=settings.max_bbox_area_deg2,
        changes=spec.changes,
    )
    page = spec.provider(session).query(query)
    export_links = [
        links.link("self", GEOJSON, links.url(export_path(spec.id), query.selection)),
        links.link("collection", JSON, links.ogc(links.collection_path(spec.id)), spec.title),
    ]
    body = _collection_body(page, export_links, now)
    body["truncated"] = page.next_cursor is not None
    return body


def export_path(collection_id: str) -> str:
    return f"/export/{collection_id}.geojson"


def _collection_body(
    page: Page, page_links: Sequence[dict[str, Any]], now: dt.datetime | None
) -> dict[str, Any]:
    return feature_collection(
        page.features,
        numberMatched=page.number_matched,
        numberReturned=len(page.features),
        timeStamp=iso_utc(now or dt.datetime.now(dt.UTC)),
        links=list(page_links),
    )
