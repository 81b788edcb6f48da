"""A webhook receiver as its own process, so a test can kill it outright and start it again.

`python -m tests.support.webhook_receiver PORT SECRET LOG`: every POST is verified with the
reference Standard Webhooks library; a verified message's id is appended to LOG (one line,
flushed and fsynced) *before* the 2xx is written, so a kill between the two is exactly the
"acknowledgement lost" case and the sender must repeat that id. Unverifiable requests are
logged as `BAD <reason>` and answered 401. Answers 200 to GET /ready.
"""

from __future__ import annotations

import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook


def make_handler(secret: str, log_path: str) -> type[BaseHTTPRequestHandler]:
    verifier = Webhook(secret)
    lock = threading.Lock()

    def append(line: str) -> None:
        with lock, open(log_path, "a", encoding="utf-8") as log:
            log.write(line + "\n")
            log.flush()
            os.fsync(log.fileno())

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            try:
                verifier.verify(body, dict(self.headers.items()))
            except Exception as exc:
                append(f"BAD {type(exc).__name__}")
                self.send_response(401)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            append(f"OK {self.headers['webhook-id']}")
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    return Handler


def main() -> None:
    port, secret, log_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(secret, log_path))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
