"""GET /metrics over a live server: Prometheus text that promtool accepts, requests counted by
route template (never by raw path), and the current threat score as /threat-level gives it."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.main import create_app
from app.core.config import Settings
from tests.api.factories import JONGJU, make_article, make_event, make_mention, make_source
from tests.support.live import live_server

PROMTOOL = shutil.which("promtool")


@pytest.fixture
def client(db: Engine) -> Iterator[httpx.Client]:
    with (
        live_server(create_app(Settings())) as base,
        httpx.Client(base_url=base, timeout=30) as c,
    ):
        yield c


def samples(text: str, name: str) -> dict[str, float]:
    """Each sample of `name` in the exposition, keyed by its label set as written."""
    found = {}
    for line in text.splitlines():
        match = re.match(rf"^{re.escape(name)}(\{{.*\}})? (\S+)$", line)
        if match:
            found[match.group(1) or ""] = float(match.group(2))
    return found


def test_requests_are_counted_by_route_template(client: httpx.Client) -> None:
    for event_id in (918273, 827364, 736455):
        assert client.get(f"/events/{event_id}").status_code == 404
    assert client.get("/no/such/page/7f3a").status_code == 404
    assert client.get("/static/map/map.js").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    requests = samples(text, "watchfloor_http_requests_total")
    by_event = '{method="GET",route="/events/{event_id}",status="404"}'
    assert requests.get(by_event, 0) >= 3, requests
    assert requests['{method="GET",route="unrouted",status="404"}'] >= 1
    assert requests['{method="GET",route="/static/{path}",status="200"}'] >= 1
    # no raw path ever becomes a label value
    for raw in ("918273", "827364", "736455", "7f3a", "map.js"):
        assert not any(raw in labels for labels in requests), raw
    latency = samples(text, "watchfloor_http_request_duration_seconds_count")
    assert latency['{method="GET",route="/events/{event_id}"}'] >= 3


def test_every_family_is_described_and_webhook_deliveries_have_their_place(
    client: httpx.Client,
) -> None:
    text = client.get("/metrics").text
    for family in (
        "watchfloor_http_requests_total",
        "watchfloor_http_request_duration_seconds",
        "watchfloor_feed_fetches_total",
        "watchfloor_articles_written_total",
        "watchfloor_articles_extracted_total",
        "watchfloor_events_written_total",
        "watchfloor_collection_pass_duration_seconds",
        "watchfloor_webhook_deliveries_total",
        "watchfloor_threat_score",
        "watchfloor_threat_level",
    ):
        assert f"# HELP {family} " in text, family
        assert f"# TYPE {family} " in text, family
    assert samples(text, "watchfloor_feed_fetches_total")['{outcome="error"}'] >= 0


@pytest.mark.skipif(PROMTOOL is None, reason="promtool not installed (Debian package prometheus)")
def test_promtool_accepts_the_exposition(client: httpx.Client) -> None:
    client.get("/events/1")
    client.get("/hotspots")
    text = client.get("/metrics").text
    checked = subprocess.run(
        [str(PROMTOOL), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.strip() == "" and checked.stderr.strip() == "", checked.stdout


def test_threat_gauges_match_the_current_threat_level(db: Engine, client: httpx.Client) -> None:
    yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with Session(db) as session:
        source = make_source(session)
        article = make_article(session, source, published_at=yesterday)
        event = make_event(
            session,
            category="missile_test",
            severity=4,
            claim_status="confirmed",
            event_date=yesterday.date(),
            first_reported_at=yesterday,
            last_reported_at=yesterday,
            **JONGJU,
        )
        make_mention(session, event, article)
        session.commit()
    threat = client.get("/threat-level").json()
    assert threat["score"] > 0, threat
    text = client.get("/metrics").text
    assert samples(text, "watchfloor_threat_score")[""] == pytest.approx(threat["score"])
    levels = samples(text, "watchfloor_threat_level")
    assert levels[f'{{level="{threat["level"]}"}}'] == 1.0
    assert sum(levels.values()) == 1.0
