"""The same API on the embedded SQLite default (the database `watchfloor serve` starts with)."""

from __future__ import annotations

import datetime as dt

import httpx
import pytest
from sqlmodel import Session

from app.api.main import create_app
from app.core import db as db_module
from app.core.config import Settings
from app.core.migrate import upgrade_to_head
from tests.api.conftest import ADMIN_KEY
from tests.api.factories import JONGJU, make_article, make_event, make_mention, make_source
from tests.support.live import live_server


@pytest.mark.sqlite
def test_timeline_search_paging_and_report_on_sqlite(sqlite_settings: Settings) -> None:
    engine = db_module.get_engine()
    upgrade_to_head(engine)
    with Session(engine) as session:
        source = make_source(session, name="NK News")
        article = make_article(session, source, title="Launch 100% confirmed")
        for day in range(1, 8):
            event = make_event(
                session,
                title=f"Launch {day} from Jongju",
                category="missile_test",
                event_date=dt.date(2026, 5, 20 + day),
                **JONGJU,
            )
            make_mention(session, event, article)
        session.commit()
    settings = Settings(api_keys=ADMIN_KEY)
    with live_server(create_app(settings)) as base, httpx.Client(base_url=base) as client:
        seen, url = [], "/events?limit=3&q=JONGJU"
        while url:
            page = client.get(url).json()
            seen += [e["event_date"] for e in page["items"]]
            url = page["next"]
        assert seen == [f"2026-05-{d}" for d in range(27, 20, -1)]
        assert (
            client.get("/events", params={"actor": "x", "bbox": "124,39,126,40"}).status_code == 200
        )
        assert [a["title"] for a in client.get("/articles?q=100%25").json()["items"]] == [
            "Launch 100% confirmed"
        ]
        headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
        period = {"from": "2026-05-21", "to": "2026-05-28"}
        first = client.post("/assessments", json=period, headers=headers).json()
        again = client.post("/assessments", json=period, headers=headers).json()
        assert first["id"] == again["id"]
        assert first["structured"]["hotspots"][0]["label"] == "Jongju"
        hotspots = client.get("/hotspots", params=period).json()
        assert hotspots["features"][0]["properties"]["event_count"] == 7
