"""What a period's report covers: the window's events (one rule for every surface), as known at
its as_of, with a note when later reports revised it; its sentences and indicators."""

from __future__ import annotations

import datetime as dt
import re

from sqlmodel import Session

from app.assessment import methodology as m
from app.assessment.report import build_report, end_sentence
from app.assessment.situation import assess_situation
from tests.api.factories import DMZ, JONGJU, make_article, make_event, make_mention, make_source

FIRST, LAST = dt.date(2026, 5, 21), dt.date(2026, 5, 28)
PERIOD_END = dt.datetime(2026, 5, 29, tzinfo=dt.UTC)


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def _cited(report: dict) -> set[int]:
    return {
        event_id
        for section in report["key_developments"]
        for event_id in [item["id"] for item in section["items"]] + section["more_event_ids"]
    }


def test_the_report_covers_exactly_the_events_of_its_window(session: Session) -> None:
    in_period = make_event(session, category="missile_test", event_date=dt.date(2026, 5, 26))
    late_news = make_event(  # happened days before, first reported in the period
        session,
        category="arms_transfer",
        event_date=FIRST - dt.timedelta(days=5),
        first_reported_at=_at(FIRST),
        last_reported_at=_at(FIRST),
    )
    old_news = make_event(  # reported before the period: last period's news
        session,
        category="sanctions",
        event_date=FIRST - dt.timedelta(days=7),
        first_reported_at=_at(FIRST - dt.timedelta(days=6)),
        last_reported_at=_at(FIRST - dt.timedelta(days=6)),
    )
    old_revelation = make_event(  # too old: it belongs to its own period
        session,
        category="cyber",
        event_date=FIRST - dt.timedelta(days=m.LATE_REPORT_DAYS + 5),
        first_reported_at=_at(FIRST + dt.timedelta(days=1)),
        last_reported_at=_at(FIRST + dt.timedelta(days=1)),
    )
    last_week = make_event(  # "last week", reported on the period's first day
        session,
        category="military_exercise",
        event_date=FIRST - dt.timedelta(days=3),
        date_precision="week",
        first_reported_at=_at(FIRST),
        last_reported_at=_at(FIRST),
    )
    after = make_event(session, category="cyber", event_date=LAST + dt.timedelta(days=1))
    session.commit()

    report = build_report(session, FIRST, LAST, max_annex_articles=100, as_of=PERIOD_END)
    cited = _cited(report)
    assert cited == {in_period.id, late_news.id, last_week.id}
    assert not {old_news.id, old_revelation.id, after.id} & cited
    threat = report["threat_level"]
    assert threat["event_count"] == 3
    assert report["executive_summary"][0]["text"].startswith(
        "From May 21, 2026 to May 28, 2026, 3 events were recorded"
    )
    assert set(report["executive_summary"][0]["event_ids"]) == cited
    situation = assess_situation(session, FIRST, LAST, as_of=PERIOD_END)
    assert (threat["level"], threat["score"]) == (situation.threat.level, situation.threat.score)
    # The previous week, as known now, holds what happened in it (the late news too).
    before = assess_situation(
        session, FIRST - dt.timedelta(days=8), FIRST - dt.timedelta(days=1), as_of=PERIOD_END
    )
    assert set(before.threat.event_ids) == {late_news.id, old_news.id, last_week.id}


def test_as_of_and_the_revision_note(session: Session) -> None:
    source_a, source_b = make_source(session), make_source(session)
    launch = make_event(
        session,
        category="missile_test",
        severity=4,
        claim_status="reported",
        corroboration=2,
        first_reported_at=_at(dt.date(2026, 5, 26)),
        last_reported_at=_at(dt.date(2026, 6, 2)),
        **JONGJU,
    )
    early = make_article(session, source_a, published_at=_at(dt.date(2026, 5, 26)))
    late = make_article(session, source_b, published_at=_at(dt.date(2026, 6, 2)))
    make_mention(session, launch, early, claim_status="reported")
    make_mention(session, launch, late, claim_status="confirmed")
    reported_later = make_event(
        session,
        category="border_maritime",
        event_date=dt.date(2026, 5, 27),
        first_reported_at=_at(dt.date(2026, 6, 1)),
        last_reported_at=_at(dt.date(2026, 6, 1)),
        **DMZ,
    )
    session.commit()

    then = build_report(session, FIRST, LAST, max_annex_articles=100, as_of=PERIOD_END)
    assert then["as_of"] == "2026-05-29T00:00:00Z"
    assert then["revised_since_period_end"] is None
    assert then["threat_level"]["event_count"] == 1
    [item] = then["key_developments"][0]["items"]
    assert (item["claim_status"], item["corroboration"]) == ("reported", 1)  # as known then
    assert [s["article_id"] for s in item["sources"]] == [early.id]

    now = dt.datetime(2026, 6, 10, tzinfo=dt.UTC)
    report = build_report(session, FIRST, LAST, max_annex_articles=100, as_of=now)
    assert report["as_of"] == "2026-06-10T00:00:00Z"
    assert report["threat_level"]["event_count"] == 2
    assert report["threat_level"]["score"] > then["threat_level"]["score"]
    note = report["revised_since_period_end"]
    assert note["as_of"] == "2026-05-29T00:00:00Z"
    assert (note["level"], note["score"]) == (
        then["threat_level"]["level"],
        then["threat_level"]["score"],
    )
    assert note["event_ids"] == sorted([launch.id, reported_later.id])
    assert note["text"].startswith("Revised since the period ended: as known at 2026-05-29")
    assert report["executive_summary"][-1]["text"] == note["text"]


def test_sentences_end_once() -> None:
    assert end_sentence('make DMZ management "more realistic."') == (
        'make DMZ management "more realistic."'
    )
    assert end_sentence("It launched;") == "It launched."
    assert end_sentence("Did it? ") == "Did it?"
    assert end_sentence("A launch (May 26)") == "A launch (May 26)."


def test_no_doubled_punctuation_and_no_cut_details(session: Session) -> None:
    make_event(
        session,
        category="border_maritime",
        title='Seoul says it aims to make DMZ management "more realistic."',
        summary='A spokesperson said the aim was to make DMZ management "more realistic."',
        **DMZ,
    )
    make_event(session, category="missile_test", title="Launch?", **JONGJU)
    session.commit()
    report = build_report(session, FIRST, LAST, max_annex_articles=100, as_of=PERIOD_END)
    texts = [s["text"] for s in report["executive_summary"]]
    texts += [i["text"] for s in report["key_developments"] for i in s["items"]]
    texts += [h["detail"] for h in report["hotspots"]]
    texts += [i["text"] for i in report["indicators"]]
    for text in texts:
        assert not re.search(r"[.!?][\"'\u201d\u2019]?[.!?]", text), text
        assert not text.endswith(("...", "\u2026")) and text[-1] in '.!?"\u201d', text


def test_indicators_are_computed_from_the_events(session: Session) -> None:
    source = make_source(session)
    make_article(session, source, published_at=_at(dt.date(2024, 12, 30)))  # covers 2025
    for day in (dt.date(2025, 3, 1), dt.date(2026, 2, 1), dt.date(2026, 4, 1)):
        make_event(session, category="missile_test", event_date=day, **JONGJU)
    make_event(session, category="missile_test", event_date=dt.date(2025, 7, 1), **JONGJU)
    incident = make_event(session, category="border_maritime", **DMZ)
    session.commit()
    report = build_report(session, FIRST, LAST, max_annex_articles=100, as_of=PERIOD_END)
    by_id = {i["id"]: i for i in report["indicators"]}
    launches = by_id["launches_year_to_date"]
    assert (launches["value"], launches["comparison"]["value"]) == (2, 1)
    assert launches["status"] == "above last year"
    assert launches["text"] == (
        "2 launches recorded from January 1 to May 28, 2026, against 1 in the same period of 2025."
    )
    since = by_id["days_since_last_launch"]
    assert (since["value"], since["status"]) == ((LAST - dt.date(2026, 4, 1)).days, "recent")
    border = by_id["border_incidents"]
    assert (border["value"], border["status"], border["event_ids"]) == (
        1,
        "above usual",
        [incident.id],
    )
    assert {i["id"] for i in report["indicators"]} >= {"nuclear_developments", "cyber_operations"}
    for indicator in report["indicators"]:
        assert {"name", "value", "status", "text", "event_ids"} <= set(indicator)
