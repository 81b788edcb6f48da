"""The framework-neutral parameter parser: every datetime form, bbox rules, limit clamping."""

from __future__ import annotations

import datetime as dt

import pytest

from app.api.ogc.errors import OGCError
from app.api.ogc.params import (
    BBox,
    PropertyFilter,
    parse_bbox,
    parse_datetime,
    parse_items_query,
    parse_limit,
)

UTC = dt.UTC
SEVERITY = PropertyFilter("min_severity", "integer", "", minimum=1, maximum=5)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


@pytest.mark.parametrize(
    ("raw", "start", "end"),
    [
        ("2026-05-20T10:00:00Z", at("2026-05-20T10:00:00+00:00"), at("2026-05-20T10:00:00+00:00")),
        ("2026-05-20", at("2026-05-20T00:00:00+00:00"), at("2026-05-20T23:59:59.999999+00:00")),
        (
            "2026-05-20T09:00:00+09:00",
            at("2026-05-20T00:00:00+00:00"),
            at("2026-05-20T00:00:00+00:00"),
        ),
        (
            "2026-05-01T00:00:00Z/2026-05-31T00:00:00Z",
            at("2026-05-01T00:00:00+00:00"),
            at("2026-05-31T00:00:00+00:00"),
        ),
        ("../2026-05-31T00:00:00Z", None, at("2026-05-31T00:00:00+00:00")),
        ("/2026-05-31T00:00:00Z", None, at("2026-05-31T00:00:00+00:00")),
        ("2026-05-01T00:00:00Z/..", at("2026-05-01T00:00:00+00:00"), None),
        ("2026-05-01T00:00:00Z/", at("2026-05-01T00:00:00+00:00"), None),
        (
            "2026-05-01/2026-05-02",
            at("2026-05-01T00:00:00+00:00"),
            at("2026-05-02T23:59:59.999999+00:00"),
        ),
    ],
)
def test_req_core_fc_time_definition_every_form(
    raw: str, start: dt.datetime | None, end: dt.datetime | None
) -> None:
    interval = parse_datetime(raw)
    assert (interval.start, interval.end) == (start, end)
    for value in (interval.start, interval.end):
        assert value is None or value.tzinfo is not None


@pytest.mark.parametrize(
    "raw",
    [
        "garbage",
        "2026-13-01",
        "2026-05-20T25:00:00Z",
        "../..",
        "/",
        "a/b/c",
        "2026-05-31T00:00:00Z/2026-05-01T00:00:00Z",
        "2026-05-20T10:00Z",
        "1716000000",
    ],
)
def test_req_core_query_param_invalid_datetime(raw: str) -> None:
    with pytest.raises(OGCError) as caught:
        parse_datetime(raw)
    assert (caught.value.status, caught.value.code) == (400, "InvalidParameterValue")
    assert caught.value.description


def test_bbox_four_and_six_numbers_and_antimeridian() -> None:
    assert parse_bbox("124,37,131,43.1") == BBox(124, 37, 131, 43.1)
    assert parse_bbox("124,37,-100,131,43.1,9000") == BBox(124, 37, 131, 43.1)
    crossing = parse_bbox("170,-10,-170,10")
    assert crossing.crosses_antimeridian
    assert crossing.contains(179.5, 0) and crossing.contains(-179.5, 0)
    assert not crossing.contains(0, 0)


@pytest.mark.parametrize(
    "raw",
    [
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "124,43,131,37",
        "124,-91,131,43",
        "-181,0,0,1",
        "nan,1,2,3",
        "inf,1,2,3",
        "",
        "1,2,3,4,5,6,7",
    ],
)
def test_req_core_query_param_invalid_bbox(raw: str) -> None:
    with pytest.raises(OGCError) as caught:
        parse_bbox(raw)
    assert caught.value.status == 400


def test_req_core_fc_limit_response_clamps_above_maximum() -> None:
    assert parse_limit(None, 100, 1000) == 100
    assert parse_limit("5", 100, 1000) == 5
    assert parse_limit("100000", 100, 1000) == 1000
    assert parse_limit(None, 100, 10) == 10  # a default above the maximum is clamped too
    for bad in ("0", "-1", "abc", "1.5", ""):
        with pytest.raises(OGCError):
            parse_limit(bad, 100, 1000)


def test_req_core_query_param_unknown_and_repeated() -> None:
    with pytest.raises(OGCError) as unknown:
        parse_items_query([("foo", "bar")], [], limit_default=10, limit_max=100)
    assert unknown.value.code == "UnknownParameter"
    with pytest.raises(OGCError) as repeated:
        parse_items_query([("limit", "1"), ("limit", "2")], [], limit_default=10, limit_max=100)
    assert repeated.value.code == "InvalidParameterValue"
    with pytest.raises(OGCError):  # an export is unpaged: no limit there
        parse_items_query([("limit", "1")], [], limit_default=10, limit_max=100, paged=False)


def test_property_filters_are_typed_and_kept_for_links() -> None:
    query = parse_items_query(
        [("min_severity", "4"), ("bbox", "124,37,131,43"), ("limit", "7")],
        [SEVERITY],
        limit_default=10,
        limit_max=100,
    )
    assert query.properties == {"min_severity": 4}
    assert query.limit == 7
    assert query.selection == (("min_severity", "4"), ("bbox", "124,37,131,43"))
    for bad in ("0", "6", "high"):
        with pytest.raises(OGCError):
            parse_items_query([("min_severity", bad)], [SEVERITY], limit_default=1, limit_max=1)
