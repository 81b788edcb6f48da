"""OGC API - Features (Part 1, core + GeoJSON + OAS 3.0) under /ogc, and plain GeoJSON exports.

A framework-neutral core (collections registry, providers, parameter parser, link builder,
documents in `service`) behind a thin FastAPI router.
"""

from app.api.ogc.collections import COLLECTIONS, CollectionSpec, get_collection
from app.api.ogc.errors import OGCError
from app.api.ogc.router import router
from app.api.ogc.service import CONFORMANCE_CLASSES

__all__ = [
    "COLLECTIONS",
    "CONFORMANCE_CLASSES",
    "CollectionSpec",
    "OGCError",
    "get_collection",
    "router",
]
