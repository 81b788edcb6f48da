"""The watch floor for people: the map page at `/` and `/map`, and the static files it loads.

The page is a client of the public API (/threat-level, /threat-level/history, /hotspots,
/events, /assessments/latest): it reads nothing the API does not give anyone. Everything it
loads is served from this package (Leaflet, the Natural Earth base layer), so it works with no
internet; `WATCHFLOOR_MAP_TILES_URL` adds an online tile layer where there is one.
"""

from app.web.router import mount_web

__all__ = ["mount_web"]
