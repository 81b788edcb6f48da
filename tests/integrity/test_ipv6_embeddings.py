"""Defect 7 of issue 17: IPv6 forms that embed an IPv4 address are judged by that address.

The policy is a pure function: these tests never open a socket.
"""

from __future__ import annotations

import ipaddress

import pytest

from app.collector.netpolicy import AddressPolicy, embedded_ipv4, validate_feed_url
from app.core.config import Settings

METADATA = "169.254.169.254"
# Every way the defect's trial (and RFCs 4291, 2765, 6052, 8215, 3056, 4380) embeds IPv4.
FORMS = {
    "compatible": "::{v4}",
    "mapped": "::ffff:{v4}",
    "translated": "::ffff:0:{v4}",
    "nat64-well-known": "64:ff9b::{v4}",
    "nat64-local-use": "64:ff9b:1::{v4}",
    "6to4": "2002:{hi}:{lo}::",
    "6to4-with-host": "2002:{hi}:{lo}:1::5",
}


def _form(form: str, v4: str) -> ipaddress.IPv6Address:
    packed = ipaddress.IPv4Address(v4).packed
    hi, lo = packed[:2].hex(), packed[2:].hex()
    return ipaddress.IPv6Address(FORMS[form].format(v4=v4, hi=hi, lo=lo))


def _teredo(client_v4: str, server_v4: str = "65.54.227.120") -> ipaddress.IPv6Address:
    server = int(ipaddress.IPv4Address(server_v4))
    client = int(ipaddress.IPv4Address(client_v4)) ^ 0xFFFFFFFF  # obfuscated, RFC 4380
    return ipaddress.IPv6Address((0x20010000 << 96) | (server << 64) | (0xFFFF << 32) | client)


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("v4", [METADATA, "127.0.0.1", "10.0.0.5", "169.254.1.1"])
def test_every_embedding_is_judged_by_its_ipv4_address(form: str, v4: str) -> None:
    address = _form(form, v4)
    assert ipaddress.IPv4Address(v4) in embedded_ipv4(address)
    assert AddressPolicy(False).refusal(address) is not None, address


@pytest.mark.parametrize("form", sorted(FORMS))
def test_metadata_and_link_local_stay_refused_when_private_is_allowed(form: str) -> None:
    for v4 in (METADATA, "169.254.1.1"):
        address = _form(form, v4)
        assert AddressPolicy(True).refusal(address) is not None, address


def test_teredo_client_and_server_are_both_judged() -> None:
    assert ipaddress.IPv4Address(METADATA) in embedded_ipv4(_teredo(METADATA))
    assert AddressPolicy(True).refusal(_teredo(METADATA)) is not None
    assert AddressPolicy(False).refusal(_teredo("8.8.8.8", server_v4="127.0.0.1")) is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://[::127.0.0.1]/feed",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data/",
        "http://[2002:a9fe:a9fe::]/",
        "http://[::ffff:0:a9fe:a9fe]/",
        "http://[::ffff:a9fe:a9fe]/",
    ],
)
def test_the_trials_urls_are_refused(url: str) -> None:
    with pytest.raises(ValueError):
        validate_feed_url(url, Settings(allow_private_feeds="false"), resolve_dns=False)


def test_plain_ipv6_and_public_embeddings_are_unchanged() -> None:
    assert embedded_ipv4(ipaddress.IPv6Address("::1")) == []
    assert embedded_ipv4(ipaddress.IPv6Address("2606:4700::1111")) == []
    assert AddressPolicy(False).refusal(ipaddress.IPv6Address("2606:4700::1111")) is None
    assert AddressPolicy(False).refusal(ipaddress.IPv6Address("::1")) is not None
