"""Messages are written in the transaction of the change that causes them, and only then."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.assessment.report import build_and_store
from app.core.models import (
    Event,
    NotifyState,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
)
from app.extraction import extract_pending, rebuild_events
from app.notify import check_threat_level
from app.notify.producers import changes
from tests.extraction.test_store import JCS_LAUNCH, KCNA_LAUNCH, SOCCER, add_article, add_source
from tests.notify.conftest import subscribe

TUESDAY = dt.datetime(2026, 5, 26, 6, 0, tzinfo=dt.UTC)
HOOK = "http://127.0.0.1:9/hook"


def messages(engine: Engine) -> list[WebhookMessage]:
    with Session(engine) as session:
        return list(session.scalars(sa.select(WebhookMessage).order_by(WebhookMessage.id)))  # type: ignore[arg-type]


def deliveries(engine: Engine) -> list[tuple[str, int]]:
    with Session(engine) as session:
        rows = session.execute(
            sa.select(WebhookMessage.type, WebhookDelivery.subscription_id)
            .join(WebhookMessage, WebhookMessage.id == WebhookDelivery.message_id)  # type: ignore[arg-type]
            .order_by(WebhookDelivery.id)
        )
        return [(t, s) for t, s in rows]


def extract(engine: Engine, *stories: tuple[str, str], publisher: str = "NK News") -> None:
    with Session(engine) as session:
        source = add_source(session, f"{publisher} {len(messages(engine))}")
        for story in stories:
            add_article(session, source, story, TUESDAY)
        extract_pending(session)
        session.commit()


def test_no_subscription_no_message(db: Engine) -> None:
    extract(db, JCS_LAUNCH)
    assert messages(db) == []


def test_a_new_event_then_a_second_publisher_give_created_then_updated(db: Engine) -> None:
    sub = subscribe(db, HOOK)
    extract(db, KCNA_LAUNCH, publisher="KCNA Watch")
    [created] = messages(db)
    with Session(db) as session:
        event = session.scalars(sa.select(Event)).one()  # type: ignore[arg-type]
    assert created.type == "event.created"
    assert created.body["data"]["id"] == event.id
    assert created.body["data"]["url"].endswith(f"/events/{event.id}")
    assert created.body["data"]["claim_status"] == "claimed"
    assert created.body["timestamp"].endswith("Z")

    extract(db, JCS_LAUNCH, publisher="Yonhap")
    later = messages(db)[1:]
    with Session(db) as session:
        event = session.scalars(sa.select(Event)).one()  # type: ignore[arg-type]
    [updated] = [m for m in later if m.type == "event.updated"]
    data = updated.body["data"]
    assert data["id"] == event.id
    assert "claim_status" in data["changed"]
    assert data["changes"]["claim_status"] == {"from": "claimed", "to": event.claim_status}
    assert deliveries(db) == [(m.type, sub.id) for m in messages(db)]


def test_a_rolled_back_change_leaves_no_message(db: Engine) -> None:
    subscribe(db, HOOK)
    with Session(db) as session:
        add_article(session, add_source(session, "NK News"), JCS_LAUNCH, TUESDAY)
        extract_pending(session)
        assert session.scalar(sa.select(sa.func.count()).select_from(WebhookMessage)) == 1
        session.rollback()
    assert messages(db) == []
    with Session(db) as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Event)) == 0


def test_filters_choose_the_subscriptions_owed_a_message(db: Engine) -> None:
    everything = subscribe(db, HOOK)
    severe = subscribe(db, HOOK, filters={"min_severity": 5})
    launches = subscribe(db, HOOK, filters={"categories": ["missile_test"]})
    far_away = subscribe(db, HOOK, filters={"bbox": [0.0, 0.0, 10.0, 10.0]})
    in_area = subscribe(db, HOOK, filters={"area_of_interest": True})
    only_deleted = subscribe(db, HOOK, event_types=("event.deleted",))
    extract(db, JCS_LAUNCH)
    with Session(db) as session:
        event = session.scalars(sa.select(Event)).one()  # type: ignore[arg-type]
    owed = {s for _, s in deliveries(db)}
    assert everything.id in owed and in_area.id in owed
    assert far_away.id not in owed and only_deleted.id not in owed
    assert (launches.id in owed) == (event.category == "missile_test")
    assert (severe.id in owed) == (event.severity >= 5)


def test_a_rebuild_announces_only_what_changed(db: Engine) -> None:
    extract(db, JCS_LAUNCH, SOCCER)
    subscribe(db, HOOK)
    with Session(db) as session:
        rebuild_events(session)
        session.commit()
    assert messages(db) == []  # the same events again, same ids: nothing to say


def test_disabled_subscriptions_are_owed_nothing_new(db: Engine) -> None:
    sub = subscribe(db, HOOK)
    with Session(db) as session:
        session.execute(
            sa.update(WebhookSubscription)
            .where(WebhookSubscription.id == sub.id)
            .values(status="disabled")  # type: ignore[arg-type]
        )
        session.commit()
    extract(db, JCS_LAUNCH)
    assert deliveries(db) == []


def test_the_threat_level_crossing_a_band_is_announced_once(db: Engine) -> None:
    sub = subscribe(db, HOOK, event_types=("threat_level.changed",))
    at = TUESDAY + dt.timedelta(hours=12)
    with Session(db) as session:
        assert check_threat_level(session, at=at) is False  # the first check sets the baseline
        state = session.get(NotifyState, "threat_level")
        assert state is not None
        baseline = dict(state.value)
        session.execute(
            sa.update(NotifyState)
            .where(NotifyState.name == "threat_level")
            .values(value={"level": "Severe", "score": 99.0})  # type: ignore[arg-type]
        )
        assert check_threat_level(session, at=at) is True
        assert check_threat_level(session, at=at) is False  # the same band: nothing more
        session.commit()
    [message] = messages(db)
    assert message.type == "threat_level.changed"
    assert message.body["data"]["previous_level"] == "Severe"
    assert message.body["data"]["level"] == baseline["level"] != "Severe"
    assert deliveries(db) == [("threat_level.changed", sub.id)]


def test_a_stored_assessment_is_published(db: Engine) -> None:
    extract(db, JCS_LAUNCH)
    subscribe(db, HOOK, event_types=("assessment.published",))
    with Session(db, expire_on_commit=False) as session:
        stored = build_and_store(
            session, dt.date(2026, 5, 25), dt.date(2026, 5, 31), max_annex_articles=100
        )
        session.commit()
    [message] = messages(db)
    assert message.type == "assessment.published"
    assert message.body["data"]["id"] == stored.id
    assert message.body["data"]["level"] == stored.level


def test_changes_names_each_watched_field() -> None:
    old = {"severity": 2, "claim_status": "claimed", "event_date": dt.date(2026, 5, 26),
           "date_precision": "day", "location_id": "a", "location_name": "A",
           "location_precision": "city", "lat": 1.0, "lon": 2.0}  # fmt: skip
    assert changes(old, dict(old)) == {}
    new = {**old, "severity": 4, "lat": 1.5, "event_date": dt.date(2026, 5, 27)}
    found = changes(old, new)
    assert sorted(found) == ["date", "place", "severity"]
    assert found["severity"] == {"from": 2, "to": 4}
    assert found["date"]["to"]["event_date"] == "2026-05-27"


def test_an_event_whose_articles_moved_is_deleted_with_replaced_by(db: Engine) -> None:
    wonsan = (JCS_LAUNCH[0].replace("Jongju", "Wonsan"), JCS_LAUNCH[1].replace("Jongju", "Wonsan"))
    with Session(db) as session:
        yonhap = add_source(session, "Yonhap")
        moving = add_article(session, yonhap, JCS_LAUNCH, TUESDAY)
        add_article(session, add_source(session, "NK News"), wonsan, TUESDAY)
        extract_pending(session)
        session.commit()
        moving_id = moving.id
        before = {e.location_name: e.id for e in session.scalars(sa.select(Event))}  # type: ignore[arg-type]
    assert set(before) >= {"Jongju", "Wonsan"}
    subscribe(db, HOOK)
    with Session(db) as session:  # the story is corrected: it was Wonsan all along
        session.execute(
            sa.text(
                "UPDATE articles SET title = :h, text = :t, extracted_at = NULL WHERE id = :id"
            ),
            {"h": wonsan[0], "t": wonsan[1], "id": moving_id},
        )
        extract_pending(session)
        session.commit()
        assert session.get(Event, before["Jongju"]) is None
    [deleted] = [m for m in messages(db) if m.type == "event.deleted"]
    assert deleted.body["data"]["id"] == before["Jongju"]
    assert deleted.body["data"]["reason"] == "merged"
    assert deleted.body["data"]["replaced_by"] == before["Wonsan"]
    assert deleted.body["data"]["replaced_by_url"].endswith(f"/events/{before['Wonsan']}")


def test_extraction_evaluates_the_level_only_after_recent_changes(db: Engine) -> None:
    subscribe(db, HOOK, event_types=("threat_level.changed",))
    with Session(db) as session:  # news from 2019 cannot move today's level: not evaluated
        old = TUESDAY.replace(year=2019)
        add_article(session, add_source(session, "Archive"), JCS_LAUNCH, old)
        extract_pending(session)
        session.commit()
        assert session.get(NotifyState, "threat_level") is None
    with Session(db) as session:  # recent news: evaluated (the first time, the level is recorded)
        yesterday = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        add_article(session, add_source(session, "Wire"), KCNA_LAUNCH, yesterday)
        extract_pending(session)
        session.commit()
    with Session(db) as session:
        state = session.get(NotifyState, "threat_level")
        assert state is not None and state.value["level"]
