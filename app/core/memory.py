"""Keeping a long-lived process's memory cheap to hold: resident size and collector pauses.

A heavy computation (a threat level over tens of thousands of events) allocates many small
objects from several threads; glibc keeps each thread's arena and the freed pages, so resident
size ratchets up. Fewer arenas and an explicit trim after such a computation give the pages back
(glibc only; elsewhere, e.g. musl or macOS, these are no-ops).

Python's cyclic collector walks every tracked object in a full collection: the API process
holds over 100,000 of them once its modules are imported (FastAPI, pydantic, SQLAlchemy), which
is a 50-70 ms pause for every request in flight, several times a minute under load. Those objects
live as long as the process, so they are frozen out of the collector's sight once built, and
again after the first heavy computations, which build more of them lazily (SQLAlchemy's
compiled statements and mapper state, psycopg's type adapters: another ~16,000).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import threading
from functools import cache

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's mallopt parameter number
MALLOC_ARENAS = 2  # one per core of the reference machine; threads share them
# Freezes after start-up: each may keep, forever, the cyclic garbage-to-be of the requests then
# in flight (a few kilobytes), so a small fixed number, spent on the first computations.
WARM_UP_FREEZES = 2
_warm_up_freezes_left = WARM_UP_FREEZES
_freeze_lock = threading.Lock()


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.malloc_trim  # noqa: B018  (glibc only: raises AttributeError elsewhere)
        libc.mallopt  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


def limit_malloc_arenas(arenas: int = MALLOC_ARENAS) -> None:
    """Call before threads start: arenas created later share these."""
    libc = _libc()
    if libc is not None and not libc.mallopt(M_ARENA_MAX, arenas):
        logger.debug("mallopt(M_ARENA_MAX) refused")


def release_free_memory() -> None:
    """Return freed heap pages to the OS (costs about a millisecond: call after heavy work)."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)


def freeze_long_lived_objects() -> None:
    """Exempt every object alive now from the cyclic collector (they are never freed anyway).

    Call once the process is built and before it serves: objects that become cyclic garbage
    later but were frozen are never collected, so this is not for repeated use.
    """
    gc.collect()
    gc.freeze()


def freeze_after_warm_up() -> None:
    """After a heavy computation: freeze what it built lazily, the first WARM_UP_FREEZES times
    in this process (later calls do nothing)."""
    global _warm_up_freezes_left
    with _freeze_lock:
        if _warm_up_freezes_left <= 0:
            return
        _warm_up_freezes_left -= 1
    freeze_long_lived_objects()
