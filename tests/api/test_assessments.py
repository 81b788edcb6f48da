"""Assessments: build, store, list and render (JSON, Markdown, HTML), the `structured` shape."""

from __future__ import annotations

import datetime as dt
import html
import re

import httpx
import pytest
from sqlmodel import Session

from app.assessment.methodology import HEADINGS
from tests.api.factories import (
    DANDONG,
    DMZ,
    JONGJU,
    make_article,
    make_event,
    make_mention,
    make_source,
)

PERIOD = {"from": "2026-05-21", "to": "2026-05-28"}


@pytest.fixture
def corpus(write: Session) -> dict[str, int]:
    nk = make_source(write, name="NK News")
    pro = make_source(write, name="NK Pro")
    a1 = make_article(
        write,
        nk,
        title="North Korea fires 'unidentified projectile' westward: Seoul",
        summary="<p>North Korea launched an unidentified projectile west toward the "
        "Yellow Sea on Tuesday, according to South Korea's JCS.</p>",
        published_at=dt.datetime(2026, 5, 26, 4, 30, tzinfo=dt.UTC),
    )
    a2 = make_article(
        write,
        pro,
        title="Russian navy escorts ships known to shuttle arms",
        published_at=dt.datetime(2026, 5, 21, 9, 56, tzinfo=dt.UTC),
    )
    a3 = make_article(
        write,
        nk,
        title="<script>alert('x')</script> soccer",
        url="javascript:alert(1)",
        published_at=dt.datetime(2026, 5, 22, 11, 44, tzinfo=dt.UTC),
    )
    make_article(
        write,
        nk,
        title="Outside the period",
        published_at=dt.datetime(2026, 5, 29, 0, 0, tzinfo=dt.UTC),
    )
    launch = make_event(
        write,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        title="North Korea launches projectile toward the Yellow Sea",
        corroboration=2,
        **JONGJU,
    )
    make_mention(
        write,
        launch,
        a1,
        "North Korea launched an unidentified projectile west toward "
        "the Yellow Sea on Tuesday, according to South Korea's JCS.",
    )
    arms = make_event(
        write,
        category="arms_transfer",
        severity=3,
        title="Russian warships escort arms shuttles",
        event_date=dt.date(2026, 5, 21),
    )
    make_mention(write, arms, a2)
    talks = make_event(
        write,
        category="border_maritime",
        title="DMZ management talks",
        event_date=dt.date(2026, 5, 21),
        **DMZ,
    )
    smuggling = make_event(
        write,
        category="border_maritime",
        title="Chinese patrols <b>crack down</b> on smuggling",
        event_date=dt.date(2026, 5, 21),
        **DANDONG,
    )
    cyber = make_event(
        write,
        category="cyber",
        severity=3,
        title="Crypto theft report",
        event_date=dt.date(2026, 5, 22),
    )
    write.commit()
    return {
        "launch": launch.id,
        "arms": arms.id,
        "talks": talks.id,
        "smuggling": smuggling.id,
        "cyber": cyber.id,
        "a3": a3.id,
    }


def create(client: httpx.Client, admin: dict[str, str], **params: str) -> httpx.Response:
    return client.post("/assessments", json=PERIOD, headers=admin, params=params)


def test_build_and_store(
    client: httpx.Client, admin: dict[str, str], corpus: dict[str, int]
) -> None:
    response = create(client, admin)
    assert response.status_code == 201, response.text
    doc = response.json()
    assert response.headers["location"].endswith(f"/assessments/{doc['id']}")
    assert doc["period"] == {
        "from": "2026-05-21",
        "to": "2026-05-28",
        "start": "2026-05-21T00:00:00Z",
        "end": "2026-05-29T00:00:00Z",
    }
    assert doc["title"] == "North Korea Security Analysis Report: May 21, 2026 - May 28, 2026"
    assert doc["threat_level"]["drivers"][0]["id"] == corpus["launch"]

    # The seed's structured shape, exactly.
    structured = doc["structured"]
    assert list(structured) == ["threat_level", "hotspots"]
    assert structured["threat_level"] == doc["threat_level"]["level"]
    for spot in structured["hotspots"]:
        assert list(spot) == ["label", "detail", "lat", "lng", "intensity"]
        assert isinstance(spot["lat"], float) and isinstance(spot["lng"], float)
        assert 1 <= spot["intensity"] <= 5
    assert next(s["label"] for s in structured["hotspots"]) == "Jongju"
    assert {s["label"] for s in structured["hotspots"]} == {
        "Jongju",
        "Korean Demilitarized Zone",
        "Dandong",
    }

    headings = [s["heading"] for s in doc["key_developments"]]
    assert headings == [h for h, _ in HEADINGS]
    by_heading = {s["heading"]: s for s in doc["key_developments"]}
    military = by_heading["Military Activities and Exercises"]["items"]
    assert [i["id"] for i in military] == [corpus["launch"]]
    assert military[0]["text"].startswith("North Korea launched an unidentified projectile")
    assert military[0]["sources"][0]["publisher"] == "NK News"
    assert [i["id"] for i in by_heading["Maritime and Border Security"]["items"]] == sorted(
        [corpus["talks"], corpus["smuggling"]], reverse=True
    )
    assert by_heading["Cybersecurity"]["event_count"] == 1
    assert by_heading["Diplomatic Relations"]["items"] == []

    # Every summary sentence names its events; all cited ids exist in the period.
    period_ids = {v for k, v in corpus.items() if k != "a3"}
    for sentence in doc["executive_summary"]:
        assert sentence["event_ids"] and set(sentence["event_ids"]) <= period_ids
    indicators = {i["id"]: i for i in doc["indicators"]}
    assert indicators["launches_year_to_date"]["event_ids"] == [corpus["launch"]]
    assert indicators["days_since_last_launch"]["value"] == 2
    assert indicators["border_incidents"]["value"] == 2
    assert indicators["arms_transfers"]["event_ids"] == [corpus["arms"]]
    assert indicators["cyber_operations"]["event_ids"] == [corpus["cyber"]]
    assert [(o["id"], o["reason"]) for o in doc["omitted_from_map"]] == [
        (corpus["arms"], "no point"),
        (corpus["cyber"], "no point"),
    ]
    # One rule: the summary counts the events the level weighs.
    assert doc["threat_level"]["event_count"] == 5
    assert doc["executive_summary"][0]["text"].startswith(
        "From May 21, 2026 to May 28, 2026, 5 events were recorded"
    )
    assert doc["kind"] == "weekly" and doc["as_of"] == doc["generated_at"]

    annex = doc["annex"]
    assert [g["publisher"] for g in annex["sources"]] == ["NK News", "NK Pro"]
    titles = [a["title"] for g in annex["sources"] for a in g["articles"]]
    assert "Outside the period" not in titles and annex["article_count"] == 3
    first = annex["sources"][0]["articles"][0]
    assert first["teaser"].startswith("North Korea launched an unidentified projectile")
    assert "<p>" not in first["teaser"]


def test_regenerate_is_an_upsert(
    client: httpx.Client, admin: dict[str, str], corpus, write: Session
) -> None:
    first = create(client, admin).json()
    make_event(
        write, category="diplomacy", title="Xi visit reported", event_date=dt.date(2026, 5, 25)
    )
    write.commit()
    second = create(client, admin).json()
    assert second["id"] == first["id"]
    assert second["threat_level"]["event_count"] == first["threat_level"]["event_count"] + 1
    listing = client.get("/assessments").json()
    assert [a["id"] for a in listing["items"]] == [first["id"]]
    assert listing["items"][0]["period_end"] == "2026-05-29T00:00:00Z"


def test_list_latest_and_get(client: httpx.Client, admin: dict[str, str], corpus) -> None:
    older = client.post(
        "/assessments", json={"from": "2026-05-14", "to": "2026-05-20"}, headers=admin
    ).json()
    newer = create(client, admin).json()
    page = client.get("/assessments", params={"limit": 1}).json()
    assert [a["id"] for a in page["items"]] == [newer["id"]]
    rest = client.get(page["next"]).json()
    assert [a["id"] for a in rest["items"]] == [older["id"]] and rest["next"] is None
    assert client.get("/assessments/latest").json()["id"] == newer["id"]
    fetched = client.get(f"/assessments/{older['id']}")
    assert fetched.json()["period"]["from"] == "2026-05-14"
    assert (
        client.get(
            f"/assessments/{older['id']}", headers={"If-None-Match": fetched.headers["etag"]}
        ).status_code
        == 304
    )


def test_only_weekly_reports_become_latest(
    client: httpx.Client, admin: dict[str, str], corpus
) -> None:
    weekly = create(client, admin).json()
    month = client.post(
        "/assessments", json={"from": "2026-05-01", "to": "2026-05-31"}, headers=admin
    ).json()
    day = client.post(
        "/assessments", json={"from": "2026-05-30", "to": "2026-05-30"}, headers=admin
    ).json()
    assert (month["kind"], day["kind"]) == ("custom", "custom")
    assert client.get("/assessments/latest").json()["id"] == weekly["id"]
    listed = [a["id"] for a in client.get("/assessments").json()["items"]]
    assert set(listed) == {weekly["id"], month["id"], day["id"]}
    monday_to_sunday = client.post(
        "/assessments", json={"from": "2026-06-01", "to": "2026-06-07"}, headers=admin
    ).json()
    assert client.get("/assessments/latest").json()["id"] == monday_to_sunday["id"]


def test_as_of_is_explicit_and_shown(client: httpx.Client, admin: dict[str, str], corpus) -> None:
    before = client.post(
        "/assessments",
        json={**PERIOD, "as_of": "2026-05-25T00:00:00Z"},
        headers=admin,
    ).json()
    assert before["as_of"] == "2026-05-25T00:00:00Z"
    # The launch (first reported May 26) was not known yet.
    assert corpus["launch"] not in [d["id"] for d in before["threat_level"]["drivers"]]
    bad = client.post("/assessments", json={**PERIOD, "as_of": "soon"}, headers=admin)
    assert bad.status_code == 400


def test_renderings(client: httpx.Client, admin: dict[str, str], corpus: dict[str, int]) -> None:
    doc = create(client, admin).json()
    path = f"/assessments/{doc['id']}"

    markdown = client.get(path, params={"format": "markdown"})
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert client.get(path, headers={"Accept": "text/markdown"}).text == markdown.text
    text = markdown.text
    assert text.startswith("# North Korea Security Analysis Report")
    for heading, _ in HEADINGS:
        assert f"### {heading}" in text
    assert f"[events #{corpus['launch']}]" in text
    assert "## Annex: collected articles by source" in text and "### Source: NK Pro" in text
    assert '"threat_level"' in text
    assert "javascript:" not in text  # unsafe link target dropped
    assert "\\<script\\>" in text

    page = client.get(path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    body = page.text
    assert "<script>" not in body and "&lt;script&gt;" in body
    assert "&lt;b&gt;crack down&lt;/b&gt;" in body
    assert 'href="javascript' not in body
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert re.search(r"<h3>Cybersecurity</h3>", body)
    assert html.escape("Chinese patrols <b>crack down</b> on smuggling") in body

    as_json = client.get(path, params={"format": "json"}).json()
    assert as_json["structured"] == doc["structured"]
    assert client.get(path, params={"format": "pdf"}).status_code == 400

    created_md = create(client, admin, format="markdown")
    assert created_md.status_code == 201 and created_md.text.startswith("# North Korea")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"from": "2026-05-28", "to": "2026-05-21"}, "inverted"),
        ({"from": "2026-05-21"}, "to"),
        ({"from": "yesterday", "to": "2026-05-21"}, "from"),
        ({"from": "1000-01-01", "to": "1000-01-02"}, "between 1900"),
        ({"from": "1990-01-01", "to": "2026-01-01"}, "longer than"),
        ({"from": "2026-05-21", "to": "2026-05-22", "extra": 1}, "extra"),
    ],
)
def test_create_errors(
    client: httpx.Client, admin: dict[str, str], db, body: dict, needle: str
) -> None:
    response = client.post("/assessments", json=body, headers=admin)
    assert response.status_code == 400, response.text
    assert needle in response.json()["detail"]


def test_not_found(client: httpx.Client, db) -> None:
    assert client.get("/assessments/latest").status_code == 404
    response = client.get("/assessments/12345")
    assert (
        response.status_code == 404 and "no assessment with id 12345" in response.json()["detail"]
    )


def test_empty_period(client: httpx.Client, admin: dict[str, str], db) -> None:
    doc = client.post(
        "/assessments", json={"from": "2026-01-05", "to": "2026-01-11"}, headers=admin
    ).json()
    assert doc["structured"] == {"threat_level": "Low", "hotspots": []}
    assert doc["executive_summary"][0]["text"].startswith("No events were recorded")
    assert (
        "No events recorded in this period."
        in client.get(f"/assessments/{doc['id']}?format=markdown").text
    )
