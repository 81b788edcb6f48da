"""The rules every endpoint follows alike, in one place (README, "HTTP behaviour"):

- unknown query parameters are a 400 (`reject_unknown_parameters`, an app-wide dependency;
  the OGC API and the exports check their own, per collection, with the same error);
- every GET answers HEAD (`HeadAsGetMiddleware`);
- every GET carries an ETag and answers 304 to a matching If-None-Match
  (`ConditionalGetMiddleware` adds one where the endpoint did not);
- the ETag differs per content-coding, and `Vary` names each header once
  (`RepresentationHeadersMiddleware`, outside the gzip middleware).
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.api.http import ASGIApp, Message, Receive, Scope, Send, matches_if_none_match, strong_etag
from app.query.errors import unknown_parameter

# These endpoints read their parameters themselves, per collection (app/api/ogc/params.py).
SELF_CHECKED_PREFIXES = ("/ogc", "/export")
GZIP_SUFFIX = "-gzip"

_allowed_by_route: dict[int, frozenset[str]] = {}


def allowed_query_parameters(route: APIRoute) -> frozenset[str]:
    """What the endpoint declares: its own and its dependencies' query parameters, and those
    documented through `openapi_extra` by endpoints that parse the raw query."""
    known = _allowed_by_route.get(id(route))
    if known is None:
        names = set(_declared_query_names(route.dependant))
        extra = (route.openapi_extra or {}).get("parameters", [])
        names |= {p["name"] for p in extra if p.get("in") == "query"}
        known = _allowed_by_route[id(route)] = frozenset(names)
    return known


def _declared_query_names(dependant: Dependant) -> list[str]:
    names = [param.alias for param in dependant.query_params]
    for sub in dependant.dependencies:
        names += _declared_query_names(sub)
    return names


async def reject_unknown_parameters(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or route.path.startswith(SELF_CHECKED_PREFIXES):
        return
    allowed = allowed_query_parameters(route)
    for name in request.query_params:
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise unknown_parameter(f"unknown query parameter `{name[:40]}`; known: {known}")


class HeadAsGetMiddleware:
    """HEAD is answered as GET would be, headers and all, without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def bodiless(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, bodiless)


class ConditionalGetMiddleware:
    """A strong ETag (of the body) on every 200 GET that has none, and 304 when it matches."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = _header(scope.get("headers", []), b"if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []

        async def buffering(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                if message["status"] != 200 or _header(headers, b"etag") is not None:
                    await send(message)  # the endpoint decided; pass it through
                    return
                start = message
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body"):
                return
            body = b"".join(chunks)
            etag = strong_etag(body)
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"etag"]
            headers.append((b"etag", etag.encode()))
            if matches_if_none_match(if_none_match, etag):
                kept = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
                await send({"type": "http.response.start", "status": 304, "headers": kept})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, buffering)


_BODY_HEADERS = {b"content-length", b"content-type"}


class RepresentationHeadersMiddleware:
    """Outside the gzip middleware: a gzip body's ETag becomes `"<tag>-gzip"` (RFC 9110: a
    strong validator names one representation), a client's `-gzip` validator is matched
    against the identity tag inside, and `Vary` lists each header once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = list(scope.get("headers", []))
        asked = _header(headers, b"if-none-match")
        if asked and GZIP_SUFFIX in asked:
            plain = asked.replace(GZIP_SUFFIX + '"', '"')
            headers = [(k, v) for k, v in headers if k != b"if-none-match"]
            headers.append((b"if-none-match", plain.encode("latin-1")))
            scope = {**scope, "headers": headers}

        async def rewrite(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _representation_headers(
                    message.get("headers", []), message["status"], asked
                )
            await send(message)

        await self.app(scope, receive, rewrite)


def _representation_headers(
    headers: list[tuple[bytes, bytes]], status: int, asked: str | None
) -> list[tuple[bytes, bytes]]:
    gzipped = _header(headers, b"content-encoding") == "gzip"
    out: list[tuple[bytes, bytes]] = []
    vary: list[str] = []
    for name, value in headers:
        lower = name.lower()
        if lower == b"vary":
            for token in value.decode("latin-1").split(","):
                token = token.strip()
                if token and token.lower() not in {v.lower() for v in vary}:
                    vary.append(token)
            continue
        if lower == b"etag":
            value = _coded_etag(value.decode("latin-1"), gzipped, status, asked).encode("latin-1")
        out.append((name, value))
    if vary:
        out.append((b"vary", ", ".join(vary).encode("latin-1")))
    return out


def _coded_etag(etag: str, gzipped: bool, status: int, asked: str | None) -> str:
    if etag.startswith("W/") or not etag.endswith('"'):
        return etag
    coded = etag[:-1] + GZIP_SUFFIX + '"'
    # A 304 has no body to encode: it names the representation the client holds.
    if gzipped or (status == 304 and asked is not None and coded in asked):
        return coded
    return etag


def _header(headers: Any, name: bytes) -> str | None:
    for key, value in headers:
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
