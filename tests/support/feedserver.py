"""A small threaded HTTP server: scripted replies per path, a request log.

Used by the collector and reliability tests and by scripts/hostile_report.py.

Each path maps to a `Reply` or to a function of the request returning one. Replies can be
delayed, dripped byte by byte, endless, or arbitrary raw bytes; every request is recorded
(path, headers) before it is answered, so tests can assert what reached the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # before the status line
    drip_interval: float | None = None  # send the body one byte at a time, this far apart
    endless: bool = False  # repeat `body` forever (no Content-Length)
    content_type: str | None = "application/rss+xml; charset=utf-8"


@dataclass(frozen=True)
class SeenRequest:
    path: str
    headers: dict[str, str]
    at: float


Route = Reply | Callable[[SeenRequest], Reply]


def conditional(body: bytes, etag: str, last_modified: str, **extra: str) -> Route:
    """200 with validators; 304 when the client sends them back."""

    def route(request: SeenRequest) -> Reply:
        if request.headers.get("if-none-match") == etag or (
            "if-none-match" not in request.headers
            and request.headers.get("if-modified-since") == last_modified
        ):
            return Reply(304, headers={"ETag": etag, "Last-Modified": last_modified})
        return Reply(200, body, {"ETag": etag, "Last-Modified": last_modified, **extra})

    return route


class FeedServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[SeenRequest] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = ThreadingHTTPServer((host, 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def seen(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def start(self) -> FeedServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def do_GET(self) -> None:
                request = SeenRequest(
                    self.path, {k.lower(): v for k, v in self.headers.items()}, time.monotonic()
                )
                with server._lock:
                    server.requests.append(request)
                route = server.routes.get(self.path.split("?", 1)[0])
                reply = Reply(404, b"not found") if route is None else route
                if callable(reply):
                    reply = reply(request)
                with suppress(BrokenPipeError, ConnectionResetError):
                    self._send(reply)

            def _send(self, reply: Reply) -> None:
                if reply.delay and server._stop.wait(reply.delay):
                    return
                self.send_response(reply.status)
                headers = dict(reply.headers)
                if reply.content_type and reply.status != 304:
                    headers.setdefault("Content-Type", reply.content_type)
                streaming = reply.endless or reply.drip_interval is not None
                if streaming:
                    headers["Connection"] = "close"
                    self.close_connection = True
                elif reply.status != 304:
                    headers.setdefault("Content-Length", str(len(reply.body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if reply.status == 304:
                    return
                if reply.endless:
                    while not server._stop.is_set():
                        self.wfile.write(reply.body)
                elif reply.drip_interval is not None:
                    for i in range(len(reply.body)):
                        if server._stop.wait(reply.drip_interval):
                            return
                        self.wfile.write(reply.body[i : i + 1])
                        self.wfile.flush()
                else:
                    self.wfile.write(reply.body)

        return Handler


@contextmanager
def serving(host: str = "127.0.0.1") -> Iterator[FeedServer]:
    server = FeedServer(host).start()
    try:
        yield server
    finally:
        server.stop()
