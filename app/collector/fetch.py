"""Polite, bounded HTTP fetching of feeds (httpx, one client shared by the worker threads).

Bounds, all from Settings: a whole-request deadline enforced at every socket wait, a body cap
counted after decompression (we decompress ourselves, chunk by chunk, with an output limit, so
a gzip bomb stops at the cap without ever inflating past it), a redirect cap, and the address
policy checked at connect time on every hop.
"""

from __future__ import annotations

import email.utils
import hashlib
import re
import time
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import httpcore
import httpx

from app.collector.netpolicy import (
    AddressPolicy,
    BlockedAddressError,
    DeadlineExceededError,
    VettedBackend,
    fetch_deadline,
)
from app.core.config import Settings

ACCEPT = (
    "application/xml,application/atom+xml,application/rss+xml,application/rdf+xml,"
    "application/feed+json,text/html,*/*;q=0.9"
)
CHUNK = 64 * 1024


class FetchError(Exception):
    """A classified fetch failure: `kind` is short and stable, the message says why."""

    def __init__(self, kind: str, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


@dataclass(frozen=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None


@dataclass
class FetchResult:
    outcome: str  # ok | not_modified | unchanged | error
    status: int | None = None
    final_url: str | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    body_hash: str | None = None
    bytes_read: int = 0
    error_kind: str | None = None
    error: str | None = None
    retry_after_seconds: float | None = None
    cache_hint_seconds: float | None = None
    duration_ms: int = 0

    @property
    def gone(self) -> bool:
        return self.status == 410


def build_client(settings: Settings, *, policy: AddressPolicy | None = None) -> httpx.Client:
    """One client for all worker threads; connections are vetted by the address policy."""
    limits = httpx.Limits(
        max_connections=max(settings.fetch_concurrency * 2, 20),
        max_keepalive_connections=50,
        keepalive_expiry=10.0,
    )
    transport = httpx.HTTPTransport(limits=limits, retries=0, trust_env=False)
    # httpx exposes no network-backend argument: rebuild its pool with our vetted backend.
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False),
        max_connections=limits.max_connections,
        max_keepalive_connections=limits.max_keepalive_connections,
        keepalive_expiry=limits.keepalive_expiry,
        http1=True,
        http2=False,
        retries=0,
        network_backend=VettedBackend(
            policy or AddressPolicy.from_settings(settings),
            dns_timeout=settings.fetch_dns_timeout_seconds,
        ),
    )
    return httpx.Client(
        transport=transport,
        follow_redirects=True,
        max_redirects=settings.fetch_max_redirects,
        timeout=httpx.Timeout(
            settings.fetch_timeout_seconds, connect=settings.fetch_connect_timeout_seconds
        ),
        headers={
            "User-Agent": settings.user_agent,
            "Accept": ACCEPT,
            "Accept-Encoding": "gzip, deflate",
        },
        # Proxies from the environment would bypass the connect-time address check.
        trust_env=False,
    )


def fetch_feed(
    client: httpx.Client, url: str, validators: Validators, settings: Settings
) -> FetchResult:
    """GET one feed. Never raises for network or HTTP trouble: the result says what happened."""
    started = time.monotonic()
    token = fetch_deadline.set(started + settings.fetch_timeout_seconds)
    try:
        result = _fetch(client, url, validators, settings)
    except FetchError as exc:
        result = FetchResult("error", status=exc.status, error_kind=exc.kind, error=str(exc))
    finally:
        fetch_deadline.reset(token)
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


def conditional_headers(validators: Validators) -> dict[str, str]:
    headers = {}
    if validators.etag:
        headers["If-None-Match"] = validators.etag
    if validators.last_modified:
        headers["If-Modified-Since"] = validators.last_modified
    return headers


def _fetch(
    client: httpx.Client, url: str, validators: Validators, settings: Settings
) -> FetchResult:
    try:
        with client.stream("GET", url, headers=conditional_headers(validators)) as response:
            return _handle_response(response, validators, settings)
    except BlockedAddressError as exc:
        raise FetchError("blocked_address", str(exc)) from exc
    except DeadlineExceededError as exc:
        raise FetchError(
            "timeout", f"no complete response within {settings.fetch_timeout_seconds:g} s"
        ) from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError(
            "too_many_redirects", f"more than {settings.fetch_max_redirects} redirects"
        ) from exc
    except httpx.TimeoutException as exc:
        raise FetchError("timeout", f"{type(exc).__name__}: {exc or 'timed out'}") from exc
    except httpx.UnsupportedProtocol as exc:
        raise FetchError("bad_url", f"unsupported URL or redirect target: {exc}") from exc
    except httpx.HTTPError as exc:
        raise FetchError("network", f"{type(exc).__name__}: {exc}") from exc


def _handle_response(
    response: httpx.Response, validators: Validators, settings: Settings
) -> FetchResult:
    headers = {k.lower(): v for k, v in response.headers.items()}
    status = response.status_code
    base = FetchResult(
        "ok",
        status=status,
        final_url=str(response.url),
        headers=headers,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        cache_hint_seconds=cache_hint_seconds(headers),
    )
    if status == 304:
        response.read()  # empty; reading to the end lets the connection go back to the pool
        base.outcome = "not_modified"
        return base
    if status in (429, 503):
        base.retry_after_seconds = parse_retry_after(headers.get("retry-after"))
        return _http_error(base, "rate_limited" if status == 429 else "unavailable")
    if status == 410:
        return _http_error(base, "gone")
    if status >= 400:
        return _http_error(base, "http_client_error" if status < 500 else "http_server_error")
    if not 200 <= status < 300:
        return _http_error(base, "unexpected_status")
    if _validators_match(headers, validators):
        base.outcome = "not_modified"
        return base
    body = read_capped_body(response, settings.fetch_max_bytes)
    base.body = body
    base.bytes_read = len(body)
    if not body.strip():
        raise FetchError("empty", "the response body is empty", status=status)
    base.body_hash = hashlib.sha256(body).hexdigest()
    if validators.body_hash and base.body_hash == validators.body_hash:
        base.outcome = "unchanged"
    return base


def _http_error(result: FetchResult, kind: str) -> FetchResult:
    result.outcome = "error"
    result.error_kind = kind
    phrase = httpx.codes.get_reason_phrase(result.status or 0)
    result.error = f"HTTP {result.status} {phrase}".strip()
    if result.retry_after_seconds is not None:
        result.error += f" (Retry-After {result.retry_after_seconds:g} s)"
    return result


def _validators_match(headers: Mapping[str, str], validators: Validators) -> bool:
    """A 200 that repeats the stored validators is 'not modified' (miniflux does the same)."""
    if headers.get("expires", "").strip() == "0":
        return False
    etag = headers.get("etag")
    if etag and validators.etag:
        return etag == validators.etag
    last_modified = headers.get("last-modified")
    return bool(not etag and last_modified and last_modified == validators.last_modified)


def read_capped_body(response: httpx.Response, max_bytes: int) -> bytes:
    """Read the body, decompressing ourselves so the cap applies to the inflated size."""
    decoder = _Decoder(response.headers.get("content-encoding", ""), max_bytes)
    out = bytearray()
    for raw in response.iter_raw(CHUNK):
        for piece in decoder.feed(raw):
            out += piece
            if len(out) > max_bytes:
                raise FetchError(
                    "too_large",
                    f"the body exceeds {max_bytes} bytes (after decompression)",
                    status=response.status_code,
                )
    for piece in decoder.flush():
        out += piece
    if len(out) > max_bytes:
        raise FetchError(
            "too_large", f"the body exceeds {max_bytes} bytes", status=response.status_code
        )
    return bytes(out)


class _Decoder:
    """gzip / deflate / identity, inflating at most 1 MiB per step."""

    def __init__(self, content_encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in {"gzip", "x-gzip", "deflate"}):
            raise FetchError("bad_encoding", f"unsupported Content-Encoding: {content_encoding}")
        self._coding = codings[0] if codings else None
        # Inflate in bounded steps: memory stays near one step, whatever the ratio.
        self._limit = min(limit + 1, 1 << 20)
        self._zlib: zlib._Decompress | None = None
        if self._coding in {"gzip", "x-gzip"}:
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._deflate_probe = self._coding == "deflate"

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._coding is None:
            yield data
            return
        if self._deflate_probe:
            self._deflate_probe = False
            # "deflate" is zlib-wrapped per the RFC, but some servers send raw deflate.
            wrapped = (
                len(data) >= 2 and (data[0] & 0x0F) == 8 and (data[0] << 8 | data[1]) % 31 == 0
            )
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
        yield from self._inflate(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        assert self._zlib is not None
        try:
            while data:
                piece = self._zlib.decompress(data, self._limit)
                if piece:
                    yield piece
                data = self._zlib.unconsumed_tail
                if self._zlib.eof and self._zlib.unused_data and self._coding != "deflate":
                    # Concatenated gzip members (allowed by RFC 1952).
                    data = self._zlib.unused_data + data
                    self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        except zlib.error as exc:
            raise FetchError("bad_encoding", f"corrupt compressed body: {exc}") from exc

    def flush(self) -> Iterator[bytes]:
        if self._zlib is not None:
            try:
                tail = self._zlib.flush()
            except zlib.error as exc:
                raise FetchError("bad_encoding", f"corrupt compressed body: {exc}") from exc
            if tail:
                yield tail


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def cache_hint_seconds(headers: Mapping[str, str]) -> float | None:
    """The server's freshness hint: Cache-Control max-age, else Expires."""
    match = _MAX_AGE.search(headers.get("cache-control", ""))
    if match:
        return float(match.group(1))
    expires = headers.get("expires")
    if expires and expires.strip() != "0":
        try:
            when = email.utils.parsedate_to_datetime(expires)
        except (TypeError, ValueError):
            return None
        if when is not None and when.tzinfo is not None:
            return max(0.0, when.timestamp() - time.time())
    return None
