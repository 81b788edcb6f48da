"""Push: signed webhooks (Standard Webhooks 1.0) from a transactional outbox.

Producers call the hooks below inside the transaction that makes the change; the delivery
worker (`start_dispatcher`, in the scheduler processes, or `python -m app.notify`) sends what
committed. Admin routes: app/api/routes/subscriptions.py; the Atom feed: app/api/routes/atom.py.
"""

from app.notify.filters import EVENT_TYPES
from app.notify.producers import (
    after_extraction,
    begin_rebuild,
    check_threat_level,
    end_rebuild,
    note_forgotten_mentions,
    record_assessment,
    record_event_changes,
)

__all__ = [
    "EVENT_TYPES",
    "after_extraction",
    "begin_rebuild",
    "check_threat_level",
    "end_rebuild",
    "note_forgotten_mentions",
    "record_assessment",
    "record_event_changes",
    "start_dispatcher",
    "stop_dispatcher",
]


def start_dispatcher() -> None:
    """This process's delivery worker (imported lazily: the API alone never starts one)."""
    from app.notify.dispatcher import start_dispatcher as start

    start()


def stop_dispatcher() -> None:
    from app.notify.dispatcher import stop_dispatcher as stop

    stop()
