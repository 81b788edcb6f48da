"""The one place OGC links are built: absolute hrefs, each with rel and type.

GDAL and QGIS resolve relative `next` links wrongly (GDAL asked for `//collections…`, QGIS
stopped after page 1), so every href is absolute: from `Settings.public_base_url` when set,
else from the request, honouring `X-Forwarded-Proto` / `X-Forwarded-Host` behind a proxy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"

OGC_PREFIX = "/ogc"
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(?::\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](?::\d{1,5})?$")


def service_root(
    *,
    public_base_url: str | None,
    scheme: str,
    host: str,
    headers: Mapping[str, str],
    root_path: str = "",
) -> str:
    """The absolute URL of the application root (no trailing slash)."""
    if public_base_url:
        return public_base_url.rstrip("/")
    proto = _first(headers.get("x-forwarded-proto")) or scheme
    forwarded_host = _first(headers.get("x-forwarded-host"))
    # An unparseable forwarded host must not end up inside every link we hand out.
    chosen_host = forwarded_host if forwarded_host and _HOST.match(forwarded_host) else host
    if proto not in {"http", "https"}:
        proto = scheme
    return f"{proto}://{chosen_host}{root_path.rstrip('/')}"


def _first(value: str | None) -> str | None:
    """Proxies chain values (`https, http`): the first is the client-facing one."""
    if not value:
        return None
    return value.split(",")[0].strip() or None


@dataclass(frozen=True)
class LinkBuilder:
    root: str  # absolute application root, e.g. https://watchfloor.example.org

    @property
    def ogc_root(self) -> str:
        return f"{self.root}{OGC_PREFIX}"

    def url(self, path: str, query: Sequence[tuple[str, str]] = ()) -> str:
        """An absolute URL for an application path ('/ogc/collections', '/docs')."""
        href = f"{self.root}{path}"
        if query:
            href += "?" + urlencode(list(query), quote_via=quote, safe=",:/.")
        return href

    def ogc(self, path: str = "", query: Sequence[tuple[str, str]] = ()) -> str:
        return self.url(f"{OGC_PREFIX}{path}", query)

    @staticmethod
    def link(rel: str, type_: str, href: str, title: str | None = None) -> dict[str, Any]:
        link: dict[str, Any] = {"href": href, "rel": rel, "type": type_}
        if title:
            link["title"] = title
        return link

    def collection_path(self, collection_id: str) -> str:
        return f"/collections/{quote(collection_id, safe='')}"

    def items_path(self, collection_id: str) -> str:
        return f"{self.collection_path(collection_id)}/items"

    def item_path(self, collection_id: str, feature_id: str | int) -> str:
        return f"{self.items_path(collection_id)}/{quote(str(feature_id), safe='')}"
