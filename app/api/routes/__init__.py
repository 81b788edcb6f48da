"""Every router of the service, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.api import ogc
from app.api.routes import (
    admin,
    articles,
    assessments,
    events,
    extract,
    health,
    hotspots,
    threat,
)

ROUTERS: list[APIRouter] = [
    health.router,
    threat.router,
    hotspots.router,
    events.router,
    articles.router,
    assessments.router,
    extract.router,
    admin.router,
    ogc.router,  # OGC API - Features under /ogc, GeoJSON exports under /export
]
