"""HTTP behaviour shared by every router: caching validators, headers, limits and admin auth.

- `conditional(...)`: a strong ETag (SHA-256 of the body), Cache-Control, 304 on If-None-Match.
- `SecurityHeadersMiddleware`, `BodySizeLimitMiddleware`, `RateLimitMiddleware`: pure ASGI, so
  they cost little and see every response (errors included).
- `AdminDep`: `Authorization: Bearer KEY`, compared as SHA-256 digests in constant time.
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import hmac
import ipaddress
import logging
import math
import threading
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.core.config import Settings, get_settings

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Cache lifetimes: live views change as events arrive; a stored report or an event changes rarely.
MAX_AGE_LIVE = 60
MAX_AGE_STABLE = 300

# Responses from this size up are gzipped for clients that accept it. Level 6 (zlib's default),
# not Starlette's 9: on a week of hotspots 9 took over three times the CPU of 6 for no smaller
# output; computed answers are gzipped once per cached body (see app/api/cache.py).
GZIP_MINIMUM_SIZE = 1024
GZIP_LEVEL = 6


async def app_settings(request: Request) -> Settings:
    """The settings the app was built with (tests build apps with their own). Async: FastAPI
    would run a plain function in the thread pool, a hop per request for an attribute read."""
    settings = getattr(request.app.state, "settings", None)
    return settings if isinstance(settings, Settings) else get_settings()


AppSettingsDep = Annotated[Settings, Depends(app_settings)]


# --- conditional GET ---------------------------------------------------------------------------


# orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) writes, several
# times faster (on a page of events it was a large part of the cost). A UTC or naive (UTC by
# convention) datetime is written as the one ISO formatter writes it (app/core/isotime.py:
# seconds, `Z`): the page renderers pass the driver's UTC datetimes as they are instead of
# formatting each in Python.
JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z | orjson.OPT_OMIT_MICROSECONDS | orjson.OPT_NAIVE_UTC
)


def json_bytes(data: Any) -> bytes:
    return orjson.dumps(data, option=JSON_OPTIONS)


def gzip_bytes(body: bytes) -> bytes:
    """`body` as GZipMiddleware would send it (one gzip member)."""
    compressor = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return compressor.compress(body) + compressor.flush()


def accepts_gzip(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "")


def strong_etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def matches_if_none_match(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    if if_none_match.strip() == "*":
        return True
    # If-None-Match uses the weak comparison (RFC 9110 13.1.2): W/ prefixes are ignored.
    candidates = (tag.strip().removeprefix("W/") for tag in if_none_match.split(","))
    return etag in candidates


def validator_headers(etag: str, max_age: int = MAX_AGE_LIVE) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={max_age}",
        "Vary": "Accept, Accept-Encoding",
    }


def not_modified(etag: str, max_age: int = MAX_AGE_LIVE) -> Response:
    return Response(status_code=304, headers=validator_headers(etag, max_age))


def conditional(
    request: Request,
    body: bytes,
    media_type: str,
    *,
    max_age: int = MAX_AGE_LIVE,
    headers: dict[str, str] | None = None,
) -> Response:
    """200 with the body, or 304 when the client already holds this exact representation."""
    etag = strong_etag(body)
    all_headers = {**validator_headers(etag, max_age), **(headers or {})}
    if matches_if_none_match(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=all_headers)
    return Response(content=body, media_type=media_type, headers=all_headers)


def json_response(
    request: Request,
    data: Any,
    *,
    media_type: str = "application/json",
    max_age: int = MAX_AGE_LIVE,
    headers: dict[str, str] | None = None,
) -> Response:
    return conditional(request, json_bytes(data), media_type, max_age=max_age, headers=headers)


# --- ASGI helpers ------------------------------------------------------------------------------


async def send_problem(
    send: Send, status: int, detail: str, headers: dict[str, str] | None = None
) -> None:
    from http import HTTPStatus

    body = json_bytes(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        }
    )
    raw = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


# --- security headers --------------------------------------------------------------------------

# The API serves JSON, GeoJSON, CSV, Markdown and script-free HTML: nothing may load or run.
STRICT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# Swagger UI and ReDoc load their bundles from a CDN and run inline bootstrap scripts.
DOCS_PATHS = ("/docs", "/redoc")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        is_docs = scope["path"].startswith(DOCS_PATHS)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"x-frame-options", b"DENY"),
                    (b"cross-origin-resource-policy", b"cross-origin"),
                ]
                if not is_docs:
                    extra.append((b"content-security-policy", STRICT_CSP.encode()))
                headers += [(k, v) for k, v in extra if k not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


# --- request body size -------------------------------------------------------------------------


class BodyTooLarge(StarletteHTTPException):
    """Raised from `receive`: FastAPI re-raises HTTPExceptions met while reading a body, so the
    problem handlers answer 413 (any other exception would become its generic 400)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes")


class BodySizeLimitMiddleware:
    """413 for bodies over the limit: by Content-Length up front, else while streaming."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"the request body is larger than {self.max_bytes} bytes"
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await send_problem(send, 400, "Content-Length is not a number")
                    return
                if declared > self.max_bytes:
                    await send_problem(send, 413, detail)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await send_problem(send, 413, detail)


# --- rate limiting -----------------------------------------------------------------------------


def is_expensive(method: str, path: str) -> bool:
    """The endpoints whose cost justifies a per-client budget."""
    if path.startswith("/admin"):
        return True
    if method == "POST" and path in ("/extract", "/assessments"):
        return True
    return path == "/annex"


class SlidingWindowLimiter:
    """At most `limit` requests per client in any 60 s; in memory, per process."""

    WINDOW_SECONDS = 60.0

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, client: str) -> int:
        """0 when allowed (and counted), else the seconds until the next slot frees."""
        now = self.clock()
        with self._lock:
            hits = self._hits.setdefault(client, deque())
            while hits and now - hits[0] >= self.WINDOW_SECONDS:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(self.WINDOW_SECONDS - (now - hits[0])))
            hits.append(now)
            if len(self._hits) > 10_000:  # forget idle clients so memory stays bounded
                for key in [k for k, v in self._hits.items() if not v][:5_000]:
                    del self._hits[key]
            return 0


class RateLimitMiddleware:
    def __init__(self, app: ASGIApp, per_minute: int) -> None:
        self.app = app
        self.limiter = SlidingWindowLimiter(per_minute)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_expensive(scope["method"], scope["path"]):
            client = (scope.get("client") or ("unknown", 0))[0]
            wait = self.limiter.check(client)
            if wait:
                logger.info("rate limited", extra={"client": client, "path": scope["path"]})
                await send_problem(
                    send,
                    429,
                    f"too many requests to expensive endpoints; retry in {wait} s",
                    {"Retry-After": str(wait)},
                )
                return
        await self.app(scope, receive, send)


# --- computed answers: a bound per client, and no work for a client that has gone ---------------

# Answers whose cost grows with their window (the rest read an index page).
COMPUTED_PREFIXES = ("/threat-level/history", "/hotspots", "/export/", "/ogc/collections/hotspots")

# Whether the client of the request running in this context is still there (a request's
# context reaches the thread its endpoint computes in).
_client_gone: contextvars.ContextVar[threading.Event | None] = contextvars.ContextVar(
    "client_gone", default=None
)


def client_gone() -> bool:
    """True once the client of the current request has disconnected (False outside one)."""
    gone = _client_gone.get()
    return gone is not None and gone.is_set()


def is_computed(method: str, path: str) -> bool:
    return method in ("GET", "HEAD") and path.startswith(COMPUTED_PREFIXES)


class ComputedRequestGuard:
    """At most `per_client` computed answers in flight per client (more: 429), and a flag
    (`client_gone`) the computation reads to stop when its client disconnects."""

    def __init__(self, app: ASGIApp, per_client: int) -> None:
        self.app = app
        self.per_client = per_client
        self._in_flight: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not is_computed(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        if self._in_flight.get(client, 0) >= self.per_client:
            await send_problem(
                send,
                429,
                f"at most {self.per_client} computed answers at once per client; "
                "wait for one to finish",
                {"Retry-After": "1"},
            )
            return
        self._in_flight[client] = self._in_flight.get(client, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            left = self._in_flight[client] - 1
            if left:
                self._in_flight[client] = left
            else:
                del self._in_flight[client]

        async def sending(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                # Answered: work the app does after the response (a background renewal of a
                # cached answer) is not this client's any more.
                release()

        gone = threading.Event()
        token = _client_gone.set(gone)
        inbox: asyncio.Queue[Message] = asyncio.Queue()
        listener = asyncio.create_task(_listen(receive, inbox, gone))

        async def relayed() -> Message:
            return await inbox.get()

        try:
            await self.app(scope, relayed, sending)
        finally:
            listener.cancel()
            _client_gone.reset(token)
            release()


async def _listen(receive: Receive, inbox: asyncio.Queue[Message], gone: threading.Event) -> None:
    """Read the client's messages for the app (a GET has one), noting the disconnect."""
    while True:
        message = await receive()
        await inbox.put(message)
        if message["type"] == "http.disconnect":
            gone.set()
            return


# --- forwarded headers -------------------------------------------------------------------------

FORWARDED_HEADERS = frozenset(
    {
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-forwarded-port",
        b"forwarded",
    }
)


class ForwardedHeadersMiddleware:
    """Forwarded headers count only from the proxies in `forwarded_allow_ips`.

    From a trusted peer: X-Forwarded-Proto sets the scheme, X-Forwarded-For the client (the
    nearest address that is not itself a trusted proxy) and X-Forwarded-Host stays for the
    links to read. From anyone else every forwarded header is removed before the app sees it,
    so no client can choose the host of the links the API hands out (uvicorn's own proxy
    handling is off: it ignores X-Forwarded-Host and would hide the real peer from this check).
    """

    def __init__(self, app: ASGIApp, allow: str) -> None:
        self.app = app
        self.trusted = ProxyList(allow)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            peer = (scope.get("client") or ("", 0))[0]
            if self.trusted.allows(peer):
                _apply_forwarded(scope, self.trusted)
            else:
                scope["headers"] = [
                    (k, v) for k, v in scope["headers"] if k.lower() not in FORWARDED_HEADERS
                ]
        await self.app(scope, receive, send)


class ProxyList:
    """`*`, or comma-separated addresses and networks (`127.0.0.1,10.0.0.0/8,::1`)."""

    def __init__(self, allow: str) -> None:
        items = [item.strip() for item in allow.split(",") if item.strip()]
        self.everyone = "*" in items
        self.networks = [ipaddress.ip_network(item, strict=False) for item in items if item != "*"]

    def allows(self, host: str) -> bool:
        if self.everyone:
            return True
        try:
            address = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(address.version == n.version and address in n for n in self.networks)


def _apply_forwarded(scope: Scope, trusted: ProxyList) -> None:
    headers = {k.lower(): v.decode("latin-1") for k, v in scope["headers"]}
    proto = headers.get(b"x-forwarded-proto", "").split(",")[0].strip().lower()
    if proto in ("http", "https"):
        scope["scheme"] = proto if scope["type"] == "http" else {"http": "ws"}.get(proto, "wss")
    chain = [hop.strip() for hop in headers.get(b"x-forwarded-for", "").split(",") if hop.strip()]
    for hop in reversed(chain):
        if not trusted.allows(hop):
            scope["client"] = (hop, 0)
            break


# --- admin API keys ----------------------------------------------------------------------------

ADMIN_REALM = 'Bearer realm="watchfloor-admin"'


def key_is_valid(presented: str, hashes: frozenset[str]) -> bool:
    """Constant-time: the digest is compared with every configured digest, never short-cut."""
    digest = hashlib.sha256(presented.encode()).hexdigest()
    valid = False
    for known in hashes:
        valid |= hmac.compare_digest(digest, known)
    return valid


def require_admin(request: Request, settings: AppSettingsDep) -> None:
    """401 for a missing or wrong key; 403 when no key is configured (the admin API is off)."""
    hashes = settings.api_key_hashes
    if not hashes:
        raise Problem(
            403, "the admin API is disabled: no WATCHFLOOR_API_KEYS are configured on this server"
        )
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    challenge = {"WWW-Authenticate": ADMIN_REALM}
    if scheme.lower() != "bearer" or not presented.strip():
        raise Problem(401, "an admin key is required: Authorization: Bearer KEY", headers=challenge)
    if not key_is_valid(presented.strip(), hashes):
        # Log the attempt, never the key.
        logger.warning("admin key refused", extra={"path": request.url.path})
        raise Problem(
            401,
            "the admin key is not valid",
            headers={"WWW-Authenticate": ADMIN_REALM + ', error="invalid_token"'},
        )


AdminDep = Depends(require_admin)


class AdminKeyFirstRoute(APIRoute):
    """A route class that checks the admin key before anything else of the request is read.

    FastAPI reads and validates the body before it runs dependencies, so without this a
    malformed body to an admin route would answer 400 (and describe the body) before the 401.
    Routes that do not depend on `require_admin` are left as they are."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _depends_on(self.dependant, require_admin):
            return handler

        async def key_first(request: Request) -> Response:
            require_admin(request, await app_settings(request))
            return await handler(request)

        return key_first


def _depends_on(dependant: Dependant, function: Callable[..., Any]) -> bool:
    return any(
        dependency.call is function or _depends_on(dependency, function)
        for dependency in dependant.dependencies
    )


# --- the OpenAPI document states this server's limits ------------------------------------------


def document_limits(app: FastAPI, settings: Settings) -> None:
    """Declare the configured page-size maximum, 413 on bodies and 429 on expensive paths."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        problem: dict[str, Any] = {"content": {PROBLEM_MEDIA_TYPE: {}}}
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                for parameter in operation.get("parameters", []):
                    if parameter.get("name") == "limit" and parameter.get("in") == "query":
                        _set_maximum(parameter.get("schema", {}), settings.page_limit_max)
                responses = operation.setdefault("responses", {})
                if "requestBody" in operation:
                    responses.setdefault(
                        "413", {"description": "Request body too large", **problem}
                    )
                if settings.rate_limit_per_minute and is_expensive(method.upper(), path):
                    responses.setdefault("429", {"description": "Rate limited", **problem})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _set_maximum(schema: dict[str, Any], maximum: int) -> None:
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "integer":
            option["minimum"], option["maximum"] = 1, maximum
