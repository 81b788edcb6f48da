"""`python -m app.notify`: a delivery worker alone, until SIGTERM or SIGINT (any number may run
on one PostgreSQL; the scheduler processes run one each anyway)."""

from __future__ import annotations

import signal
import threading

from app.core.db import set_process_role
from app.core.logging import configure_logging
from app.notify.dispatcher import Dispatcher


def main() -> int:
    configure_logging()
    set_process_role("webhooks")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    dispatcher = Dispatcher()
    dispatcher.start()
    stop.wait()
    dispatcher.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
