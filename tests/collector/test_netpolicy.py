"""The address policy and `validate_feed_url`."""

from __future__ import annotations

import ipaddress

import pytest

from app.collector import validate_feed_url
from app.collector.netpolicy import AddressPolicy, BlockedAddressError
from app.core.config import Settings

ip = ipaddress.ip_address


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",
        "fd00:ec2::254",
        "100.100.100.200",
        "169.254.1.1",
        "fe80::1",
        "::ffff:169.254.169.254",
        "224.0.0.1",
        "0.0.0.0",
        "::",
    ],
)
def test_never_allowed_even_when_private_is_allowed(address: str) -> None:
    assert AddressPolicy(True).refusal(ip(address)) is not None


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "::1", "fc00::1", "100.64.0.1", "::ffff:127.0.0.1"],
)
def test_private_and_loopback_need_the_setting(address: str) -> None:
    assert AddressPolicy([]).refusal(ip(address)) is not None
    assert AddressPolicy(True).refusal(ip(address)) is None


def test_a_list_allows_only_its_networks() -> None:
    policy = AddressPolicy(
        Settings(allow_private_feeds="127.0.0.2, 10.0.0.0/8").private_feeds_policy
    )
    assert policy.refusal(ip("127.0.0.2")) is None
    assert policy.refusal(ip("10.20.30.40")) is None
    assert "loopback" in (policy.refusal(ip("127.0.0.3")) or "")
    assert policy.refusal(ip("8.8.8.8")) is None


def test_one_bad_answer_refuses_the_name() -> None:
    with pytest.raises(BlockedAddressError, match=r"10\.0\.0\.1"):
        AddressPolicy([]).vet([ip("93.184.216.34"), ip("10.0.0.1")], "mixed.example")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("", "empty"),
        ("file:///etc/passwd", "http or https"),
        ("gopher://x.example/", "http or https"),
        ("http://user:pw@x.example/feed", "credentials"),
        ("http:///feed", "no host"),
        ("http://x.example:99999/feed", "invalid port"),
        ("http://127.0.0.1/feed", "loopback"),
        ("http://localhost:8080/feed", "loopback"),
        ("http://[::1]/feed", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "metadata"),
        ("http://192.168.1.10/rss", "private"),
    ],
)
def test_validate_feed_url_refuses_with_a_reason(url: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_feed_url(url, Settings(allow_private_feeds=""))


def test_validate_feed_url_accepts_public_and_allowed_urls() -> None:
    assert (
        validate_feed_url(" https://www.nknews.org/feed/ ", Settings())
        == "https://www.nknews.org/feed/"
    )
    allowed = Settings(allow_private_feeds="127.0.0.0/8")
    assert validate_feed_url("http://127.0.0.2:8000/feed", allowed) == "http://127.0.0.2:8000/feed"
    with pytest.raises(ValueError, match="metadata"):
        validate_feed_url("http://169.254.169.254/", Settings(allow_private_feeds="true"))
