"""When to check a feed next: entry frequency, server hints, back-off. Pure functions."""

from __future__ import annotations

import random
from collections.abc import Iterable

from app.core.config import Settings

WEEK_SECONDS = 7 * 24 * 3600
BACKOFF_JITTER = 0.10


def entry_frequency_interval(entries_last_week: int, settings: Settings) -> int:
    """miniflux's 'entry frequency': a week divided by the entries of the past week, clamped."""
    if entries_last_week <= 0:
        return settings.poll_interval_max_seconds
    interval = WEEK_SECONDS // entries_last_week
    return int(
        min(max(interval, settings.poll_interval_min_seconds), settings.poll_interval_max_seconds)
    )


def success_interval(base: int, hints: Iterable[float | None], settings: Settings) -> int:
    """The server may ask for less frequent checks (ttl, max-age, Expires), never more."""
    wanted = max([float(base), *(h for h in hints if h is not None)])
    return int(min(wanted, settings.poll_interval_max_seconds))


def backoff_delay(
    interval: int,
    error_count: int,
    settings: Settings,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """interval x 2^(errors-1), +-10 % jitter, Retry-After as a floor, capped at the maximum."""
    jitter = (rng or random).uniform(-BACKOFF_JITTER, BACKOFF_JITTER)
    exponent = min(max(error_count - 1, 0), 30)
    delay = min(interval * (2**exponent), settings.poll_backoff_max_seconds)
    delay *= 1 + jitter
    if retry_after is not None:
        delay = max(delay, retry_after)
    return float(min(delay, settings.poll_backoff_max_seconds))
