"""The one ISO 8601 formatter of every answer: UTC, second precision, a trailing `Z`.

Seconds, not microseconds: GDAL types such a value DateTime, feeds carry no finer times, and
one precision everywhere means two surfaces never disagree about the same instant.
"""

from __future__ import annotations

import datetime as dt


def iso_z(value: dt.datetime | None) -> str | None:
    """RFC 3339 in UTC with a Z (`2026-05-26T04:30:00Z`); None stays None. A naive value is
    taken as UTC (the database's timestamps are UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
