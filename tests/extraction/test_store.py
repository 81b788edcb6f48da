"""Events in PostgreSQL: merging across publishers, upgrades, idempotence, rebuilds."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
from sqlmodel import Session, select

from app.core.models import Article, Event, EventMention, Source
from app.extraction import (
    ArticleInput,
    ExtractedEvent,
    extract_all,
    extract_article,
    extract_pending,
    rebuild_events,
)
from app.extraction.lexicon import gazetteer

_serial = itertools.count(1)

JCS_LAUNCH = (
    "North Korea fires ballistic missile from Jongju, JCS says",
    "North Korea fired a short-range ballistic missile from the Jongju area on Tuesday, "
    "South Korea's Joint Chiefs of Staff said. The missile flew about 80 km (50 miles).",
)
KCNA_LAUNCH = (
    "North Korea tests new tactical ballistic missile, state media says",
    "Kim Jong Un oversaw the test-fire of a new tactical ballistic missile from Jongju on "
    "Tuesday, the Korean Central News Agency said.",
)
SOCCER = ("North Korean soccer team wins title", "The women's club won 1-0 on Saturday.")


def add_source(session: Session, name: str, reliability: str = "B") -> Source:
    source = Source(name=name, kind="specialist", reliability=reliability)
    session.add(source)
    session.flush()
    return source


def add_article(
    session: Session, source: Source, story: tuple[str, str], published: dt.datetime
) -> Article:
    n = next(_serial)
    article = Article(
        source_id=source.id,  # type: ignore[arg-type]
        guid=f"guid-{n}",
        guid_hash=hashlib.sha256(f"guid-{n}".encode()).hexdigest(),
        url=f"https://example.org/{n}",
        canonical_url=f"https://example.org/{n}",
        title=story[0],
        text=story[1],
        published_at=published,
        content_hash=hashlib.sha256(story[1].encode()).hexdigest(),
    )
    session.add(article)
    session.flush()
    return article


def events(session: Session) -> list[Event]:
    return list(session.exec(select(Event).order_by(Event.id)).all())


def mention_count(session: Session) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(EventMention)) or 0


TUESDAY = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)  # 15:00 KST, Tuesday


def test_two_publishers_merge_into_one_corroborated_event(session: Session) -> None:
    nk_news, yonhap = add_source(session, "NK News"), add_source(session, "Yonhap", "A")
    add_article(session, nk_news, KCNA_LAUNCH, TUESDAY)
    add_article(session, yonhap, JCS_LAUNCH, TUESDAY + dt.timedelta(hours=2))
    add_article(session, yonhap, SOCCER, TUESDAY)
    assert extract_pending(session) == 3
    [event] = events(session)
    assert event.category == "missile_test"
    assert event.corroboration == 2
    assert event.claim_status == "confirmed"
    assert event.location_id == "kp-jongju" and event.event_date == dt.date(2026, 5, 26)
    assert event.figures.get("range_km") == 80
    assert event.first_reported_at == TUESDAY
    assert event.last_reported_at == TUESDAY + dt.timedelta(hours=2)
    assert mention_count(session) == 2
    assert all(a.extracted_at is not None for a in session.exec(select(Article)).all())


def test_same_publisher_twice_counts_once(session: Session) -> None:
    yonhap = add_source(session, "Yonhap")
    add_article(session, yonhap, JCS_LAUNCH, TUESDAY)
    add_article(session, yonhap, KCNA_LAUNCH, TUESDAY + dt.timedelta(hours=1))
    extract_pending(session)
    [event] = events(session)
    assert event.corroboration == 1 and mention_count(session) == 2


def test_claimed_event_upgrades_to_confirmed_when_a_jcs_mention_arrives(session: Session) -> None:
    kcna_watch, yonhap = add_source(session, "KCNA Watch", "C"), add_source(session, "Yonhap")
    first = add_article(session, kcna_watch, KCNA_LAUNCH, TUESDAY)
    extract_pending(session, article_ids=[first.id])  # type: ignore[list-item]
    [event] = events(session)
    assert event.claim_status == "claimed"
    claimed_confidence = event.confidence
    second = add_article(session, yonhap, JCS_LAUNCH, TUESDAY + dt.timedelta(hours=3))
    assert extract_pending(session, article_ids=[second.id]) == 1  # type: ignore[list-item]
    [event] = events(session)
    assert event.claim_status == "confirmed"
    assert event.confidence > claimed_confidence
    assert event.corroboration == 2


def test_rerun_is_idempotent_and_only_touches_pending_articles(session: Session) -> None:
    source = add_source(session, "NK News")
    add_article(session, source, JCS_LAUNCH, TUESDAY)
    assert extract_pending(session) == 1
    before = [(e.id, e.key, e.corroboration) for e in events(session)]
    assert extract_pending(session) == 0
    assert [(e.id, e.key, e.corroboration) for e in events(session)] == before
    assert mention_count(session) == 1


def test_reextracting_an_article_replaces_its_mentions(session: Session) -> None:
    source = add_source(session, "NK News")
    article = add_article(session, source, JCS_LAUNCH, TUESDAY)
    extract_pending(session)
    article.extracted_at = None
    session.add(article)
    session.flush()
    assert extract_pending(session, article_ids=[article.id]) == 1  # type: ignore[list-item]
    assert len(events(session)) == 1 and mention_count(session) == 1


def test_rebuild_gives_the_same_events_without_duplicates(session: Session) -> None:
    nk_news, yonhap = add_source(session, "NK News"), add_source(session, "Yonhap")
    add_article(session, nk_news, KCNA_LAUNCH, TUESDAY)
    add_article(session, yonhap, JCS_LAUNCH, TUESDAY + dt.timedelta(hours=2))
    add_article(
        session,
        yonhap,
        (
            "Xi and Putin meet in Beijing",
            "Xi Jinping and Vladimir Putin held talks in Beijing on May 20 and issued a joint statement.",
        ),
        TUESDAY,
    )
    extract_pending(session)
    before = sorted((e.id, e.key, e.corroboration, e.claim_status) for e in events(session))
    assert len(before) == 2
    first = rebuild_events(session)
    second = rebuild_events(session)
    after = sorted((e.id, e.key, e.corroboration, e.claim_status) for e in events(session))
    assert after == before
    assert first == second == {"articles": 3, "events": 2, "mentions": 3}


def test_distant_places_of_one_category_stay_separate_events(session: Session) -> None:
    source = add_source(session, "Yonhap")
    add_article(session, source, JCS_LAUNCH, TUESDAY)
    add_article(
        session,
        source,
        (
            "North Korea fires missile from Wonsan",
            "North Korea fired a ballistic missile from Wonsan on Tuesday, the JCS said.",
        ),
        TUESDAY,
    )
    extract_pending(session)
    assert sorted(e.location_id for e in events(session)) == ["kp-jongju", "kp-wonsan"]


WONSAN_LAUNCH = (
    "North Korea fires missile from Wonsan",
    "North Korea fired a ballistic missile from Wonsan on Tuesday, the JCS said.",
)
SUMMIT = (
    "Xi and Putin meet in Beijing",
    "Xi Jinping and Vladimir Putin held talks in Beijing on May 20 and issued a joint statement.",
)
DRILLS = (
    "South Korea and US begin combined drills near Yeonpyeong Island",
    "South Korean and US forces began combined live-fire drills near Yeonpyeong Island on "
    "Wednesday, the Joint Chiefs of Staff said.",
)


def add_mixed_batch(session: Session) -> None:
    """Several publishers, categories, places and days, stored in no particular order."""
    nk_news, yonhap = add_source(session, "NK News"), add_source(session, "Yonhap", "A")
    kcna_watch = add_source(session, "KCNA Watch", "C")
    hour = dt.timedelta(hours=1)
    stories = [
        (yonhap, DRILLS, TUESDAY + 26 * hour),
        (kcna_watch, KCNA_LAUNCH, TUESDAY),
        (nk_news, JCS_LAUNCH, TUESDAY + 2 * hour),
        (yonhap, WONSAN_LAUNCH, TUESDAY + 3 * hour),
        (yonhap, SUMMIT, TUESDAY),
        (nk_news, DRILLS, TUESDAY + 27 * hour),
        (yonhap, JCS_LAUNCH, TUESDAY + 5 * hour),
        (nk_news, SOCCER, TUESDAY),
        (kcna_watch, WONSAN_LAUNCH, TUESDAY + 4 * hour),
    ]
    for source, story, published in stories:
        add_article(session, source, story, published)


def snapshot(session: Session) -> list[tuple[object, ...]]:
    """Everything about the events except their row ids and timestamps of the write."""
    counts = dict(
        session.execute(
            sa.select(EventMention.event_id, sa.func.count()).group_by(EventMention.event_id)
        ).all()
    )
    session.expire_all()
    return sorted(
        (
            e.key,
            e.category,
            e.event_date,
            e.location_id,
            e.corroboration,
            e.claim_status,
            e.severity,
            e.confidence,
            e.first_reported_at,
            e.last_reported_at,
            tuple(e.actors),
            tuple(e.weapons),
            tuple(sorted(e.figures.items())),
            counts[e.id],
        )
        for e in events(session)
    )


def forget_extraction(session: Session) -> None:
    session.execute(sa.delete(EventMention))
    session.execute(sa.delete(Event))
    session.execute(sa.update(Article).values(extracted_at=None))
    session.flush()


def test_one_batch_equals_one_call_per_article(session: Session) -> None:
    add_mixed_batch(session)
    assert extract_pending(session) == 9
    batched = snapshot(session)
    assert len(batched) >= 4  # two launches, the drills, the summit
    forget_extraction(session)
    in_order = session.exec(select(Article).order_by(Article.published_at, Article.id)).all()
    for article in in_order:
        assert extract_pending(session, article_ids=[article.id]) == 1  # type: ignore[list-item]
    assert snapshot(session) == batched


def test_batch_merges_publishers_of_one_event_within_a_single_call(session: Session) -> None:
    add_mixed_batch(session)
    extract_pending(session)
    by_place = {(e.category, e.location_id): e for e in events(session)}
    jongju = by_place[("missile_test", "kp-jongju")]
    assert jongju.corroboration == 3  # KCNA Watch, NK News, Yonhap
    assert jongju.claim_status == "confirmed"
    wonsan = by_place[("missile_test", "kp-wonsan")]
    assert wonsan.corroboration == 2
    drills = [e for e in events(session) if e.corroboration == 2 and e is not wonsan]
    assert drills, "the drills reported by two publishers merge"


def test_reextracting_part_of_a_batch_keeps_other_publishers_support(session: Session) -> None:
    add_mixed_batch(session)
    extract_pending(session)
    before = snapshot(session)
    again = session.exec(select(Article).where(Article.title == JCS_LAUNCH[0])).all()
    for article in again:
        article.extracted_at = None
        session.add(article)
    session.flush()
    assert extract_pending(session) == len(again) == 2
    assert snapshot(session) == before


def test_rebuild_on_sqlite_reuses_ids_without_collisions(sqlite_settings: object) -> None:
    from app.core import db as db_module
    from app.core.migrate import upgrade_to_head

    engine = db_module.get_engine()
    upgrade_to_head(engine)
    with Session(engine, expire_on_commit=False) as s:
        add_mixed_batch(s)
        extract_pending(s)
        before = dict((e.key, e.id) for e in events(s))
        # An older story about a new event: the rebuild creates its event first, with a new
        # id, before it re-creates the others with their old ids.
        yonhap = s.exec(select(Source).where(Source.name == "Yonhap")).one()
        add_article(s, yonhap, WONSAN_LAUNCH, TUESDAY - dt.timedelta(days=3))
        summary = rebuild_events(s)
        after = dict((e.key, e.id) for e in events(s))
        s.commit()
    assert summary["events"] == len(before) + 1
    assert {key: after[key] for key in before} == before
    [new_key] = set(after) - set(before)
    assert after[new_key] > max(before.values())


def test_an_article_the_rules_fail_on_does_not_block_its_batch(session: Session) -> None:
    """A defect in the rules on one article costs that article's events, not its batch's
    (which would fail again at every pass); every article of the batch is marked extracted."""
    source = add_source(session, "Yonhap")
    poison = add_article(session, source, ("Poison headline", "Poison body."), TUESDAY)
    add_article(session, source, JCS_LAUNCH, TUESDAY)

    def failing_on_poison(article: ArticleInput) -> list[ExtractedEvent]:
        if article.id == poison.id:
            raise ValueError("a defect in the rules")
        return extract_article(article)

    def extract_many(inputs: Sequence[ArticleInput]) -> list[list[ExtractedEvent]]:
        return extract_all(inputs, failing_on_poison)

    assert extract_pending(session, extract_many=extract_many) == 2
    [event] = events(session)
    assert event.category == "missile_test"
    pending = session.scalar(
        sa.select(sa.func.count()).select_from(Article).where(Article.extracted_at.is_(None))  # type: ignore[union-attr]
    )
    assert pending == 0


def test_weekdays_written_with_unicode_case_twins_resolve(session: Session) -> None:
    """`re` lets "İ"/"ı" match "i" when ignoring case: "FRİDAY" is Friday, not a crash."""
    for spelling in ("FRİDAY", "Frıday"):
        text = f"North Korea fired a ballistic missile on {spelling}, the JCS said."
        article = ArticleInput(
            id=1, title="North Korea fires missile", text=text, published=TUESDAY
        )
        [event] = extract_article(article)
        assert event.event_date == dt.date(2026, 5, 22), spelling


# --- one event per happening (issue 13): mentions merge within their dates' and places' precision

MONDAY_AFTER = dt.datetime(2026, 6, 1, 1, 0, tzinfo=dt.UTC)  # 10:00 KST, the Monday after
LAST_WEEK_FROM_JONGJU = (
    "North Korea fired ballistic missile last week, KCNA says",
    "North Korea fired a ballistic missile from Jongju last week, KCNA said.",
)
JCS_YELLOW_SEA = (
    "JCS: North Korea launches missile into Yellow Sea",
    "North Korea launched a missile into the Yellow Sea on Tuesday, the Joint Chiefs of Staff said.",
)
WONSAN_EAST_SEA = (
    "North Korea fires missile from Wonsan",
    "North Korea fired a ballistic missile from Wonsan into the East Sea on Tuesday, the JCS said.",
)
NAMPO_YELLOW_SEA = (
    "North Korea fires cruise missiles from Nampo",
    "North Korea fired cruise missiles from Nampo into the Yellow Sea on Tuesday, the JCS said.",
)
EAST_SEA_ONLY = (
    "North Korea fires missile into East Sea",
    "North Korea fired a ballistic missile into the East Sea on Tuesday, Japan's defense "
    "ministry said.",
)
COUNTRY_ONLY = (
    "North Korea fires ballistic missile, JCS says",
    "North Korea fired a ballistic missile on Tuesday, South Korea's Joint Chiefs of Staff said.",
)
FROM_SUNAN = (
    "North Korea fires missile from Sunan",
    "North Korea fired a ballistic missile from the Sunan area on Tuesday, Yonhap reported.",
)
SUPER_LARGE_MRL = (
    "North Korea tests super-large rocket launcher",
    "North Korea test-fired its 600mm super-large multiple rocket launcher from Jongju on "
    "Tuesday, KCNA said.",
)
JONGJU_THURSDAY = (
    "North Korea fires missile from Jongju again",
    "North Korea fired another ballistic missile from Jongju on Thursday, the JCS said.",
)


def launches(session: Session) -> list[Event]:
    session.expire_all()
    return [e for e in events(session) if e.category in ("missile_test", "artillery")]


def test_a_launch_last_week_from_jongju_and_one_into_the_yellow_sea_on_tuesday_are_one(
    session: Session,
) -> None:
    kcna_watch, yonhap = add_source(session, "KCNA Watch", "C"), add_source(session, "Yonhap")
    add_article(session, yonhap, JCS_YELLOW_SEA, TUESDAY)
    add_article(session, kcna_watch, LAST_WEEK_FROM_JONGJU, MONDAY_AFTER)
    extract_pending(session)
    [event] = launches(session)
    assert event.event_date == dt.date(2026, 5, 26) and event.date_precision == "day"
    assert event.location_id == "kp-jongju" and event.title.endswith("Jongju")
    assert event.figures["impact_area"] == {
        "id": "intl-yellow-sea",
        "name": "Yellow Sea",
        "lat": gazetteer()["intl-yellow-sea"].lat,
        "lon": gazetteer()["intl-yellow-sea"].lon,
    }
    assert event.claim_status == "confirmed" and event.corroboration == 2
    assert mention_count(session) == 2


def test_the_same_pair_merges_when_the_week_report_is_stored_first(session: Session) -> None:
    """Separate calls, the coarse mention first: the later, finer one still finds it."""
    kcna_watch, yonhap = add_source(session, "KCNA Watch", "C"), add_source(session, "Yonhap")
    week = add_article(session, kcna_watch, LAST_WEEK_FROM_JONGJU, MONDAY_AFTER)
    extract_pending(session, article_ids=[week.id])  # type: ignore[list-item]
    [event] = launches(session)
    assert (event.date_precision, event.location_id) == ("week", "kp-jongju")
    sea = add_article(session, yonhap, JCS_YELLOW_SEA, TUESDAY)
    extract_pending(session, article_ids=[sea.id])  # type: ignore[list-item]
    [merged] = launches(session)
    assert merged.id == event.id
    assert (merged.event_date, merged.date_precision) == (dt.date(2026, 5, 26), "day")
    assert merged.location_id == "kp-jongju"
    assert merged.figures["impact_area"]["id"] == "intl-yellow-sea"


def test_two_same_day_launches_from_different_coasts_stay_two(session: Session) -> None:
    yonhap, nk_news = add_source(session, "Yonhap"), add_source(session, "NK News")
    add_article(session, yonhap, WONSAN_EAST_SEA, TUESDAY)
    add_article(session, yonhap, NAMPO_YELLOW_SEA, TUESDAY + dt.timedelta(minutes=5))
    add_article(session, nk_news, EAST_SEA_ONLY, TUESDAY + dt.timedelta(hours=1))
    add_article(session, nk_news, JCS_YELLOW_SEA, TUESDAY + dt.timedelta(hours=2))
    extract_pending(session)
    by_place = {e.location_id: e for e in launches(session)}
    assert set(by_place) == {"kp-wonsan", "kp-nampo"}
    assert by_place["kp-wonsan"].figures["impact_area"]["id"] == "intl-sea-of-japan"
    assert by_place["kp-nampo"].figures["impact_area"]["id"] == "intl-yellow-sea"
    assert by_place["kp-wonsan"].corroboration == by_place["kp-nampo"].corroboration == 2


def test_a_launch_placed_only_in_north_korea_merges_with_one_at_sunan(session: Session) -> None:
    yonhap, nk_news = add_source(session, "Yonhap"), add_source(session, "NK News")
    add_article(session, nk_news, COUNTRY_ONLY, TUESDAY)
    add_article(session, yonhap, FROM_SUNAN, TUESDAY + dt.timedelta(hours=1))
    extract_pending(session)
    [event] = launches(session)
    assert event.location_id == "kp-sunan" and event.location_precision == "site"
    assert event.claim_status == "confirmed"  # the JCS, though Sunan came from a report
    assert event.corroboration == 2


def test_launches_on_different_days_stay_two(session: Session) -> None:
    yonhap = add_source(session, "Yonhap")
    add_article(session, yonhap, JCS_LAUNCH, TUESDAY)
    add_article(session, yonhap, JONGJU_THURSDAY, TUESDAY + dt.timedelta(days=2))
    extract_pending(session)
    dates = sorted(e.event_date for e in launches(session))
    assert dates == [dt.date(2026, 5, 26), dt.date(2026, 5, 28)]


def test_a_rocket_launcher_test_and_a_missile_launch_from_one_site_are_one(
    session: Session,
) -> None:
    """KCNA's "super-large rocket launcher" is the JCS's ballistic missile: one launch, counted
    as a missile test whichever came first."""
    kcna_watch, yonhap = add_source(session, "KCNA Watch", "C"), add_source(session, "Yonhap")
    add_article(session, kcna_watch, SUPER_LARGE_MRL, TUESDAY)
    add_article(session, yonhap, JCS_LAUNCH, TUESDAY + dt.timedelta(hours=1))
    extract_pending(session)
    [event] = launches(session)
    assert event.category == "missile_test" and event.title.startswith("Missile test")
    assert event.claim_status == "confirmed" and event.corroboration == 2


def test_close_categories_need_places_that_agree(session: Session) -> None:
    """An artillery drill placed only in North Korea is not that day's launch at Wonsan."""
    yonhap = add_source(session, "Yonhap")
    add_article(session, yonhap, WONSAN_LAUNCH, TUESDAY)
    add_article(
        session,
        yonhap,
        (
            "North Korea conducts artillery firing drill",
            "North Korea's artillery units conducted a firing drill on Tuesday, KCNA said.",
        ),
        TUESDAY + dt.timedelta(hours=1),
    )
    extract_pending(session)
    assert sorted(e.category for e in launches(session)) == ["artillery", "missile_test"]


HAPPENINGS = [
    ("KCNA Watch", LAST_WEEK_FROM_JONGJU, MONDAY_AFTER),
    ("Yonhap", JCS_YELLOW_SEA, TUESDAY),
    ("Yonhap", WONSAN_EAST_SEA, TUESDAY + dt.timedelta(hours=1)),
    ("NK News", EAST_SEA_ONLY, TUESDAY + dt.timedelta(hours=2)),
    ("KCNA Watch", SUPER_LARGE_MRL, TUESDAY + dt.timedelta(hours=4)),
    ("NK News", JCS_LAUNCH, TUESDAY + dt.timedelta(hours=5)),
    ("Yonhap", SUMMIT, TUESDAY),
    ("NK News", DRILLS, TUESDAY + dt.timedelta(days=1)),
]
"""Each mention fits one happening only. (One that fits two, such as "into the Yellow Sea"
on a day with two west-coast launches, joins the one that agrees best, then the older: the
choice can follow arrival order, as with any greedy merge.)"""


def content(session: Session) -> list[tuple[object, ...]]:
    """What the events say, without their ids and keys (which follow arrival order)."""
    session.expire_all()
    mentions: dict[int, list[str]] = defaultdict(list)
    query = sa.select(EventMention.event_id, Article.title).join(
        Article, Article.id == EventMention.article_id
    )
    for event_id, title in session.execute(query):
        mentions[event_id].append(title)
    return sorted(
        (
            e.category,
            e.title,
            e.event_date,
            e.date_precision,
            e.location_id,
            (e.figures.get("impact_area") or {}).get("id"),
            e.claim_status,
            e.corroboration,
            e.severity,
            e.confidence,
            tuple(sorted(e.actors)),
            tuple(sorted(mentions[e.id])),
        )
        for e in events(session)
    )


def test_the_events_do_not_depend_on_which_article_arrives_first(session: Session) -> None:
    sources = {name: add_source(session, name) for name in ("KCNA Watch", "Yonhap", "NK News")}
    articles = [add_article(session, sources[n], story, at) for n, story, at in HAPPENINGS]
    extract_pending(session)
    oldest_first = content(session)
    launches_found = [row for row in oldest_first if row[0] == "missile_test"]
    assert [(row[2], row[4], row[5], len(row[-1])) for row in launches_found] == [
        (dt.date(2026, 5, 26), "kp-jongju", "intl-yellow-sea", 4),
        (dt.date(2026, 5, 26), "kp-wonsan", "intl-sea-of-japan", 2),
    ]
    orders = [articles[::-1], articles[3:] + articles[:3], articles[1::2] + articles[::2]]
    orders += [articles[4:] + articles[:4][::-1], [articles[i] for i in (5, 0, 7, 2, 4, 1, 6, 3)]]
    for order in orders:
        forget_extraction(session)
        for article in order:  # one call each, newest first or shuffled
            extract_pending(session, article_ids=[article.id])  # type: ignore[list-item]
        assert content(session) == oldest_first


def test_merged_events_are_idempotent_and_keep_their_ids_through_rebuilds(
    session: Session,
) -> None:
    sources = {name: add_source(session, name) for name in ("KCNA Watch", "Yonhap", "NK News")}
    for name, story, at in HAPPENINGS:
        add_article(session, sources[name], story, at)
    extract_pending(session)
    before = snapshot(session)
    ids = sorted((e.key, e.id) for e in events(session))
    assert extract_pending(session) == 0
    first, second = rebuild_events(session), rebuild_events(session)
    assert first == second
    assert snapshot(session) == before
    assert sorted((e.key, e.id) for e in events(session)) == ids
