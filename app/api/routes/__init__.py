"""Every router of the service, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.api import ogc
from app.api.routes import extract, health

ROUTERS: list[APIRouter] = [
    health.router,
    extract.router,
    ogc.router,  # OGC API - Features under /ogc, GeoJSON exports under /export
]
