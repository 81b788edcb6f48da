"""OGC API - Features Part 3, the two classes /ogc/conformance claims: `queryables` (a JSON
Schema per collection, linked from it) and `queryables-query-parameters` (each queryable works
as `?name=value`). Both documents come from the declarations the parser reads."""

from __future__ import annotations

import jsonschema
import pytest

from app.api.ogc import COLLECTIONS
from app.core.categories import CATEGORIES
from app.core.models import CLAIM_STATUSES
from tests.ogc.checks import rels
from tests.ogc.conftest import OgcServer
from tests.ogc.test_ogc_api import get, problem, walk

QUERYABLES_REL = "http://www.opengis.net/def/rel/ogc/1.0/queryables"


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_req_queryables_each_collection_links_a_json_schema(
    server: OgcServer, collection_id: str
) -> None:
    collection = get(f"{server.ogc}/collections/{collection_id}").json()
    link = rels(collection["links"])[QUERYABLES_REL]
    assert link["type"] == "application/schema+json"
    response = get(link["href"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    schema = response.json()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["$id"] == link["href"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_event_queryables_are_the_declared_filters_with_their_enums(server: OgcServer) -> None:
    schema = get(f"{server.ogc}/collections/events/queryables").json()
    assert schema["properties"]["category"]["enum"] == list(CATEGORIES)
    assert schema["properties"]["claim_status"]["enum"] == list(CLAIM_STATUSES)


def test_req_queryables_query_parameters_every_queryable_filters_by_equality(
    server: OgcServer, demo: list[int]
) -> None:
    every = walk(f"{server.ogc}/collections/events/items")
    schema = get(f"{server.ogc}/collections/events/queryables").json()
    assert schema["properties"], "events have queryables"
    for name, definition in schema["properties"].items():
        tried = 0
        for value in definition["enum"]:
            expected = sorted(f["id"] for f in every if f["properties"][name] == value)
            found = walk(f"{server.ogc}/collections/events/items", **{name: value})
            assert sorted(f["id"] for f in found) == expected, (name, value)
            tried += bool(expected)
        assert tried, f"the demo has events for some {name}"
        outside = problem(get(f"{server.ogc}/collections/events/items", **{name: "nukes"}), 400)
        assert outside["code"] == "InvalidParameterValue"


def test_unknown_collection_has_no_queryables(server: OgcServer) -> None:
    assert problem(get(f"{server.ogc}/collections/nope/queryables"), 404)["code"] == "NotFound"


def test_the_api_document_is_generated_from_the_same_declarations(server: OgcServer) -> None:
    """/ogc/api's filter parameters (and their enums) are the ones the parser reads."""
    document = get(f"{server.ogc}/api").json()
    parameters = document["components"]["parameters"]
    for spec in COLLECTIONS.values():
        operation = document["paths"][f"/collections/{spec.id}/items"]["get"]
        names = {
            parameters[ref["$ref"].rsplit("/", 1)[-1]]["name"] for ref in operation["parameters"]
        }
        standard = {"limit", "bbox", "datetime", "cursor", "f"}
        extra = {"updated_since"} if spec.changes else set()
        assert names == standard | extra | {f.name for f in spec.filters}
        for declared in spec.filters:
            documented = parameters[f"{spec.id}.{declared.name}"]["schema"]
            assert documented == dict(declared.schema)  # one value's schema (GDAL pushes these)
    assert parameters["events.category"]["schema"]["enum"] == list(CATEGORIES)
    assert parameters["hotspots.category"]["schema"]["enum"] == list(CATEGORIES)
