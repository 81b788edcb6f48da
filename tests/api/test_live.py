"""Live windows (app/api/live.py): an answer reused across minutes is exactly the one computed
for that minute; new events, events becoming known, unseen edits and the day's turn all end
the reuse; the response cache stays within its bounds."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api.cache import CachedBody, ResponseCache, session_version
from app.api.geojson import feature_collection, feature_collection_bytes, hotspot_feature
from app.api.http import json_bytes
from app.api.live import RECHECK_AFTER, Held, WindowMemo, compacted
from app.api.routes.threat import threat_answer, threat_body, threat_out
from app.api.schemas import ThreatLevelOut
from app.assessment import scoring as scoring_module
from app.assessment import threat as threat_module
from app.assessment.hotspots import compute_hotspots
from app.assessment.threat import ThreatLevel, compute_threat_level, span_needed, window_ending
from app.core.models import Event
from tests.api.factories import DANDONG, DMZ, JONGJU, make_event, utc

NOON = utc(2026, 5, 28, 12, 0)
TTL = 30.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def memo(clock: Clock) -> WindowMemo:
    return WindowMemo(TTL, clock=clock)


@pytest.fixture
def week(write: Session) -> None:
    """A week of events around NOON, one of them first reported half a minute after it."""
    make_event(write, category="missile_test", severity=4, claim_status="confirmed", **JONGJU)
    make_event(write, category="border_maritime", event_date=dt.date(2026, 5, 21), **DMZ)
    make_event(  # baseline
        write, category="border_maritime", event_date=dt.date(2026, 5, 1), severity=3, **DANDONG
    )
    make_event(
        write,
        category="border_maritime",
        event_date=dt.date(2026, 5, 28),
        severity=5,
        first_reported_at=NOON + dt.timedelta(seconds=30),
        **DMZ,
    )
    write.commit()


def threat_via_memo(
    db: Engine,
    memo: WindowMemo,
    moment: dt.datetime,
    calls: list[dt.datetime],
    *,
    remember: bool = True,
) -> bytes:
    """What GET /threat-level serves for `moment`; `remember=False` as for an `at` in the past."""

    def compute(session: Session) -> Held[ThreatLevelOut]:
        calls.append(moment)
        return threat_answer(session, moment)

    window = window_ending(moment)
    with Session(db) as session:
        answer = memo.get(
            session,
            ("threat-level", *window),
            span_needed(*window),
            session_version(session),
            moment,
            compute,
            remember=remember,
        )
    return threat_body(answer, moment)


def slow_threat(db: Engine, moment: dt.datetime) -> ThreatLevel:
    with Session(db) as session:
        return compute_threat_level(session, at=moment)


def slow_body(db: Engine, moment: dt.datetime) -> bytes:
    """The body GET /threat-level?at= gave before live windows: computed for that instant."""
    answer = threat_out(slow_threat(db, moment))
    return json_bytes(answer.model_dump(mode="json", by_alias=True))


def wait_for_checks() -> None:
    for thread in threading.enumerate():
        if thread.name == "watchfloor-window-check":
            thread.join(10)


def test_the_reused_level_equals_the_level_computed_for_each_minute(
    db: Engine, memo: WindowMemo, week: None, write: Session
) -> None:
    calls: list[dt.datetime] = []
    minutes = [NOON - dt.timedelta(minutes=1), NOON, NOON + dt.timedelta(seconds=20)]
    for moment in minutes:
        assert threat_via_memo(db, memo, moment, calls) == slow_body(db, moment)
    assert calls == [minutes[0]]  # computed once: nothing became known in between

    # Across the minute in which the severity-5 event becomes known: a new computation.
    later = [NOON + dt.timedelta(minutes=1), NOON + dt.timedelta(minutes=2)]
    for moment in later:
        assert threat_via_memo(db, memo, moment, calls) == slow_body(db, moment)
    assert calls == [minutes[0], later[0]]
    assert slow_threat(db, later[0]).score > slow_threat(db, NOON).score

    # A new event moves the data version: computed again, and equal again.
    before = slow_threat(db, later[-1]).event_count
    make_event(write, event_date=dt.date(2026, 5, 27), severity=3, **DANDONG)
    write.commit()
    moment = NOON + dt.timedelta(minutes=3)
    fresh = threat_via_memo(db, memo, moment, calls)
    assert calls[-1] == moment
    assert fresh == slow_body(db, moment)
    assert slow_threat(db, moment).event_count == before + 1


def test_the_next_day_is_a_window_of_its_own(db: Engine, memo: WindowMemo, week: None) -> None:
    calls: list[dt.datetime] = []
    before, after = utc(2026, 5, 28, 23, 59), utc(2026, 5, 29, 0, 0)
    assert threat_via_memo(db, memo, before, calls) == slow_body(db, before)
    assert threat_via_memo(db, memo, after, calls) == slow_body(db, after)
    assert calls == [before, after]


def test_an_unseen_edit_is_found_by_the_background_check(
    db: Engine, memo: WindowMemo, clock: Clock, week: None, write: Session
) -> None:
    calls: list[dt.datetime] = []
    key = ("threat-level", *window_ending(NOON))
    threat_via_memo(db, memo, NOON, calls)
    with Session(db) as session:
        version = session_version(session)
    generation = memo.generation(key, version, NOON)
    assert generation is not None

    # Unchanged data: past the half-life the check runs in the background and finds nothing,
    # so the entry stays fresh beyond the ttl without a new computation.
    clock.now += TTL * RECHECK_AFTER + 1
    assert memo.generation(key, version, NOON) == generation  # starts the check
    wait_for_checks()
    clock.now += TTL * RECHECK_AFTER + 1
    assert memo.generation(key, version, NOON) == generation
    wait_for_checks()
    assert threat_via_memo(db, memo, NOON, calls) == slow_body(db, NOON)
    assert len(calls) == 1

    # An edit that leaves updated_at (so the data version) alone: the next check drops the
    # entry and the next request computes from the edited data.
    write.execute(sa.update(Event).where(Event.severity == 4).values(severity=1))
    write.commit()
    clock.now += TTL * RECHECK_AFTER + 1
    assert memo.generation(key, version, NOON) == generation  # starts the check
    wait_for_checks()
    assert memo.generation(key, version, NOON) is None
    edited = threat_via_memo(db, memo, NOON, calls)
    assert len(calls) == 2
    assert edited == slow_body(db, NOON)


def test_an_idle_entry_past_the_ttl_is_checked_before_reuse(
    db: Engine, memo: WindowMemo, clock: Clock, week: None, write: Session
) -> None:
    calls: list[dt.datetime] = []
    threat_via_memo(db, memo, NOON, calls)
    clock.now += TTL + 1
    assert threat_via_memo(db, memo, NOON, calls) == slow_body(db, NOON)
    assert len(calls) == 1  # checked, unchanged
    write.execute(sa.update(Event).where(Event.severity == 4).values(severity=1))
    write.commit()
    clock.now += TTL + 1
    assert threat_via_memo(db, memo, NOON, calls) == slow_body(db, NOON)
    assert len(calls) == 2


def test_no_fingerprint_means_no_reuse_past_the_ttl(db: Engine, clock: Clock, week: None) -> None:
    """Where the span cannot be checked (SQLite), an entry lives for the ttl, as before."""
    memo = WindowMemo(TTL, clock=clock, fingerprint=lambda session, span: None)
    calls: list[dt.datetime] = []
    threat_via_memo(db, memo, NOON, calls)
    clock.now += TTL * RECHECK_AFTER + 1
    threat_via_memo(db, memo, NOON, calls)
    assert len(calls) == 1
    clock.now += TTL
    threat_via_memo(db, memo, NOON, calls)
    assert len(calls) == 2


def test_an_answer_for_a_past_instant_is_served_only_where_it_holds(
    db: Engine, memo: WindowMemo, week: None
) -> None:
    calls: list[dt.datetime] = []
    live = NOON + dt.timedelta(minutes=5)
    threat_via_memo(db, memo, live, calls)
    # The severity-5 event was first reported at 12:00:30: from then on the live answer holds,
    # before then another one (computed, not kept: the live answer stays).
    held = [NOON + dt.timedelta(seconds=30), NOON + dt.timedelta(minutes=3)]
    earlier = [NOON, utc(2026, 5, 28, 0, 0)]
    for moment in held + earlier:
        past = threat_via_memo(db, memo, moment, calls, remember=False)
        assert past == slow_body(db, moment)
    assert calls == [live, *earlier]
    threat_via_memo(db, memo, live, calls)
    assert calls == [live, *earlier]


@pytest.fixture
def live_client(make_client: Callable[..., object], write: Session) -> Iterator[httpx.Client]:
    now = dt.datetime.now(dt.UTC)
    reported = {"first_reported_at": now - dt.timedelta(hours=1)}
    make_event(
        write,
        category="missile_test",
        event_date=now.date(),
        severity=4,
        claim_status="confirmed",
        **reported,
        **JONGJU,
    )
    make_event(
        write,
        category="border_maritime",
        event_date=now.date() - dt.timedelta(days=3),
        **reported,
        **DMZ,
    )
    write.commit()
    with make_client(response_cache_seconds=600) as client:  # type: ignore[attr-defined]
        yield client


def test_the_live_level_over_http_is_the_level_at_its_minute(
    live_client: httpx.Client, db: Engine, write: Session
) -> None:
    def served_and_slow() -> tuple[dict, dict]:
        body = live_client.get("/threat-level").json()
        moment = dt.datetime.fromisoformat(body["computed_at"])
        return body, threat_out(slow_threat(db, moment)).model_dump(mode="json", by_alias=True)

    for _ in range(2):
        served, slow = served_and_slow()
        assert served == slow
        assert served["event_count"] == 2
    now = dt.datetime.now(dt.UTC)
    make_event(
        write,
        event_date=now.date(),
        severity=5,
        first_reported_at=now - dt.timedelta(minutes=5),
        **DANDONG,
    )
    write.commit()
    served, slow = served_and_slow()
    assert served == slow
    assert served["event_count"] == 3


def test_live_hotspots_keep_their_bytes_and_follow_filters(live_client: httpx.Client) -> None:
    first = live_client.get("/hotspots")
    again = live_client.get("/hotspots", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code in (200, 304)  # 200 only if the minute turned in between
    filtered = live_client.get("/hotspots", params={"min_intensity": 4}).json()
    assert [f["id"] for f in first.json()["features"]] == ["jongju", "dmz"]
    assert [f["id"] for f in filtered["features"]] == ["jongju"]
    boxed = live_client.get("/hotspots", params={"bbox": "127,38,128,39"}).json()
    assert [f["id"] for f in boxed["features"]] == ["dmz"]


def test_encoded_features_make_the_same_bytes_as_the_whole_collection(
    session: Session, week: None
) -> None:
    result = compute_hotspots(session, start=utc(2026, 5, 1), end=utc(2026, 5, 29))
    assert len(result.hotspots) == 3
    foreign = {
        "omitted_events": result.omitted_events,
        "window": {"from": "2026-05-01T00:00:00Z", "to": "2026-05-29T00:00:00Z"},
        "methodology_version": "x",
    }
    features = [hotspot_feature(h) for h in result.hotspots]
    assert feature_collection_bytes((json_bytes(f) for f in features), **foreign) == json_bytes(
        feature_collection(features, **foreign)
    )
    assert feature_collection_bytes([], **foreign) == json_bytes(feature_collection([], **foreign))


def test_the_response_cache_is_bounded_by_bytes(clock: Clock) -> None:
    cache = ResponseCache(ttl=TTL, clock=clock)
    body = b"x" * (cache.MAX_BYTES // 4)
    for n in range(10):
        cache.put((n,), CachedBody(body, f'"{n}"'))
        assert cache.size_bytes <= cache.MAX_BYTES
    assert cache.get((9,)) is not None and cache.get((0,)) is None  # the oldest went first
    assert cache.size_bytes == sum(len(body) for n in range(10) if cache.get((n,)) is not None)


def test_expired_bodies_leave_before_live_ones(clock: Clock) -> None:
    cache = ResponseCache(ttl=TTL, clock=clock)
    cache.MAX_ENTRIES = 3
    cache.put(("live",), CachedBody(b"a", '"a"'))
    clock.now += TTL / 2
    cache.put(("old",), CachedBody(b"b", '"b"'))
    cache.put(("newer",), CachedBody(b"c", '"c"'))
    clock.now += TTL / 2 + 1  # "live" has expired, the other two have not
    cache.put(("new",), CachedBody(b"d", '"d"'))
    assert [cache.get((k,)) is not None for k in ("live", "old", "newer", "new")] == [
        False,
        True,
        True,
        True,
    ]
    assert cache.size_bytes == 3


def test_a_compacted_value_is_equal_and_made_of_fresh_objects() -> None:
    value = Held([10**9 + n for n in range(3)], since=NOON)
    copy = compacted(value)
    assert copy == value
    assert copy.value[0] is not value.value[0]


def test_a_driver_deleted_between_the_two_reads_is_read_again_whole(
    db: Engine, week: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The span is weighed from light records and the drivers read whole afterwards; an event
    deleted in between (another connection, committed) sends the computation back to one
    whole read, so the answer is the one of the data after the deletion."""
    real_loader = scoring_module.load_texts
    deleted: list[int] = []

    def delete_then_load(session: Session, ids: list[int]) -> dict:
        if not deleted:  # once: the next read sees the span without it
            deleted.append(ids[0])
            with db.begin() as other:
                other.execute(sa.delete(Event).where(Event.id == ids[0]))
        return real_loader(session, ids)

    monkeypatch.setattr(scoring_module, "load_texts", delete_then_load)
    at = NOON + dt.timedelta(minutes=5)
    with Session(db) as session:
        threat, _ = threat_module.compute_threat_level_and_span(session, at=at)
    monkeypatch.undo()
    assert threat == slow_threat(db, at)
    assert len(threat.drivers) == 1  # of the two events in the window, one is gone


def wait_for_recomputes() -> None:
    for thread in threading.enumerate():
        if thread.name == "watchfloor-window-recompute":
            thread.join(30)


def test_after_a_new_event_the_previous_answer_is_served_while_the_new_one_is_computed(
    write: Session,
) -> None:
    """With WATCHFLOOR_STALE_WHILE_RECOMPUTE (the service's default), the first request after a
    change gets the window's previous answer at once, its `computed_at` unchanged, while one
    background computation makes the new one; later requests get the new one."""
    from app.api.main import create_app
    from app.core.config import Settings
    from tests.support.live import live_server

    now = dt.datetime.now(dt.UTC)
    today = now.date()
    make_event(
        write,
        category="missile_test",
        severity=4,
        claim_status="confirmed",
        event_date=today,
        first_reported_at=now - dt.timedelta(hours=2),
        **JONGJU,
    )
    write.commit()
    app = create_app(Settings(stale_while_recompute=True, response_cache_seconds=600))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        level = client.get("/threat-level").json()
        layer = client.get("/hotspots").json()
        assert level["event_count"] == 1 and len(layer["features"]) == 1
        assert layer["computed_at"] == layer["as_of"]

        make_event(
            write,
            category="artillery",
            severity=4,
            event_date=today,
            first_reported_at=now - dt.timedelta(hours=1),
            **DMZ,
        )
        write.commit()
        stale_level = client.get("/threat-level").json()
        stale_layer = client.get("/hotspots").json()
        assert stale_level == level  # the previous answer, computed_at and all
        assert stale_layer["features"] == layer["features"]
        assert stale_layer["computed_at"] == layer["computed_at"]

        wait_for_recomputes()
        fresh_level = client.get("/threat-level").json()
        fresh_layer = client.get("/hotspots").json()
        assert fresh_level["event_count"] == 2
        assert fresh_level["computed_at"] >= level["computed_at"]
        assert len(fresh_layer["features"]) == 2
        assert fresh_layer["computed_at"] == fresh_layer["as_of"]


def test_without_a_previous_answer_the_request_waits_for_the_computation(
    write: Session,
) -> None:
    from app.api.main import create_app
    from app.core.config import Settings
    from tests.support.live import live_server

    now = dt.datetime.now(dt.UTC)
    make_event(write, event_date=now.date(), first_reported_at=now - dt.timedelta(hours=1))
    write.commit()
    app = create_app(Settings(stale_while_recompute=True))
    with live_server(app) as base, httpx.Client(base_url=base, timeout=30) as client:
        assert client.get("/threat-level").json()["event_count"] == 1


class CountingWorker:
    """Stands in for the recompute worker process: counts how often it is started."""

    def __init__(self) -> None:
        self.starts = 0

    def start(self) -> None:
        self.starts += 1

    def __call__(self, *args: object) -> tuple[object, ...]:
        raise AssertionError("no recomputation expected here")


def test_the_recompute_worker_starts_with_the_first_window_not_with_the_api(
    db: Engine, week: None, clock: Clock
) -> None:
    """An API that serves only pages never pays for the worker process; the first window
    answer warms it, so the first change does not wait for it to import the app."""
    worker = CountingWorker()
    memo = WindowMemo(TTL, clock=clock, stale_while_recompute=True, elsewhere=worker)
    assert worker.starts == 0
    calls: list[dt.datetime] = []
    threat_via_memo(db, memo, NOON, calls, remember=False)  # an `at` in the past: kept nowhere
    assert worker.starts == 0
    threat_via_memo(db, memo, NOON, calls)
    threat_via_memo(db, memo, NOON + dt.timedelta(seconds=1), calls)
    assert worker.starts == 1
    quiet = CountingWorker()
    without = WindowMemo(TTL, clock=clock, stale_while_recompute=False, elsewhere=quiet)
    threat_via_memo(db, without, NOON, calls)
    assert quiet.starts == 0
