"""Cached answers follow the data: a new or edited event changes the ETag and the body at once;
concurrent misses compute once; a request never gets a data version read before it arrived."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import threading

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.api import cache as cache_module
from app.api.cache import (
    CachedBody,
    EventLoopVersionRead,
    ResponseCache,
    VersionReader,
    read_version,
)
from app.api.http import GZIP_MINIMUM_SIZE, gzip_bytes
from app.api.routes import hotspots as hotspots_route
from app.core.db import get_engine
from app.core.models import utcnow
from tests.api.factories import DANDONG, DMZ, JONGJU, PYONGYANG, make_event

WEEK = {"from": "2026-05-21", "to": "2026-05-28"}
CACHED = [("/hotspots", WEEK), ("/threat-level", {"at": "2026-05-28T12:00:00Z"})]


@pytest.mark.parametrize(("path", "query"), CACHED)
def test_a_new_event_changes_the_etag_and_the_body(
    make_client, write: Session, path: str, query: dict
) -> None:
    make_event(write, severity=2, **JONGJU)
    write.commit()
    with make_client(response_cache_seconds=600) as client:
        first = client.get(path, params=query)
        etag = first.headers["etag"]
        unchanged = client.get(path, params=query, headers={"If-None-Match": etag})
        assert unchanged.status_code == 304
        assert unchanged.headers["etag"] == etag and unchanged.content == b""

        make_event(write, severity=5, claim_status="confirmed", **DMZ)
        write.commit()
        fresh = client.get(path, params=query, headers={"If-None-Match": etag})
        assert fresh.status_code == 200
        assert fresh.headers["etag"] != etag
        assert fresh.json() != first.json()


@pytest.mark.parametrize(("path", "query"), CACHED)
def test_an_edited_event_changes_the_answer_at_once(
    make_client, write: Session, path: str, query: dict
) -> None:
    event = make_event(write, severity=1, claim_status="claimed", **JONGJU)
    write.commit()
    with make_client(response_cache_seconds=600) as client:
        before = client.get(path, params=query)
        # As extraction does when a merge changes an event: the row and its updated_at move.
        event.severity, event.claim_status, event.updated_at = 5, "confirmed", utcnow()
        write.add(event)
        write.commit()
        after = client.get(path, params=query)
        assert after.headers["etag"] != before.headers["etag"]
        assert after.json() != before.json()


def test_the_same_inputs_give_the_same_bytes(make_client, write: Session) -> None:
    make_event(write, **JONGJU)
    write.commit()
    with (
        make_client(response_cache_seconds=600) as cached,
        make_client(response_cache_seconds=0) as uncached,
    ):
        for path, query in CACHED:
            one, two = cached.get(path, params=query), uncached.get(path, params=query)
            assert one.status_code == two.status_code == 200
            assert one.content == two.content and one.headers["etag"] == two.headers["etag"]


def test_ogc_number_matched_stays_exact_as_events_arrive(make_client, write: Session) -> None:
    make_event(write, **JONGJU)
    write.commit()
    items = "/ogc/collections/events/items"
    with make_client() as client:
        assert client.get(items).json()["numberMatched"] == 1
        assert client.get(items, params={"category": "cyber"}).json()["numberMatched"] == 0
        make_event(write, category="cyber", lat=None, lon=None, location_name=None)
        write.commit()
        assert client.get(items).json()["numberMatched"] == 2
        assert client.get(items, params={"category": "cyber"}).json()["numberMatched"] == 1
        extent = client.get("/ogc/collections/events").json()["extent"]["spatial"]["bbox"][0]
        make_event(write, **DMZ)
        write.commit()
        moved = client.get("/ogc/collections/events").json()["extent"]["spatial"]["bbox"][0]
        assert moved != extent


def test_concurrent_misses_compute_once() -> None:
    calls = 0
    gate = threading.Event()

    def compute() -> bytes:
        nonlocal calls
        calls += 1
        gate.wait(5)
        return b"body"

    async def scenario() -> list[bytes]:
        cache = ResponseCache(ttl=60)
        waiting = [asyncio.create_task(cache.get_or_compute(("k",), compute)) for _ in range(20)]
        await asyncio.sleep(0.05)
        gate.set()
        return [entry.body for entry in await asyncio.gather(*waiting)]

    assert asyncio.run(scenario()) == [b"body"] * 20
    assert calls == 1


def test_a_failed_computation_reaches_every_waiter_and_is_not_cached() -> None:
    attempts = 0

    def compute() -> bytes:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise RuntimeError("database went away")
        return b"ok"

    async def scenario() -> bytes:
        cache = ResponseCache(ttl=60)
        with pytest.raises(RuntimeError):
            await cache.get_or_compute(("k",), compute)
        return (await cache.get_or_compute(("k",), compute)).body

    assert asyncio.run(scenario()) == b"ok"


def test_a_request_never_gets_a_version_read_before_it_arrived() -> None:
    """Requests arriving during a read share the *next* read, never the running one."""
    reads: list[threading.Event] = []
    counter = 0

    def read() -> tuple[int]:
        nonlocal counter
        counter += 1
        gate = threading.Event()
        reads.append(gate)
        gate.wait(5)
        return (counter,)

    async def scenario() -> tuple[tuple[int], list[tuple[int]]]:
        reader = VersionReader(read)
        early = asyncio.create_task(reader.current())
        await asyncio.sleep(0.05)  # the first read is running
        late = [asyncio.create_task(reader.current()) for _ in range(10)]
        await asyncio.sleep(0.05)
        reads[0].set()
        first = await early
        await asyncio.sleep(0.05)  # the second read has started for the late ones
        reads[1].set()
        return first, list(await asyncio.gather(*late))

    first, late = asyncio.run(scenario())
    assert first == (1,)
    assert late == [(2,)] * 10
    assert len(reads) == 2  # ten late requests, one query


def test_another_process_answers_304_for_the_same_data(make_client, write: Session) -> None:
    """ETags hash the body, so replicas (and a restarted process) agree on them."""
    make_event(write, **JONGJU)
    write.commit()
    with make_client(response_cache_seconds=600) as warm:
        etag = warm.get("/hotspots", params=WEEK).headers["etag"]
    with make_client(response_cache_seconds=600) as cold:
        answer = cold.get("/hotspots", params=WEEK, headers={"If-None-Match": etag})
    assert answer.status_code == 304
    assert answer.content == b""


def test_hotspots_for_a_moving_window_follow_new_events(make_client, write: Session) -> None:
    """Without from/to the window ends at the current minute; its grouping is reused per day
    span and data version, and still follows a new event at once."""
    now = dt.datetime.now(dt.UTC)
    today = now.date()
    reported = {"first_reported_at": now - dt.timedelta(hours=1)}  # known by now
    make_event(write, category="missile_test", event_date=today, **reported, **JONGJU)
    write.commit()
    with make_client(response_cache_seconds=600) as client:
        first = client.get("/hotspots").json()
        assert [f["id"] for f in first["features"]] == ["jongju"]
        make_event(write, category="border_maritime", event_date=today, **reported, **DMZ)
        write.commit()
        second = client.get("/hotspots").json()
        assert sorted(f["id"] for f in second["features"]) == ["dmz", "jongju"]


@pytest.mark.parametrize(("path", "query"), CACHED)
def test_a_client_that_accepts_gzip_gets_the_answer_gzipped_with_its_own_etag(
    make_client, write: Session, path: str, query: dict
) -> None:
    for place in (JONGJU, DMZ, DANDONG, PYONGYANG, JONGJU):  # bodies over the gzip threshold
        title = f"Artillery fire and missile launches reported near {place['location_name']}"
        make_event(write, category="artillery", severity=3, title=title, **place)
    write.commit()
    with make_client(response_cache_seconds=600) as client:
        plain = client.get(path, params=query, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert len(plain.content) >= GZIP_MINIMUM_SIZE
        gzip_headers = {"Accept-Encoding": "gzip, deflate"}
        with client.stream("GET", path, params=query, headers=gzip_headers) as packed:
            raw = b"".join(packed.iter_raw())
            assert packed.headers["content-encoding"] == "gzip"
            # A strong ETag names one representation: the gzip body has its own.
            assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
            gzip_etag = packed.headers["etag"]
            vary = [v.strip() for v in packed.headers["vary"].split(",")]
            assert "Accept-Encoding" in vary and len(vary) == len(set(vary))
        assert gzip.decompress(raw) == plain.content
        for held_etag in (gzip_etag, plain.headers["etag"]):
            held = client.get(
                path, params=query, headers={**gzip_headers, "If-None-Match": held_etag}
            )
            assert held.status_code == 304 and held.content == b""
            assert held.headers["etag"] in (gzip_etag, plain.headers["etag"])
        held = client.get(path, params=query, headers={**gzip_headers, "If-None-Match": gzip_etag})
        assert held.headers["etag"] == gzip_etag  # the 304 names what the client holds


def test_a_cached_body_is_gzipped_once_when_a_client_first_asks() -> None:
    """Kept with the body, so a hit costs no compression (a week of hotspots: 23 ms), and
    compressed only if a client accepts gzip (wrk, curl and tests usually do not)."""
    big = b'{"features":[' + b",".join(b'{"id":%d}' % n for n in range(500)) + b"]}"
    compressions = 0

    def counting_gzip(body: bytes) -> bytes:
        nonlocal compressions
        compressions += 1
        return gzip_bytes(body)

    async def scenario() -> tuple[CachedBody, list[bytes], CachedBody | None]:
        cache = ResponseCache(ttl=60)
        plain = await cache.get_or_compute(("k",), lambda: big)
        assert plain.gzipped is None and cache.size_bytes == len(big)
        together = await asyncio.gather(*(cache.gzipped(("k",), plain) for _ in range(5)))
        later = cache.get(("k",))
        assert later is not None
        return plain, [*together, await cache.gzipped(("k",), later)], later

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cache_module, "gzip_bytes", counting_gzip)
        plain, packed, later = asyncio.run(scenario())
    assert compressions == 1
    assert all(gzip.decompress(p) == big for p in packed)
    assert later is not None and later.etag == plain.etag and later.gzipped == packed[0]


def test_a_held_hotspots_answer_is_a_304_before_the_endpoint_runs(
    make_client, write: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 304 is decided from the parameters, the data version and the cached body's ETag
    before FastAPI reads the parameters; a write still turns the held ETag into a 200, and what
    only the endpoint decides (an invalid or unknown parameter) stays its own."""
    make_event(write, severity=2, **JONGJU)
    write.commit()
    with make_client(response_cache_seconds=600) as client:
        etag = client.get("/hotspots", params=WEEK).headers["etag"]
        # The first answer computes the window's layer; the second is kept under its generation.
        assert client.get("/hotspots", params=WEEK).headers["etag"] == etag

        def no_endpoint(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("the endpoint ran")

        with monkeypatch.context() as patched:
            patched.setattr(hotspots_route, "cached_response", no_endpoint)
            held = client.get("/hotspots", params=WEEK, headers={"If-None-Match": etag})
            assert held.status_code == 304 and held.headers["etag"] == etag
        for bad in ({"min_intensity": "9"}, {"unknown": "1"}, {"from": "2026-13-01"}):
            answer = client.get(
                "/hotspots", params={**WEEK, **bad}, headers={"If-None-Match": etag}
            )
            assert answer.status_code == 400, bad
        make_event(write, severity=5, claim_status="confirmed", **DMZ)
        write.commit()
        fresh = client.get("/hotspots", params=WEEK, headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != etag


def test_the_data_version_is_read_in_the_event_loop_and_falls_back_when_it_cannot(
    db: Engine, write: Session
) -> None:
    """On PostgreSQL the version is read on the loop's own connection (no thread hop); when
    that fails, the engine's read in the thread pool answers, alone for a while."""
    fallbacks: list[tuple[object, ...]] = []

    def fallback() -> tuple[object, ...]:
        version = read_version(get_engine())
        fallbacks.append(version)
        return version

    async def scenario() -> None:
        reader = EventLoopVersionRead(fallback)
        assert await reader() == read_version(get_engine())
        make_event(write, **JONGJU)
        write.commit()
        assert await reader() == read_version(get_engine())  # a write moves it at once
        assert fallbacks == []

        async def refused(_engine: Engine) -> None:
            raise OSError("refused")

        reader._drop()
        reader._connect = refused  # type: ignore[method-assign]
        assert await reader() == read_version(get_engine())
        assert len(fallbacks) == 1
        del reader._connect  # the connection works again, but the pause holds
        assert await reader() == read_version(get_engine())
        assert len(fallbacks) == 2
        reader._paused_until = 0.0
        assert await reader() == read_version(get_engine())
        assert len(fallbacks) == 2
        await reader.aclose()

    asyncio.run(scenario())
