"""DNS is bounded in time and its answers are judged like literal addresses.

The system resolver is replaced by a scripted one (slow, or answering with chosen loopback
addresses); everything else — sockets, HTTP, the address policy — is real.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from app.collector.fetch import Validators, build_client, fetch_feed
from app.collector.netpolicy import validate_feed_url
from app.core.config import Settings
from tests.collector.builders import item, rss2
from tests.support.feedserver import Reply, serving

SLOW = "slow-dns.invalid"


@pytest.fixture
def resolver(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """name -> seconds to hang (float) or loopback addresses to answer (list)."""
    script: dict[str, Any] = {}
    original: Callable[..., Any] = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        answer = script.get(host)
        if answer is None:
            return original(host, port, *args, **kwargs)
        if isinstance(answer, float):
            time.sleep(answer)
            raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
        return [
            (socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port))) for address in answer
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield script


# How long the scripted resolver stays silent: each test passes when the wait is cut well short
# of it, however loaded the machine.
HANG = 30.0


def _fetch(url: str, settings: Settings) -> tuple[Any, float]:
    started = time.monotonic()
    with build_client(settings) as client:
        result = fetch_feed(client, url, Validators(), settings)
    return result, time.monotonic() - started


def test_a_resolver_that_never_answers_is_cut_at_the_dns_timeout(
    resolver: dict[str, Any],
) -> None:
    resolver[SLOW] = HANG
    settings = Settings(fetch_dns_timeout_seconds=0.5, fetch_timeout_seconds=10)
    result, elapsed = _fetch(f"http://{SLOW}/feed", settings)
    assert result.outcome == "error" and result.error_kind == "timeout", result
    assert "DNS" in result.error and SLOW in result.error
    assert elapsed < HANG / 2  # cut short, with room for a loaded 2-core machine


def test_the_whole_request_deadline_includes_dns(resolver: dict[str, Any]) -> None:
    resolver[SLOW] = HANG
    settings = Settings(fetch_dns_timeout_seconds=20, fetch_timeout_seconds=1.0)
    result, elapsed = _fetch(f"http://{SLOW}/feed", settings)
    assert result.outcome == "error" and result.error_kind == "timeout", result
    assert elapsed < HANG / 2


def test_admin_validation_does_not_wait_for_a_hung_resolver(resolver: dict[str, Any]) -> None:
    resolver[SLOW] = HANG
    started = time.monotonic()
    # Unresolvable now is accepted: every fetch judges the addresses again at connect time.
    assert validate_feed_url(f"http://{SLOW}/feed", Settings(fetch_dns_timeout_seconds=0.5))
    assert time.monotonic() - started < HANG / 2


def test_a_name_answering_with_a_refused_address_is_never_contacted(
    resolver: dict[str, Any],
) -> None:
    settings = Settings(allow_private_feeds="127.0.0.2", fetch_timeout_seconds=3)
    with serving("127.0.0.2") as allowed, serving("127.0.0.3") as forbidden:
        for server in (allowed, forbidden):
            server.routes["/feed"] = Reply(200, rss2([item(1)]))
        resolver["good.test"] = ["127.0.0.2"]
        resolver["rebound.test"] = ["127.0.0.3"]
        resolver["mixed.test"] = ["127.0.0.2", "127.0.0.3"]  # one bad answer refuses the name
        good, _ = _fetch(f"http://good.test:{allowed.port}/feed", settings)
        rebound, _ = _fetch(f"http://rebound.test:{forbidden.port}/feed", settings)
        mixed, _ = _fetch(f"http://mixed.test:{allowed.port}/feed", settings)
        assert forbidden.requests == [] and len(allowed.requests) == 1
    assert good.outcome == "ok"
    for result in (rebound, mixed):
        assert result.error_kind == "blocked_address" and "127.0.0.3" in result.error
    with pytest.raises(ValueError, match=r"127\.0\.0\.3"):
        validate_feed_url("http://rebound.test/feed", settings)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://2130706433/", "127.0.0.1 is a loopback"),
        ("http://0177.0.0.1/", "127.0.0.1 is a loopback"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback"),
        ("http://0251.0376.0251.0376/", "metadata"),
        ("http://012.0.0.1/", "10.0.0.1 is a private"),
    ],
)
def test_legacy_numeric_hosts_are_judged_without_any_resolver(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        validate_feed_url(url, Settings(), resolve_dns=False)
