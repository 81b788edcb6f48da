"""The recompute worker's loop (`python -m app.api.recompute_worker [NICE]`,
app/api/recompute.py).

NICE (default 0) is added to the process's niceness before it imports the app (the first
request unpickles its modules): the worker yields the CPU to the API process that started it.

Reads pickled `(function, args)` requests from stdin and writes pickled `(True, answer)` or
`(False, exception)` to stdout, one at a time, until stdin ends. The protocol keeps stdout to
itself: anything printed goes to stderr.
"""

from __future__ import annotations

import os
import pickle
import sys
from typing import IO, Any


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    while True:
        try:
            function, args = pickle.load(requests)
        except EOFError:
            return
        reply: tuple[bool, Any]
        try:
            reply = (True, function(*args))
        except Exception as exc:  # the caller raises it
            reply = (False, exc)
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # an answer or exception that does not pickle
            data = pickle.dumps((False, RuntimeError(f"unpicklable reply: {exc!r}")))
        answers.write(data)
        answers.flush()


def lower_priority(increment: int) -> None:
    """Add `increment` to this process's niceness (where the platform has one)."""
    if increment > 0 and hasattr(os, "nice"):
        os.nice(increment)


def main() -> None:
    lower_priority(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints go to stderr
    serve(sys.stdin.buffer, answers)


if __name__ == "__main__":
    main()
