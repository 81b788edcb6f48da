"""Which addresses the collector may talk to, enforced where the socket is opened.

The check runs in the network backend that httpx uses for every connection, so it sees each
redirect hop and the address DNS actually returned, and the socket is opened to that vetted
address (a second, different DNS answer cannot slip in: DNS rebinding is defeated).
Link-local and cloud-metadata addresses are never allowed, whatever the setting says.
"""

from __future__ import annotations

import contextvars
import ipaddress
import re
import socket
import threading
import time
import typing
from collections.abc import Iterable
from urllib.parse import urlsplit

import httpcore

from app.core.config import IPNetwork, Settings, get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Never fetched: instance-metadata services and link-local ranges (where most of them live).
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254", "100.100.100.200")
)
NEVER_NETWORKS = (
    ipaddress.ip_network("169.254.0.0/16"),
    ipaddress.ip_network("fe80::/10"),
)


# IPv6 prefixes whose addresses carry an IPv4 address (RFC 4291, 2765, 6052, 8215, 3056, 4380).
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
NAT64_WELL_KNOWN = ipaddress.ip_network("64:ff9b::/96")
NAT64_LOCAL_USE = ipaddress.ip_network("64:ff9b:1::/48")
# The NAT64 prefix lengths RFC 6052 allows; `_rfc6052` reads the IPv4 bits of each layout.
NAT64_LAYOUTS = (32, 40, 48, 56, 64, 96)


def embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """Every IPv4 address this IPv6 address embeds, to be judged as itself: IPv4-mapped,
    IPv4-compatible (not :: and ::1), IPv4-translated, NAT64 (the well-known /96 prefix, and
    the local-use /48 under each RFC 6052 layout, since its prefix length is the operator's
    choice), 6to4 and Teredo (server and client)."""
    found: list[ipaddress.IPv4Address] = []
    value = int(address)
    low32 = ipaddress.IPv4Address(value & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        found.append(address.ipv4_mapped)
    elif (
        address in IPV4_TRANSLATED
        or (address in IPV4_COMPATIBLE and value > 1)
        or address in NAT64_WELL_KNOWN
    ):
        found.append(low32)
    elif address in NAT64_LOCAL_USE:
        found += [_rfc6052(value, length) for length in NAT64_LAYOUTS]
    if address.sixtofour is not None:
        found.append(address.sixtofour)
    if address.teredo is not None:
        found += list(address.teredo)
    return list(dict.fromkeys(found))


def _rfc6052(value: int, prefix_length: int) -> ipaddress.IPv4Address:
    """The IPv4 address in an RFC 6052 address of this prefix length (skipping bits 64-71)."""
    bits = f"{value:0128b}"
    payload = (bits[prefix_length:64] + bits[72:])[:32] if prefix_length < 96 else bits[96:]
    return ipaddress.IPv4Address(int(payload, 2))


# Never inside a feed URL: C0 and C1 control characters (TAB, CR and LF among them), DEL and
# any whitespace (RFC 3986 has none; a browser would percent-encode it).
URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\s]")


class BlockedAddressError(Exception):
    """The destination resolved to an address the policy refuses."""


class DeadlineExceededError(Exception):
    """The whole-request deadline passed (connect, TLS, headers and body together)."""


# The whole-request deadline of the fetch running in this thread (monotonic seconds).
fetch_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar(
    "fetch_deadline", default=None
)


class AddressPolicy:
    """Allow public addresses; private/loopback only as the setting says; never link-local."""

    def __init__(self, private: bool | list[IPNetwork]) -> None:
        self._allow_all_private = private is True
        self._allowed: tuple[IPNetwork, ...] = () if private is True else tuple(private or ())

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> AddressPolicy:
        return cls((settings or get_settings()).private_feeds_policy)

    def refusal(self, address: IPAddress) -> str | None:
        """None when the address may be fetched, else the reason it may not. An IPv6 address
        that embeds IPv4 addresses is refused when any of them is (`embedded_ipv4`)."""
        if isinstance(address, ipaddress.IPv6Address):
            for inner in embedded_ipv4(address):
                reason = self._judge(inner)
                if reason:
                    return f"{address} embeds {reason}"
            if address.ipv4_mapped:
                return None  # the mapped IPv4 address is all there is to judge
        return self._judge(address)

    def _judge(self, address: IPAddress) -> str | None:
        if address in METADATA_ADDRESSES:
            return f"{address} is a cloud metadata address"
        if any(address in net for net in NEVER_NETWORKS):
            return f"{address} is link-local"
        if address.is_multicast or address.is_unspecified:
            return f"{address} is a multicast or unspecified address"
        if address.is_global:
            return None
        if self._allow_all_private or any(
            address.version == net.version and address in net for net in self._allowed
        ):
            return None
        kind = "loopback" if address.is_loopback else "private"
        return f"{address} is a {kind} address (see WATCHFLOOR_ALLOW_PRIVATE_FEEDS)"

    def vet(self, addresses: Iterable[IPAddress], host: str) -> list[IPAddress]:
        """All addresses must pass: a name answering with one private address is refused."""
        vetted = list(dict.fromkeys(addresses))
        if not vetted:
            raise BlockedAddressError(f"{host} did not resolve to any address")
        for address in vetted:
            reason = self.refusal(address)
            if reason:
                raise BlockedAddressError(f"refused to connect to {host}: {reason}")
        return vetted


class DnsTimeoutError(OSError):
    """No DNS answer within the allowed time."""


# getaddrinfo cannot be interrupted: each lookup runs in a daemon thread and is waited for
# with a timeout. A hung lookup keeps its thread until the system resolver gives up; at most
# this many run at once, so hung resolvers cannot pile up threads (later lookups time out).
_lookups = threading.BoundedSemaphore(16)


def _getaddrinfo_within(host: str, port: int, timeout: float | None) -> list[typing.Any]:
    if not _lookups.acquire(timeout=timeout):
        raise DnsTimeoutError(f"no DNS answer for {host} within {timeout:g} s")
    answer: dict[str, typing.Any] = {}
    done = threading.Event()

    def lookup() -> None:
        try:
            answer["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except BaseException as exc:  # handed to the waiting thread
            answer["error"] = exc
        finally:
            _lookups.release()
            done.set()

    threading.Thread(target=lookup, name="dns", daemon=True).start()
    if not done.wait(timeout):
        raise DnsTimeoutError(f"no DNS answer for {host} within {timeout:g} s")
    if "error" in answer:
        raise answer["error"]
    return answer["infos"]


def resolve(host: str, port: int, *, timeout: float | None = None) -> list[IPAddress]:
    literal = _ip_literal(host)
    if literal is not None:
        return [literal]
    infos = _getaddrinfo_within(host, port, timeout)
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


# IPv4 in the legacy forms inet_aton accepts (and so does the resolver): 2130706433,
# 0177.0.0.1, 0x7f.1, 127.1. Judged as the address they mean, without asking any resolver.
_LEGACY_IPV4 = re.compile(r"(?:0x[0-9a-f]*|[0-9]+)(?:\.(?:0x[0-9a-f]*|[0-9]+)){0,3}", re.I)


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _LEGACY_IPV4.fullmatch(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def validate_feed_url(
    url: str, settings: Settings | None = None, *, resolve_dns: bool = True
) -> str:
    """Check a feed URL before it is stored; return it stripped. Raises ValueError with the reason.

    Literal addresses and `localhost` names are judged by the address policy; a host name is
    resolved when possible and every answer judged. A name that does not resolve now is
    accepted: each fetch re-checks the addresses at connect time anyway.
    """
    url = (url or "").strip(" ")
    if not url:
        raise ValueError("the feed URL is empty")
    if URL_FORBIDDEN.search(url):
        # CR/LF/TAB would be stored and fail (or worse, split a request line) at fetch time.
        raise ValueError("the feed URL contains control characters or spaces")
    if len(url) > 2000:
        raise ValueError("the feed URL is longer than 2000 characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError("the feed URL must use http or https")
    if parts.username or parts.password:
        raise ValueError("the feed URL must not carry credentials")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError("the feed URL has no host")
    try:
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError as exc:
        raise ValueError("the feed URL has an invalid port") from exc
    settings = settings or get_settings()
    policy = AddressPolicy.from_settings(settings)
    literal = _ip_literal(host)
    if literal is not None:
        addresses = [literal]
    elif host.lower() == "localhost" or host.lower().endswith(".localhost"):
        addresses = [ipaddress.ip_address("127.0.0.1")]
    elif resolve_dns:
        try:
            addresses = resolve(host, port, timeout=settings.fetch_dns_timeout_seconds)
        except (OSError, UnicodeError):
            return url
    else:
        return url
    try:
        policy.vet(addresses, host)
    except BlockedAddressError as exc:
        raise ValueError(str(exc)) from exc
    return url


def _remaining(timeout: float | None) -> float | None:
    """The phase timeout, shortened to what is left of this fetch's deadline."""
    deadline = fetch_deadline.get()
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceededError("the whole-request deadline passed")
    return left if timeout is None else min(timeout, left)


class DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every wait is bounded by the fetch deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _remaining(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: typing.Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout))
        )

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)


class VettedBackend(httpcore.NetworkBackend):
    """Resolve, vet every answer, then connect to a vetted address (never re-resolve)."""

    def __init__(self, policy: AddressPolicy, *, dns_timeout: float | None = None) -> None:
        self._policy = policy
        self._dns_timeout = dns_timeout
        self._sync = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: typing.Iterable[typing.Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            # DNS counts against the whole-request deadline like every other wait.
            addresses = resolve(host, port, timeout=_remaining(self._dns_timeout))
        except DnsTimeoutError as exc:
            _remaining(None)  # the deadline itself ran out: say so
            raise httpcore.ConnectTimeout(str(exc)) from exc
        except (OSError, UnicodeError) as exc:
            raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
        vetted = self._policy.vet(addresses, host)
        last_error: Exception | None = None
        for address in vetted:
            try:
                stream = self._sync.connect_tcp(
                    str(address), port, _remaining(timeout), local_address, socket_options
                )
                return DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last_error = exc
        assert last_error is not None
        raise last_error

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
