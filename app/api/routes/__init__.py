"""Every router of the service, in the order they appear in the OpenAPI document."""

from fastapi import APIRouter

from app.api.routes import extract, health

ROUTERS: list[APIRouter] = [health.router, extract.router]
