"""GET /articles, /articles/{id}, /sources (feed health) and /annex (JSON and Markdown)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlmodel import Session

from app.core.models import Article
from tests.api.factories import make_article, make_event, make_feed, make_mention, make_source


def at(day: int, hour: int = 0) -> dt.datetime:
    return dt.datetime(2026, 5, day, hour, tzinfo=dt.UTC)


@pytest.fixture
def articles(write: Session) -> dict[str, int]:
    nk = make_source(
        write, name="NK News", kind="specialist", reliability="B", homepage="https://www.nknews.org"
    )
    pro = make_source(write, name="NK Pro")
    make_source(write, name="Quiet Source")
    feed = make_feed(
        write,
        nk,
        url="https://www.nknews.org/feed/",
        title="NK News",
        last_success_at=at(28, 1),
        error_count=2,
        last_error="HTTP 503",
        last_error_at=at(28, 2),
        next_check_at=at(28, 3),
    )
    make_feed(
        write,
        pro,
        url="https://www.nknews.org/pro/feed/",
        enabled=False,
        disabled_reason="HTTP 410 Gone",
    )
    ids = {
        "launch": make_article(
            write,
            nk,
            feed_id=feed.id,
            title="Missile launch westward",
            summary="Seoul's JCS detected a launch.",
            published_at=at(26, 4),
        ).id,
        "xi": make_article(
            write, nk, title="Xi visit plans", summary="China tight-lipped.", published_at=at(26, 3)
        ).id,
        "arms": make_article(
            write,
            pro,
            title="Russian navy escorts arms ships",
            summary="x" * 600,
            published_at=at(21, 9),
        ).id,
        "old": make_article(write, pro, title="Old news", published_at=at(10)).id,
    }
    event = make_event(write, title="Launch", category="missile_test")
    make_mention(write, event, write.get_one(Article, ids["launch"]))
    write.commit()
    ids["event"] = event.id
    return ids


def test_list_filters_and_paging(client: httpx.Client, articles: dict[str, int]) -> None:
    items = client.get("/articles").json()["items"]
    assert [a["id"] for a in items] == [articles[k] for k in ("launch", "xi", "arms", "old")]
    assert items[0]["publisher"] == "NK News" and items[0]["published_at"] == "2026-05-26T04:00:00Z"
    assert items[0]["extracted"] is False
    cases = {
        (("from", "2026-05-21"),): ["launch", "xi", "arms"],
        (("to", "2026-05-21"),): ["arms", "old"],
        (("source", "nk pro"),): ["arms", "old"],
        (("source", "NK News,NK Pro"), ("to", "2026-05-20")): ["old"],
        (("q", "xi"),): ["xi"],
        (("q", "JCS"),): ["launch"],
    }
    for query, expected in cases.items():
        got = [a["id"] for a in client.get("/articles", params=list(query)).json()["items"]]
        assert got == [articles[k] for k in expected], query
    first = client.get("/articles", params={"limit": 3}).json()
    assert len(first["items"]) == 3 and first["next"]
    second = client.get(first["next"]).json()
    assert [a["id"] for a in second["items"]] == [articles["old"]] and second["next"] is None


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"limit": "0"}, 400),
        ({"cursor": "bad"}, 400),
        ({"from": "x"}, 400),
        ({"from": "2026-05-28", "to": "2026-05-01"}, 400),
        ({"q": "\x01"}, 400),
    ],
)
def test_list_errors(client: httpx.Client, db, query: dict, status: int) -> None:
    response = client.get("/articles", params=query)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")


def test_article_detail(client: httpx.Client, articles: dict[str, int]) -> None:
    body = client.get(f"/articles/{articles['launch']}").json()
    assert body["text"].startswith("Text of article")
    assert body["events"] == [
        {
            "id": articles["event"],
            "title": "Launch",
            "category": "missile_test",
            "event_date": "2026-05-26",
        }
    ]
    missing = client.get("/articles/424242")
    assert missing.status_code == 404 and "no article with id 424242" in missing.json()["detail"]


def test_sources_with_feed_health(client: httpx.Client, articles: dict[str, int]) -> None:
    sources = {s["publisher"]: s for s in client.get("/sources").json()["sources"]}
    assert list(sources) == ["NK News", "NK Pro", "Quiet Source"]
    nk = sources["NK News"]
    assert (nk["kind"], nk["reliability"], nk["article_count"]) == ("specialist", "B", 2)
    [feed] = nk["feeds"]
    assert feed["last_success_at"] == "2026-05-28T01:00:00Z"
    assert (feed["error_count"], feed["last_error"], feed["last_error_at"]) == (
        2,
        "HTTP 503",
        "2026-05-28T02:00:00Z",
    )
    assert feed["next_check_at"] == "2026-05-28T03:00:00Z"
    [gone] = sources["NK Pro"]["feeds"]
    assert (gone["enabled"], gone["disabled_reason"]) == (False, "HTTP 410 Gone")
    assert sources["Quiet Source"]["feeds"] == [] and sources["Quiet Source"]["article_count"] == 0


def test_annex_json_and_markdown(client: httpx.Client, articles: dict[str, int]) -> None:
    annex = client.get("/annex", params={"from": "2026-05-21", "to": "2026-05-28"}).json()
    assert annex["from"] == "2026-05-21T00:00:00Z" and annex["to"] == "2026-05-29T00:00:00Z"
    assert [g["publisher"] for g in annex["sources"]] == ["NK News", "NK Pro"]
    assert [a["title"] for a in annex["sources"][0]["articles"]] == [
        "Missile launch westward",
        "Xi visit plans",
    ]
    teaser = annex["sources"][1]["articles"][0]["teaser"]
    assert teaser.endswith("[...]") and len(teaser) < 420
    md = client.get(
        "/annex", params={"from": "2026-05-21", "to": "2026-05-28", "format": "markdown"}
    )
    assert md.headers["content-type"].startswith("text/markdown")
    assert "## Source: NK News" in md.text
    assert "- [Missile launch westward](<https://news.example/" in md.text
    assert "(2026-05-26 04:00)" in md.text
    negotiated = client.get(
        "/annex",
        params={"from": "2026-05-21", "to": "2026-05-28"},
        headers={"Accept": "text/markdown"},
    )
    assert negotiated.text == md.text


def test_annex_is_bounded(make_client, articles: dict[str, int]) -> None:
    with make_client(export_max_features=2) as client:
        annex = client.get("/annex", params={"from": "2026-05-01", "to": "2026-05-28"}).json()
    assert annex["truncated"] is True and annex["article_count"] == 2
