"""Every router of the service, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.api import ogc
from app.api.routes import (
    admin,
    articles,
    assessments,
    atom,
    events,
    extract,
    health,
    hotspots,
    subscriptions,
    threat,
)

ROUTERS: list[APIRouter] = [
    health.router,
    threat.router,
    hotspots.router,
    events.router,
    atom.router,
    articles.router,
    assessments.router,
    extract.router,
    admin.router,
    subscriptions.router,
    ogc.router,  # OGC API - Features under /ogc, GeoJSON exports under /export
]
