"""The pure extractor: the hard cases pinned one by one."""

from __future__ import annotations

import csv
import datetime as dt
import math
from importlib import resources

import pytest

from app.assessment.hotspots import map_anchors
from app.extraction import ArticleInput, ExtractedEvent, extract_article
from app.extraction.dates import Anchor, find_dates, publish_day
from app.extraction.lexicon import gazetteer
from app.extraction.text import article_sentences, split_sentences

UTC = dt.UTC


def run(
    title: str, text: str = "", published: str = "2026-05-27T01:00:00Z", source: str = "NK News"
) -> list[ExtractedEvent]:
    when = dt.datetime.fromisoformat(published.replace("Z", "+00:00"))
    return extract_article(
        ArticleInput(id="t", title=title, text=text, published=when, source=source)
    )


def only(events: list[ExtractedEvent], category: str) -> ExtractedEvent:
    matching = [e for e in events if e.category == category]
    assert len(matching) == 1, [(e.category, e.evidence) for e in events]
    return matching[0]


def km(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dl = math.radians(b[1] - a[1])
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


# --- sentences ------------------------------------------------------------------------------


def test_sentence_splitting_respects_abbreviations_times_and_quotes() -> None:
    text = (
        "The U.S. military said Gen. Paul LaCamera saw No. 3 launch pad at 1 p.m. Seoul time. "
        'Kim said: "We will respond. They will pay." Then he left.'
    )
    assert split_sentences(text) == [
        "The U.S. military said Gen. Paul LaCamera saw No. 3 launch pad at 1 p.m. Seoul time.",
        'Kim said: "We will respond.',
        'They will pay."',
        "Then he left.",
    ]


def test_a_copy_that_lost_the_space_after_a_period_still_splits() -> None:
    text = "Shells fell early in the day.The JCS said the U.S.Forces saw it at 5 a.m.Then it ended."
    assert split_sentences(text) == [
        "Shells fell early in the day.",
        "The JCS said the U.S.Forces saw it at 5 a.m.Then it ended.",
    ]


def test_a_line_wrapped_after_a_preposition_is_one_sentence() -> None:
    # hard-wrapped copy: "in" ends no sentence, so the capitalised line after it continues it
    sentences = article_sentences(
        "Envoys sign accord",
        "The accord was signed by the two envoys in\nHanoi on Friday.\nTalks resume in May.",
    )
    assert [s.text for s in sentences[1:]] == [
        "The accord was signed by the two envoys in Hanoi on Friday.",
        "Talks resume in May.",
    ]


def test_title_is_sentence_zero_and_dateline_is_dropped() -> None:
    sentences = article_sentences("Headline here", "SEOUL, May 26 (Yonhap) -- North Korea fired.")
    assert [s.text for s in sentences] == ["Headline here", "North Korea fired."]
    assert sentences[0].is_title


def test_hangul_survives_normalisation_and_matches_the_gazetteer() -> None:
    events = run(
        "북한, 평양에서 탄도미사일 발사",
        "North Korea fired a ballistic missile from 순안 on Tuesday, the JCS said.",
    )
    event = only(events, "missile_test")
    assert event.location is not None and event.location.name == "Sunan"
    assert "평양" in article_sentences("평양", "")[0].text


# --- places ---------------------------------------------------------------------------------


def test_chongju_in_the_north_is_not_cheongju_in_the_south() -> None:
    north = only(
        run(
            "North Korea fires missiles from Chongju",
            "North Korea fired two ballistic missiles from the Chongju area on Tuesday, the JCS said.",
        ),
        "missile_test",
    )
    south = only(
        run(
            "Air force to base F-35A fighters in Cheongju",
            "South Korea's air force said on Tuesday it will deploy 20 more F-35A fighters to its base in Cheongju.",
        ),
        "defense_policy",
    )
    assert north.location is not None and north.location.id == "kp-jongju"
    assert south.location is not None and south.location.id == "kr-cheongju"


def test_capitals_as_speakers_and_datelines_are_not_event_places() -> None:
    event = only(
        run(
            "North Korea fires missile: Seoul",
            "SEOUL, May 26 (Yonhap) -- North Korea fired a ballistic missile on Tuesday, according to Seoul's Joint Chiefs of Staff. Pyongyang said nothing.",
        ),
        "missile_test",
    )
    assert event.location is not None
    assert event.location.precision == "country" and event.location.lat is None


def test_launch_site_beats_the_sea_it_fell_into() -> None:
    event = only(
        run(
            "North Korea fires ICBM",
            "North Korea fired an ICBM on Tuesday that fell into the East Sea, Japan's Ministry of Defense said. The JCS said it detected the launch from the Sunan area of Pyongyang.",
        ),
        "missile_test",
    )
    assert event.location is not None and event.location.id == "kp-sunan"


def test_tonghae_as_the_sea_word_is_the_sea_not_the_launch_site() -> None:
    event = only(
        run(
            "Navy drill in Tonghae waters",
            "North Korea's navy staged a live-fire drill in the waters of the Tonghae (East Sea) on Saturday, KCNA said.",
        ),
        "military_exercise",
    )
    assert event.location is not None and event.location.precision == "sea"


def test_missile_family_names_are_not_places() -> None:
    event = only(
        run(
            "North Korea tests Hwasong-18 ICBM",
            "North Korea fired a Hwasong-18 ICBM on Tuesday, the JCS said.",
        ),
        "missile_test",
    )
    assert event.location is None or event.location.id != "kp-hwasong-county"
    assert event.severity == 5 and "ICBM" in event.weapons


def test_a_planned_deployment_is_not_where_a_test_happened() -> None:
    event = only(
        run(
            "North Korea tests tactical cruise missiles",
            "Kim Jong Un oversaw a missile test on Tuesday featuring a cruise missile system to be deployed at the South Korean border, according to state media.",
        ),
        "missile_test",
    )
    assert event.location is None or event.location.precision == "country"
    assert event.claim_status == "claimed"


def test_seed_hotspots_are_within_50_km_of_where_the_map_draws_their_places() -> None:
    places = gazetteer()
    checks = {
        "kr-korean-demilitarized-zone": (38.3, 127.2),
        "kp-jongju": (39.6667, 125.0667),
        "intl-china-nk-border": (40.1, 124.4),
    }
    for place_id, point in checks.items():
        assert km((places[place_id].lat, places[place_id].lon), point) <= 50, place_id
    # a sea's events sit at its reference point; the map draws them off the coast
    yellow = places["intl-yellow-sea"]
    # within a sea's tolerance (400 km) of both the basin's centroid and the NLL's waters
    assert km((yellow.lat, yellow.lon), (35.0, 123.0)) <= 400
    assert km((yellow.lat, yellow.lon), (38.5, 125.5)) <= 400
    east = places["intl-sea-of-japan"]
    assert km((east.lat, east.lon), (40.0, 135.0)) <= 400
    assert km((east.lat, east.lon), (39.0, 129.0)) <= 400
    assert km(map_anchors()["intl-yellow-sea"], (39.5, 124.5)) <= 50


def test_gazetteer_file_is_well_formed() -> None:
    text = resources.files("app.extraction").joinpath("data", "gazetteer.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert len({r["id"] for r in rows}) == len(rows) > 100
    for row in rows:
        assert row["precision"] in {"site", "city", "province", "sea", "border", "country"}
        assert -90 <= float(row["lat"]) <= 90 and -180 <= float(row["lon"]) <= 180
        assert row["source"], row["id"]
        if row["country"] == "KP" and row["precision"] != "country":
            assert 37.5 <= float(row["lat"]) <= 43.1 and 124 <= float(row["lon"]) <= 131, row["id"]


# --- dates ----------------------------------------------------------------------------------


def test_weekday_resolves_in_korea_time_not_utc() -> None:
    # Monday 20:00 UTC is Tuesday 05:00 in Seoul: "on Tuesday" is that same Tuesday
    published = dt.datetime(2026, 5, 25, 20, 0, tzinfo=UTC)
    today = publish_day(published)
    assert today == dt.date(2026, 5, 26)
    [mention] = find_dates("fired on Tuesday", today)
    assert mention.date == dt.date(2026, 5, 26) and mention.precision == "day"


def test_a_bare_publish_date_may_be_a_day_behind_korea() -> None:
    # A page dated Saturday 2026-05-30 with no time: its "Sunday" is the next day in Seoul, while
    # its "Friday" stays the day before; with a time given, the KST day decides alone.
    bare = Anchor.of(dt.datetime(2026, 5, 30, tzinfo=UTC))
    [sunday] = find_dates("fired on Sunday", bare)
    [friday] = find_dates("fired on Friday", bare)
    assert (sunday.date, friday.date) == (dt.date(2026, 5, 31), dt.date(2026, 5, 29))
    timed = Anchor.of(dt.datetime(2026, 5, 30, 1, 0, tzinfo=UTC))
    [last_sunday] = find_dates("fired on Sunday", timed)
    assert last_sunday.date == dt.date(2026, 5, 24)


@pytest.mark.parametrize(
    ("phrase", "expected", "precision"),
    [
        ("yesterday", dt.date(2026, 5, 26), "day"),
        ("last Tuesday", dt.date(2026, 5, 19), "day"),
        ("on Monday", dt.date(2026, 5, 25), "day"),
        ("last week", dt.date(2026, 5, 18), "week"),
        ("on May 20", dt.date(2026, 5, 20), "day"),
        ("on 20 May 2026", dt.date(2026, 5, 20), "day"),
        ("on Dec. 30", dt.date(2025, 12, 30), "day"),
        ("earlier this month", dt.date(2026, 5, 1), "month"),
    ],
)
def test_relative_and_absolute_dates(phrase: str, expected: dt.date, precision: str) -> None:
    [mention] = find_dates(f"It happened {phrase}.", dt.date(2026, 5, 27))  # a Wednesday
    assert (mention.date, mention.precision) == (expected, precision)


def test_plans_are_not_dates_of_events() -> None:
    assert find_dates("a party meeting in late June", dt.date(2026, 5, 25)) == []
    assert find_dates("talks on June 20", dt.date(2026, 5, 25)) == []


def test_event_date_is_the_one_attached_to_the_happening() -> None:
    event = only(
        run(
            "North Korea says it tested hypersonic engine",
            "North Korea said on Wednesday it had tested a new solid-fuel engine for a hypersonic missile on Tuesday, according to KCNA.",
            published="2026-06-10T01:00:00Z",
        ),
        "missile_test",
    )
    assert event.event_date == dt.date(2026, 6, 9)


def test_a_report_day_gives_way_to_the_day_the_next_sentences_give() -> None:
    # 2026-06-12 is a Friday: the drill it reports was held on Tuesday, 9 June
    event = only(
        run(
            "Allies wrap up air drills",
            "South Korea and the United States held combined air drills, the air force said Friday. "
            "The two-day exercise began on Tuesday over the central region.",
            published="2026-06-12T02:00:00Z",
        ),
        "military_exercise",
    )
    assert event.event_date == dt.date(2026, 6, 9)


def test_a_report_day_stands_when_the_next_sentences_name_only_older_background() -> None:
    # the next sentence names the report day itself first: the reported happening is that day
    event = only(
        run(
            "Allies hold air drills",
            "South Korea and the United States held combined air drills, the air force said Friday. "
            "The jets took off on June 12 from Osan, after talks held on June 2.",
            published="2026-06-12T02:00:00Z",
        ),
        "military_exercise",
    )
    assert event.event_date == dt.date(2026, 6, 12)


def test_the_previous_day_is_the_day_before_publication() -> None:
    found = find_dates("the ceremony took place the previous day", dt.date(2026, 6, 12))
    assert [(d.date, d.precision) for d in found] == [(dt.date(2026, 6, 11), "day")]


def test_a_statement_dated_a_day_is_when_it_was_said_not_the_event() -> None:
    event = only(
        run(
            "North Korea restarts reactor",
            "North Korea has restarted its reactor, state media said Friday. "
            "The restart came as declared in a foreign ministry statement dated June 1.",
            published="2026-06-12T02:00:00Z",
        ),
        "nuclear",
    )
    assert event.event_date == dt.date(2026, 6, 12)


def test_a_month_that_names_another_happening_does_not_date_the_event() -> None:
    # "last month's test" is the reason for the sanctions, which are dated by their own report
    event = only(
        run(
            "Japan widens sanctions on North Korea",
            "Japan widened its sanctions on North Korea on Friday in response to last month's "
            "missile test.",
            published="2026-06-12T02:00:00Z",
        ),
        "sanctions",
    )
    assert event.event_date == dt.date(2026, 6, 12)


def test_a_month_that_starts_a_stretch_does_not_date_the_event() -> None:
    event = only(
        run(
            "Spy agency says North shipped shells",
            "North Korea has shipped artillery shells to Russia since March, the spy agency said "
            "on Wednesday.",
            published="2026-06-11T02:00:00Z",
        ),
        "arms_transfer",
    )
    assert (event.event_date, event.date_precision) != (dt.date(2026, 3, 1), "month")


def test_no_date_falls_back_to_the_publish_day_with_precision_unknown() -> None:
    event = only(
        run("North Korea fires ballistic missile", "The JCS said the missile flew 300 km."),
        "missile_test",
    )
    assert (event.event_date, event.date_precision) == (dt.date(2026, 5, 27), "unknown")


# --- claims ---------------------------------------------------------------------------------


def test_state_media_alone_is_claimed_and_an_independent_detection_confirms() -> None:
    claimed = only(
        run(
            "North Korea tests cruise missiles",
            "North Korea test-fired strategic cruise missiles on Tuesday, the Korean Central News Agency said.",
        ),
        "missile_test",
    )
    confirmed = only(
        run(
            "North Korea tests cruise missiles",
            "North Korea test-fired strategic cruise missiles on Tuesday, KCNA said. South Korea's military said it detected the launch.",
        ),
        "missile_test",
    )
    reported = only(
        run(
            "North Korea fires missile, reports say",
            "North Korea fired a ballistic missile on Tuesday, according to local media reports.",
        ),
        "missile_test",
    )
    assert (claimed.claim_status, confirmed.claim_status, reported.claim_status) == (
        "claimed",
        "confirmed",
        "reported",
    )
    assert confirmed.confidence > reported.confidence > claimed.confidence


def test_north_korean_ministries_do_not_confirm() -> None:
    event = only(
        run(
            "North Korea fires missile",
            "North Korea fired a ballistic missile on Tuesday, North Korea's defence ministry said.",
        ),
        "missile_test",
    )
    assert event.claim_status == "claimed"


# --- categories and precision ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (
            "North Korean soccer team defeats Japan to win women's championship",
            "A Pyongyang-based women's soccer team defeated a Japanese opponent 1-0, state media said.",
        ),
        (
            "North Korea bans smoking while driving, jaywalking, walking pets without collar",
            "North Korean media this week promoted a revision to traffic laws.",
        ),
        (
            "North Korean showroom selling Lexus, Mercedes luxury cars",
            "A car showroom in Pyongyang is selling luxury vehicles.",
        ),
        (
            "K-pop group's Seoul concert sells out",
            "Tickets sold out on Friday, even as news of North Korea's missile launches earlier this year dominated headlines.",
        ),
        (
            "North Korean club soccer team wins AFC title",
            "This week, our correspondent joins the podcast to discuss a soccer team's trip.",
        ),
        (
            "Why military strikes on North Korea's nuke program would have made things worse",
            "The U.S. bombing campaign raised questions about nuclear tests.",
        ),
    ],
)
def test_non_security_items_yield_no_event(title: str, text: str) -> None:
    assert run(title, text) == []


def test_launching_a_group_is_not_a_missile_launch() -> None:
    events = run(
        "Families of South Koreans detained in North launch group to advocate for release",
        "Family members of South Koreans detained in North Korea for over a decade have established a new association.",
    )
    assert [e.category for e in events] == ["humanitarian"]


def test_one_article_can_carry_a_launch_and_the_summit_before_it() -> None:
    events = run(
        "North Korea fires missile days after Kim-Putin talks",
        "North Korea fired a short-range ballistic missile into the Yellow Sea on Friday, South Korea's Joint Chiefs of Staff said. The launch came days after Kim Jong Un held talks with Russian President Vladimir Putin in Vladivostok on Monday.",
        published="2026-07-10T05:00:00Z",
    )
    launch, talks = only(events, "missile_test"), only(events, "diplomacy")
    assert launch.location is not None and launch.location.precision == "sea"
    assert talks.location is not None and talks.location.name == "Vladivostok"
    assert talks.event_date == dt.date(2026, 7, 6) and launch.event_date == dt.date(2026, 7, 10)


def test_an_undated_aside_does_not_make_an_event() -> None:
    events = run(
        "North Korea fires missile",
        "North Korea fired a ballistic missile on Friday, the JCS said, days after Xi and Putin held talks in Beijing.",
    )
    assert [e.category for e in events] == ["missile_test"]


def test_figures_range_count_and_apogee() -> None:
    event = only(
        run(
            "North Korea fires two ballistic missiles",
            "North Korea fired two ballistic missiles on Tuesday that flew about 80 km (50 miles) and reached an altitude of 50 km, the JCS said.",
        ),
        "missile_test",
    )
    assert event.figures == {"range_km": 80, "apogee_km": 50, "count": 2}


def test_every_event_explains_itself_and_is_deterministic() -> None:
    args = (
        "North Korea fires artillery near border",
        "North Korea fired about 60 artillery rounds near the Northern Limit Line on Saturday, the JCS said.",
    )
    first, second = run(*args), run(*args)
    assert [e.to_dict() for e in first] == [e.to_dict() for e in second]
    event = only(first, "artillery")
    assert event.severity == 3 and event.evidence
    assert set(event.reasons) >= {
        "category",
        "date",
        "location",
        "claim_status",
        "severity",
        "confidence",
    }


def test_category_gates_change_no_trigger_on_the_labelled_sets() -> None:
    import json
    from pathlib import Path

    from app.extraction.core import _triggers

    data = Path(__file__).parent / "data"
    paths = [data / "devset.jsonl", *sorted((data / "realtext").glob("*.jsonl"))]
    rows = [
        json.loads(line)
        for path in paths
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    checked = 0
    for row in rows:
        for sentence in article_sentences(row["title"] or "", row["text"]):
            gated = [(t.category, t.start) for t in _triggers(sentence)]
            full = [(t.category, t.start) for t in _triggers(sentence, gated=False)]
            assert gated == full, sentence.text
            checked += bool(full)
    assert checked > 50
