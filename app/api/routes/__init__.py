"""Every router of the service, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.api.routes import admin, articles, assessments, events, health, hotspots, threat

ROUTERS: list[APIRouter] = [
    health.router,
    threat.router,
    hotspots.router,
    events.router,
    articles.router,
    assessments.router,
    admin.router,
]
