"""The hotspots' query object: what a /hotspots request asks, its own cache key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.query.params import BBox


@dataclass(frozen=True)
class HotspotQuery:
    """The window [start, end), the instant it is known at, and the filters. The response
    cache keys on this object (app/api/cache.py), and the answer is computed from it alone, so
    a filter added to the route but not here could not change the answer."""

    start: dt.datetime
    end: dt.datetime
    known_at: dt.datetime
    categories: tuple[str, ...] = ()
    bbox: BBox | None = None
    min_intensity: int | None = None

    def keeps(self, intensity: int, lon: float, lat: float) -> bool:
        """Whether a hotspot of the window passes the filters applied after grouping."""
        if self.min_intensity is not None and intensity < self.min_intensity:
            return False
        return self.bbox is None or self.bbox.contains(lon, lat)
