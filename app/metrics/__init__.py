"""Prometheus metrics: what the service does, by route template and outcome, never by URL.

`app.metrics.exposition.install_metrics(app)` adds the request middleware and `GET /metrics`
(kept out of this module so the collector, which records through `record_*` below, does not
import the web stack). Names and labels live in `definitions.py`.

Processes: each process counts its own work. `watchfloor serve` is one process (API, scheduler,
collector), so its /metrics has everything. With `watchfloor api --workers N` and a separate
`watchfloor collector`, set prometheus-client's own `PROMETHEUS_MULTIPROC_DIR` to an empty
directory shared by those processes on the host (emptied before they start): every process then
writes its counters there and any API worker's /metrics adds them up (see exposition.py).
Without it, each worker answers for itself and the collector's counters are not served.
"""

from app.metrics.definitions import (
    WEBHOOK_DELIVERIES,
    record_extraction,
    record_feed_fetch,
    record_pass,
)

__all__ = [
    "WEBHOOK_DELIVERIES",
    "record_extraction",
    "record_feed_fetch",
    "record_pass",
]
