"""`/` and `/map` (the map page), the root document as JSON, and `/static` (the page's files)."""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.api.routes.params import base_url
from app.assessment.methodology import CATEGORIES, CATEGORY_NOUNS
from app.core.config import Settings

PACKAGE = Path(__file__).resolve().parent
STATIC_DIR = PACKAGE / "static"
STATIC_PREFIX = "/static"
TEMPLATE = PACKAGE / "templates" / "map.html"
LEAFLET = "vendor/leaflet-1.9.4"

# The page runs only its own files: no inline script, no eval, nothing from elsewhere but the
# optional tile server's images. Leaflet positions its panes through the CSSOM (element.style),
# which style-src does not govern, so no 'unsafe-inline' is needed.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:{tiles}; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

# Where `/` points people and programs: (path, rel, media type, title).
ROOT_LINKS: tuple[tuple[str, str, str, str], ...] = (
    ("/map", "alternate", "text/html", "The watch floor map"),
    ("/docs", "service-doc", "text/html", "API documentation (Swagger UI)"),
    ("/redoc", "service-doc", "text/html", "API documentation (ReDoc)"),
    ("/openapi.json", "service-desc", "application/vnd.oai.openapi+json;version=3.1", "OpenAPI"),
    ("/ogc", "data", "application/json", "OGC API - Features landing page"),
    ("/threat-level", "related", "application/json", "The current threat level"),
    ("/hotspots", "related", "application/geo+json", "Hotspots of the last 7 days"),
    ("/events", "related", "application/json", "The event timeline"),
    ("/assessments/latest", "related", "application/json", "The latest weekly report"),
    ("/healthz", "status", "application/json", "Liveness"),
    ("/readyz", "status", "application/json", "Readiness"),
    ("/metrics", "monitor", "text/plain;version=0.0.4", "Prometheus metrics"),
)

router = APIRouter(include_in_schema=False)


def mount_web(app: FastAPI) -> None:
    """Add the page's routes and its static files to `app`."""
    app.include_router(router)
    app.mount(STATIC_PREFIX, StaticFiles(directory=STATIC_DIR), name="web-static")


RootFormat = Annotated[
    Literal["json", "html"] | None,
    Query(description="`json` for the links as JSON whatever Accept says; default: by Accept"),
]


@router.get("/", operation_id="root")
def root(request: Request, f: RootFormat = None) -> Response:
    """The map for a browser; the same links as JSON for a program that asks for JSON."""
    if wants_json(request):
        return JSONResponse(root_document(request), headers={"Vary": "Accept"})
    return page_response(request, headers={"Vary": "Accept"})


@router.get("/map", operation_id="mapPage")
def map_page(request: Request) -> Response:
    return page_response(request)


def wants_json(request: Request) -> bool:
    asked = request.query_params.get("f")
    if asked in ("json", "html"):
        return asked == "json"
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def root_document(request: Request) -> dict:
    base = base_url(request, request.app.state.settings)
    return {
        "title": "Watchfloor",
        "description": "Korean Peninsula security news as structured, explainable assessments.",
        "version": __version__,
        "links": [
            {
                "href": f"{base}/",
                "rel": "self",
                "type": "application/json",
                "title": "This document",
            }
        ]
        + [
            {"href": f"{base}{path}", "rel": rel, "type": media_type, "title": title}
            for path, rel, media_type, title in ROOT_LINKS
        ],
    }


def page_response(request: Request, headers: dict[str, str] | None = None) -> HTMLResponse:
    settings: Settings = request.app.state.settings
    body = render_page(settings.map_tiles_url, settings.map_tiles_attribution)
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": page_csp(settings.map_tiles_url),
            "Cache-Control": "no-cache",
            **(headers or {}),
        },
    )


def page_csp(tiles_url: str) -> str:
    return PAGE_CSP.format(tiles=f" {tiles_origin(tiles_url)}" if tiles_url else "")


def tiles_origin(tiles_url: str) -> str:
    """The scheme and host the tile images come from ({s} subdomains become a wildcard)."""
    parts = urlsplit(tiles_url)
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


@lru_cache(maxsize=8)
def render_page(tiles_url: str, tiles_attribution: str) -> str:
    """The page with its settings filled in (escaped: they come from the environment)."""
    return (
        template()
        .replace("{{static}}", STATIC_PREFIX)
        .replace("{{leaflet}}", f"{STATIC_PREFIX}/{LEAFLET}")
        .replace("{{version}}", html.escape(__version__))
        .replace("{{tiles_url}}", html.escape(tiles_url, quote=True))
        .replace("{{tiles_attribution}}", html.escape(tiles_attribution, quote=True))
        .replace("{{category_options}}", category_options())
        .replace("{{category_names}}", html.escape(json.dumps(category_names()), quote=True))
    )


@lru_cache(maxsize=1)
def template() -> str:
    return TEMPLATE.read_text(encoding="utf-8")


def category_names() -> dict[str, str]:
    """Each category's plain name ("missile launch"), from the report's own wording."""
    return {c: CATEGORY_NOUNS.get(c, (c.replace("_", " "),))[0] for c in CATEGORIES}


def category_options() -> str:
    names = category_names()
    return "\n".join(
        f'<option value="{html.escape(c)}">{html.escape(names[c])}</option>' for c in CATEGORIES
    )
