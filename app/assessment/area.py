"""The area of interest: which points a map of the situation draws (setting
`WATCHFLOOR_AREA_OF_INTEREST`, parsed by app.core.config.parse_area)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from app.core.config import Ring, Settings, get_settings


@dataclass(frozen=True)
class Area:
    """A closed ring of (lon, lat) vertices, or everywhere (`ring` None). Hashable: it is part
    of the cache keys of the answers it bounds."""

    ring: Ring | None

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> Area:
        return cls((settings or get_settings()).area_of_interest_ring)

    def contains(self, lon: float, lat: float) -> bool:
        """Even-odd ray casting; a point on an edge may fall either way."""
        ring = self.ring
        if ring is None:
            return True
        inside = False
        for (x1, y1), (x2, y2) in itertools.pairwise(ring):
            if (y1 > lat) != (y2 > lat):
                crossing = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
                if lon < crossing:
                    inside = not inside
        return inside

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        if self.ring is None:
            return None
        lons = [lon for lon, _ in self.ring]
        lats = [lat for _, lat in self.ring]
        return min(lons), min(lats), max(lons), max(lats)


EVERYWHERE = Area(None)
