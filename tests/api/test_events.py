"""GET /events and /events/{id} over HTTP against PostgreSQL: filters, paging, formats, errors."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import io

import httpx
import pytest
from geojson_validator import validate_structure
from sqlmodel import Session

from tests.api.factories import (
    DANDONG,
    DMZ,
    JONGJU,
    make_article,
    make_event,
    make_mention,
    make_source,
)


@pytest.fixture
def timeline(write: Session) -> dict[str, int]:
    """Six events across categories, places and statuses."""
    ids = {
        "launch": make_event(
            write,
            category="missile_test",
            title="North Korea fires ballistic missiles toward the Yellow Sea",
            summary="JCS detected launches from Jongju.",
            event_date=dt.date(2026, 5, 26),
            severity=4,
            claim_status="confirmed",
            actors=["Korean People's Army", "Kim Jong Un"],
            weapons=["tactical ballistic missile"],
            **JONGJU,
        ).id,
        "cruise": make_event(
            write,
            category="missile_test",
            title="KCNA claims AI-guided cruise missile test",
            event_date=dt.date(2026, 5, 26),
            severity=3,
            claim_status="claimed",
            **JONGJU,
        ).id,
        "dmz": make_event(
            write,
            category="border_maritime",
            title="Seoul and Washington discuss DMZ management",
            event_date=dt.date(2026, 5, 21),
            severity=2,
            actors=["South Korea", "United States"],
            **DMZ,
        ).id,
        "smuggling": make_event(
            write,
            category="border_maritime",
            title="Chinese border patrols crack down on smuggling 100%_real",
            event_date=dt.date(2026, 5, 20),
            severity=2,
            **DANDONG,
        ).id,
        "xi": make_event(
            write,
            category="diplomacy",
            title="Xi Jinping reportedly plans a visit to Pyongyang",
            event_date=dt.date(2026, 5, 21),
            severity=2,
        ).id,
        "cyber": make_event(
            write,
            category="cyber",
            title="DPRK-linked actors stole $2.02 billion in crypto in 2025",
            event_date=dt.date(2026, 5, 14),
            severity=3,
        ).id,
    }
    write.commit()
    return ids


def ids_of(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_newest_first_with_ties_by_id(client: httpx.Client, timeline: dict[str, int]) -> None:
    ids = ids_of(client.get("/events"))
    assert ids == [
        timeline["cruise"],
        timeline["launch"],
        timeline["xi"],
        timeline["dmz"],
        timeline["smuggling"],
        timeline["cyber"],
    ]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"from": "2026-05-21"}, ["cruise", "launch", "xi", "dmz"]),
        ({"to": "2026-05-20"}, ["smuggling", "cyber"]),
        ({"from": "2026-05-21", "to": "2026-05-21"}, ["xi", "dmz"]),
        ({"from": "2026-05-26T10:00:00Z"}, ["cruise", "launch"]),
        ({"category": "missile_test"}, ["cruise", "launch"]),
        ({"category": "cyber,diplomacy"}, ["xi", "cyber"]),
        ({"category": ["cyber", "border_maritime"]}, ["dmz", "smuggling", "cyber"]),
        ({"actor": "kim jong"}, ["launch"]),
        ({"place": "jongju"}, ["cruise", "launch"]),
        ({"place": "Demilitarized"}, ["dmz"]),
        ({"bbox": "124,39,126,40"}, ["cruise", "launch"]),
        ({"bbox": "124,38,128,40.5"}, ["cruise", "launch", "dmz", "smuggling"]),
        ({"min_severity": "3"}, ["cruise", "launch", "cyber"]),
        ({"claim_status": "confirmed,claimed"}, ["cruise", "launch"]),
        ({"claim_status": "reported"}, ["xi", "dmz", "smuggling", "cyber"]),
        ({"q": "xi jinping"}, ["xi"]),
        ({"q": "from jongju"}, ["launch"]),
        # `q` is PostgreSQL full-text search: stems, phrases, exclusions; LIKE wildcards
        # are plain characters
        ({"q": "smuggle"}, ["smuggling"]),
        ({"q": '"cruise missile"'}, ["cruise"]),
        ({"q": "missile -cruise"}, ["launch"]),
        ({"q": "%"}, []),
        ({"q": "0%r"}, []),
        ({"category": "missile_test", "claim_status": "confirmed"}, ["launch"]),
    ],
)
def test_filters(
    client: httpx.Client, timeline: dict[str, int], query: dict, expected: list[str]
) -> None:
    assert ids_of(client.get("/events", params=query)) == [timeline[k] for k in expected]


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"from": "yesterday"}, "`from` must be a date"),
        ({"to": "2026-13-01"}, "`to` must be a date"),
        ({"from": "2026-05-28", "to": "2026-05-01"}, "inverted"),
        ({"from": "1000-01-01"}, "between 1900"),
        ({"from": "2000-01-01", "to": "2026-01-01"}, "longer than"),
        ({"category": "sport"}, "unknown category 'sport'"),
        ({"category": "missile_test,sport"}, "unknown category"),
        ({"claim_status": "rumoured"}, "unknown claim_status"),
        ({"bbox": "1,2,3"}, "4 numbers"),
        ({"bbox": "a,b,c,d"}, "only numbers"),
        ({"bbox": "124,95,126,96"}, "latitudes"),
        ({"bbox": "124,40,126,39"}, "minimum latitude is above"),
        ({"bbox": "-181,0,0,1"}, "longitudes"),
        ({"bbox": "nan,1,2,3"}, "finite"),
        ({"bbox": "-180,-90,180,90"}, None),
        ({"limit": "0"}, "`limit` must be between 1 and"),
        ({"limit": "100000"}, "`limit` must be between 1 and"),
        ({"limit": "ten"}, "limit"),
        ({"min_severity": "6"}, "min_severity"),
        ({"cursor": "!!!"}, "`cursor` is not one this server issued"),
        (
            {"cursor": base64.urlsafe_b64encode(b'["x", 1]').decode()},
            "`cursor` is not one this server issued",
        ),
        (
            {"cursor": base64.urlsafe_b64encode(b'{"a": 1}').decode()},
            "`cursor` is not one this server issued",
        ),
        ({"q": "a\x00b"}, "control characters"),
        ({"q": "x" * 300}, "longer than 200"),
        ({"format": "xml"}, "format"),
    ],
)
def test_bad_parameters_are_problems(
    make_client, timeline: dict[str, int], query: dict, needle: str | None
) -> None:
    with make_client(max_bbox_area_deg2=1000.0) as client:
        response = client.get("/events", params=query)
    if needle is None:  # the whole world is allowed by default, but over 1000 deg² here
        needle = "square degrees"
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == 400
    assert needle in problem["detail"]


def test_keyset_walk_returns_every_event_once_even_with_inserts(
    client: httpx.Client, write: Session
) -> None:
    created = [
        make_event(write, event_date=dt.date(2026, 5, 1) + dt.timedelta(days=i % 9)).id
        for i in range(23)
    ]
    write.commit()
    seen: list[int] = []
    url: str | None = "/events?limit=5&category=diplomacy"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        page = response.json()
        seen += [item["id"] for item in page["items"]]
        assert len(page["items"]) <= 5
        if page["next"]:
            assert page["next"].startswith("http://127.0.0.1:")
            assert response.headers["link"] == f'<{page["next"]}>; rel="next"'
            assert "category=diplomacy" in page["next"]
        else:
            assert "link" not in response.headers
        if pages == 1:  # newer and older-but-already-passed events arrive mid-walk
            make_event(write, event_date=dt.date(2026, 6, 1))
            make_event(write, event_date=dt.date(2026, 5, 9))
            write.commit()
        url = page["next"]
        pages += 1
    assert sorted(seen) == sorted(created)
    assert len(seen) == len(set(seen)) == 23
    assert pages == 5


def test_geojson_and_csv_formats(client: httpx.Client, timeline: dict[str, int]) -> None:
    response = client.get("/events", params={"format": "geojson", "limit": 4})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    collection = response.json()
    assert validate_structure(collection, check_crs=True) == {}
    assert collection["numberReturned"] == 4
    assert collection["links"][0]["rel"] == "next"
    assert response.headers["link"].startswith("<http://")
    launch = next(f for f in collection["features"] if f["id"] == timeline["launch"])
    assert launch["geometry"]["coordinates"] == [125.2103, 39.6933]

    all_geo = client.get("/events", params={"format": "geojson"}).json()
    cyber = next(f for f in all_geo["features"] if f["id"] == timeline["cyber"])
    assert cyber["geometry"] is None

    text = client.get("/events", params={"format": "csv", "category": "missile_test"})
    assert text.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text.text)))
    assert [int(r["id"]) for r in rows] == [timeline["cruise"], timeline["launch"]]
    assert rows[1]["actors"] == "Korean People's Army; Kim Jong Un"
    assert rows[1]["lat"] == "39.6933"


def test_csv_neutralises_formulas(client: httpx.Client, write: Session) -> None:
    make_event(write, title='=HYPERLINK("http://evil")')
    write.commit()
    rows = list(csv.reader(io.StringIO(client.get("/events?format=csv").text)))
    assert rows[1][3] == '\'=HYPERLINK("http://evil")'


def test_event_detail_with_mentions(client: httpx.Client, write: Session) -> None:
    source = make_source(write, name="NK News")
    article = make_article(
        write,
        source,
        title="North Korea fires 'unidentified projectile' westward: Seoul",
        url="https://www.nknews.org/2026/05/projectile/",
        published_at=dt.datetime(2026, 5, 26, 4, 30, tzinfo=dt.UTC),
    )
    event = make_event(write, category="missile_test", figures={"range_km": 80}, **JONGJU)
    sentence = "North Korea launched an unidentified projectile west toward the Yellow Sea."
    make_mention(write, event, article, sentence, claim_status="confirmed")
    write.commit()
    body = client.get(f"/events/{event.id}").json()
    assert body["figures"] == {"range_km": 80}
    assert body["location"]["name"] == "Jongju"
    assert body["href"].endswith(f"/events/{event.id}")
    [mention] = body["mentions"]
    assert mention == {
        "article_id": article.id,
        "title": article.title,
        "url": article.url,
        "publisher": "NK News",
        "published_at": "2026-05-26T04:30:00Z",
        "sentence": sentence,
        "evidence": [sentence],
        "claim_status": "confirmed",
    }


@pytest.mark.parametrize(
    "path", ["/events/999999", "/events/0", "/events/abc", "/events/99999999999"]
)
def test_missing_event_is_a_problem(client: httpx.Client, db, path: str) -> None:
    response = client.get(path)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/problem+json")
    if path == "/events/999999":
        assert response.status_code == 404
        assert "no event with id 999999" in response.json()["detail"]


def test_page_items_are_exactly_the_documented_event_schema(
    client: httpx.Client, write: Session
) -> None:
    """The /events fast path builds items from plain rows, by hand; they equal EventOut's JSON
    dump of the same events read as ORM objects, key order included."""
    from app.api.routes.events import event_out
    from app.core.models import Event

    make_event(
        write,
        first_reported_at=dt.datetime(2026, 5, 26, 4, 30, 0, 500000, tzinfo=dt.UTC),
        last_reported_at=dt.datetime(2026, 5, 27, 0, 55, 1, 123456, tzinfo=dt.UTC),
        confidence=0.123456,
        actors=["North Korea", "South Korea"],
        **JONGJU,
    )
    make_event(write, category="cyber", lat=None, lon=None, location_name=None, location_id=None)
    make_event(write, first_reported_at=None, last_reported_at=None, **DMZ)
    write.commit()
    items = client.get("/events", params={"limit": 10}).json()["items"]
    assert len(items) == 3
    base = str(client.base_url).rstrip("/")
    for item in items:
        event = write.get(Event, item["id"])
        assert event is not None
        expected = event_out(event, base).model_dump(mode="json")
        assert item == expected
        assert list(item) == list(expected)  # same key order


TRICKY_LISTS = [
    [],
    ["North Korea"],
    ["Kim, Jong Un", "South Korea"],
    ['a", "b', 'ends with a quote and a comma", ', "x"],
    ["back\\slash", "tab\there", "new\nline", "\x01control"],
    ["한국", "朝鮮", "emoji 🚀", "slash / and DEL \x7f", "\u2028"],
    ["", " ", '"'],
    ["x", None, "y"],
    [1, True, "z"],
]


@pytest.mark.parametrize("values", TRICKY_LISTS)
def test_string_lists_from_jsonb_text_encode_as_the_lists_did(db, values: list) -> None:  # type: ignore[no-untyped-def]
    """Pages splice PostgreSQL's JSON text of actors/weapons into the body: the bytes are
    those orjson writes for the list jsonb_array_elements_text gave before (strings, null)."""
    import sqlalchemy as sa

    from app.api.http import json_bytes
    from app.query.events import string_list, string_list_json

    with db.connect() as conn:
        text, elements = conn.execute(
            sa.text(
                "SELECT CAST(:v AS jsonb)::text, "
                "ARRAY(SELECT jsonb_array_elements_text(CAST(:v AS jsonb)))"
            ),
            {"v": json_bytes(values).decode()},
        ).one()
    assert string_list(text) == elements
    assert json_bytes({"a": string_list_json(text), "b": 1}) == json_bytes({"a": elements, "b": 1})
