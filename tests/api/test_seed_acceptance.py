"""Acceptance on the seed: `watchfloor demo`, extraction, then the 2026-05-21..28 assessment.

The target is the seed report (/work/shared/seeds/003_*): hotspots at Jongju/Chongju, the Yellow
Sea west coast, the inter-Korean border and the China-North Korea border, each within 50 km of the
seed's coordinates; key developments under the seed's headings its corpus covers. The seed reads
"High" on reasons the demo corpus only partly carries: its launch from the west coast (one
event, at Jongju, with the Yellow Sea as its impact area) is there, the DMZ fortification order
is not (no demo article reports it; the Washington talks about the DMZ are talks, not an
incident), so the corrected count reads Elevated and the map has no DMZ hotspot.
Needs the collector's demo corpus and the extraction stage; skipped until both are importable.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import subprocess
import sys
from pathlib import Path

import httpx
import sqlalchemy as sa
from sqlmodel import Session

from app.core.models import Article

ROOT = Path(__file__).resolve().parents[2]
SEED_HOTSPOTS = {
    "Yellow Sea (West Coast)": (39.5, 124.5),
    "Inter-Korean Border (DMZ)": (38.3, 127.2),
    "Jongju/Chongju": (39.6667, 125.0667),
    "China-North Korea Border (Jilin Province)": (40.1, 124.4),
}
MAX_DISTANCE_KM = 50.0
# Headings whose subject the seed annex's own titles cover (a launch, the nuclear submarine plan,
# Xi's visit and the Putin-Xi summit, Russian escorts of arms shipments).
HEADINGS_COVERED = (
    "Military Activities and Exercises",
    "Defense Policy and Strategic Shifts",
    "Diplomatic Relations",
    "Defense Acquisitions and Arms Deals",
)
# Headings the corpus covers only if the demo corpus carries such articles.
HEADINGS_IF_PRESENT = {
    "Maritime and Border Security": re.compile(r"\bDMZ\b|smuggl", re.I),
    "Cybersecurity": re.compile(r"cyber|hacker|crypto", re.I),
}


HEADING_CATEGORIES = {
    "Maritime and Border Security": {"border_maritime"},
    "Cybersecurity": {"cyber"},
}


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def load_demo_corpus(db: sa.Engine) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "demo"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    from app.extraction import extract_pending

    with Session(db) as session:
        pending = list(session.scalars(sa.select(Article.id).where(Article.extracted_at.is_(None))))
        if pending:
            extract_pending(session, article_ids=pending)
        session.commit()


SEED_INTENSITIES = {
    "Yellow Sea (West Coast)": 4,
    "Inter-Korean Border (DMZ)": 3,
    "Jongju/Chongju": 4,
    "China-North Korea Border (Jilin Province)": 2,
}
PERIOD_END = "2026-05-29T00:00:00Z"


def surfaces(client: httpx.Client, admin: dict[str, str], as_of: str) -> dict[str, object]:
    """The seed week's level, score and hotspots on every surface, for one as_of."""
    report = client.post(
        "/assessments",
        json={"from": "2026-05-21", "to": "2026-05-28", "as_of": as_of},
        headers=admin,
    ).json()
    threat = client.get(
        "/threat-level", params={"from": "2026-05-21", "at": "2026-05-28T23:59:59Z", "as_of": as_of}
    ).json()
    layer = client.get(
        "/hotspots", params={"from": "2026-05-21", "to": "2026-05-28", "as_of": as_of}
    ).json()
    return {
        "report": (
            report["threat_level"]["level"],
            report["threat_level"]["score"],
            report["threat_level"]["event_count"],
            sorted((h["label"], h["intensity"]) for h in report["hotspots"]),
        ),
        "threat-level": (threat["level"], threat["score"], threat["event_count"]),
        "hotspots": (
            layer["threat_level"]["level"],
            layer["threat_level"]["score"],
            layer["threat_level"]["event_count"],
            sorted(
                (f["properties"]["label"], f["properties"]["intensity"]) for f in layer["features"]
            ),
        ),
    }


def test_seed_week_assessment(db: sa.Engine, client: httpx.Client, admin: dict[str, str]) -> None:
    load_demo_corpus(db)
    response = client.post(
        "/assessments", json={"from": "2026-05-21", "to": "2026-05-28"}, headers=admin
    )
    assert response.status_code == 201, response.text
    doc = response.json()
    # the launch leads the week, counted once: an Elevated week, as the corrected count reads
    assert doc["structured"]["threat_level"] in {"Elevated", "High"}, doc["threat_level"]
    drivers = doc["threat_level"]["drivers"]
    assert drivers[0]["category"] == "missile_test", drivers
    assert sum(d["category"] == "missile_test" for d in drivers) == 1, drivers
    assert doc["threat_level"]["event_count"] == len(
        {
            i
            for s in doc["key_developments"]
            for i in [x["id"] for x in s["items"]] + s["more_event_ids"]
        }
    )

    # Every hotspot lies on the peninsula, its seas or the border belt, and near a seed one.
    points = [(h["lat"], h["lng"]) for h in doc["structured"]["hotspots"]]
    assert points
    for point in points:
        nearest = min(km(seed_point, point) for seed_point in SEED_HOTSPOTS.values())
        assert nearest <= MAX_DISTANCE_KM, f"a hotspot the seed lacks at {point}"

    sections = {s["heading"]: s for s in doc["key_developments"]}
    for heading in HEADINGS_COVERED:
        assert sections[heading]["items"], f"no development under {heading}"
    with Session(db) as session:
        texts = [
            f"{t} {s or ''}"
            for t, s in session.execute(
                sa.select(Article.title, Article.summary).where(
                    Article.published_at >= dt.datetime.fromisoformat(doc["period"]["start"]),
                    Article.published_at < dt.datetime.fromisoformat(doc["period"]["end"]),
                )
            )
        ]
    # a heading is due when an event of its kind happened in the week (a report this week of
    # last year's crypto theft is last year's event: no Cybersecurity development this week)
    happened = client.get(
        "/events", params={"from": "2026-05-21", "to": "2026-05-28", "limit": 100}
    ).json()["items"]
    kinds = {e["category"] for e in happened}
    for heading, pattern in HEADINGS_IF_PRESENT.items():
        due = HEADING_CATEGORIES[heading] & kinds
        if due and any(pattern.search(text) for text in texts):
            assert sections[heading]["items"], f"no development under {heading}"


def test_seed_week_every_surface_gives_the_same_answer(
    db: sa.Engine, client: httpx.Client, admin: dict[str, str]
) -> None:
    load_demo_corpus(db)
    for as_of in (PERIOD_END, "2026-06-01T12:00:00Z", "2026-12-01T00:00:00Z"):
        answers = surfaces(client, admin, as_of)
        report, threat, layer = answers["report"], answers["threat-level"], answers["hotspots"]
        assert report[:3] == threat == layer[:3], answers
        assert report[3] == layer[3], answers
        ogc = client.get(
            "/ogc/collections/hotspots/items", params={"datetime": "2026-05-21/2026-05-28"}
        ).json()
        if as_of == PERIOD_END:  # the OGC layer answers as known at the window's end
            assert (
                sorted(
                    (f["properties"]["label"], f["properties"]["intensity"])
                    for f in ogc["features"]
                )
                == report[3]
            )


def test_seed_week_hotspots_are_the_seeds_four(
    db: sa.Engine, client: httpx.Client, admin: dict[str, str]
) -> None:
    load_demo_corpus(db)
    doc = client.post(
        "/assessments", json={"from": "2026-05-21", "to": "2026-05-28"}, headers=admin
    ).json()
    spots = [(h["lat"], h["lng"], h["intensity"]) for h in doc["structured"]["hotspots"]]
    # no event of the window happened at the DMZ (the seed's fortification order is not in the
    # demo corpus): the seed's other three, and nothing else
    events = client.get(
        "/events", params={"from": "2026-05-21", "to": "2026-05-28", "limit": 100}
    ).json()
    at_dmz = [
        e
        for e in events["items"]
        if e.get("location") and "Demilitarized" in (e["location"].get("name") or "")
    ]
    expected = {k: v for k, v in SEED_HOTSPOTS.items() if at_dmz or "DMZ" not in k}
    assert len(spots) == len(expected), spots
    for label, seed_point in expected.items():
        lat, lng, intensity = min(spots, key=lambda s: km(seed_point, (s[0], s[1])))
        assert km(seed_point, (lat, lng)) <= MAX_DISTANCE_KM, f"no hotspot near {label}: {spots}"
        assert abs(intensity - SEED_INTENSITIES[label]) <= 1, (label, intensity)
