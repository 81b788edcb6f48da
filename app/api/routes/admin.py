"""Admin API (Authorization: Bearer KEY): manage feeds and trigger a collection pass.

Missing or wrong key: 401 with WWW-Authenticate. No key configured at all: 403 (the admin API
is off, and no credential could change that). Keys are compared as SHA-256 digests in constant
time and never logged (app/api/http.py).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Annotated, Any

import sqlalchemy as sa
from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from sqlmodel import col

from app.api.deps import SessionDep
from app.api.http import AdminDep, AdminKeyFirstRoute, json_bytes
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.api.routes.articles import feed_health
from app.api.schemas import AdminFeedOut, CollectAccepted, FeedCreate, FeedUpdate
from app.core.models import Feed, Source, utcnow

logger = logging.getLogger(__name__)

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "Missing or wrong admin key", "content": {PROBLEM_MEDIA_TYPE: {}}},
    403: {"description": "No admin key is configured", "content": {PROBLEM_MEDIA_TYPE: {}}},
    400: {"description": "Invalid request", "content": {PROBLEM_MEDIA_TYPE: {}}},
}
router = APIRouter(
    prefix="/admin",
    tags=["admin"],
    dependencies=[AdminDep],
    responses=AUTH_ERRORS,
    route_class=AdminKeyFirstRoute,  # the key is checked before the body is read
)
# C0/C1 controls (TAB, CR, LF), DEL and whitespace: never part of a feed URL.
_URL_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f\s]")
FeedId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Feed id")]


def collection_pass() -> Callable[[], Any]:
    """The collector's pass as app/runtime.py wires it (the collector loads on first use)."""
    from app.runtime import collection_pass as wired

    return wired()


def validate_url(url: str) -> str:
    """The collector's SSRF-aware check (app/runtime.py wires it), after control characters."""
    if _URL_FORBIDDEN.search(url.strip(" ")):
        raise params.bad("the feed URL contains control characters or spaces")
    from app.runtime import feed_url_validator  # the collector's wiring: loaded on first use

    try:
        return str(feed_url_validator()(url))
    except ValueError as exc:
        raise params.bad(f"feed URL refused: {exc}") from None


def _admin_feed(feed: Feed, source: Source) -> dict[str, Any]:
    data = AdminFeedOut(**feed_health(feed), source_id=source.id or 0, publisher=source.name)
    return data.model_dump(mode="json")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json_bytes(data),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _url_taken(session: SessionDep, url: str, feed_id: int | None = None) -> bool:
    query = sa.select(col(Feed.id)).where(col(Feed.url) == url)
    if feed_id is not None:
        query = query.where(col(Feed.id) != feed_id)
    return session.scalar(query) is not None


def _commit(session: SessionDep) -> None:
    """Commit before answering: the request session's own commit runs after the response is
    sent, so a client could read before the write lands, or miss a failed commit."""
    try:
        session.commit()
    except sa.exc.IntegrityError:
        session.rollback()
        raise Problem(409, "a feed with this URL already exists") from None


def _check_text(value: str | None, name: str) -> None:
    if value is not None and params._CONTROL.search(value):
        raise params.bad(f"`{name}` contains control characters")


@router.post(
    "/feeds",
    operation_id="adminAddFeed",
    summary="Add a feed (its publisher is created when new)",
    status_code=201,
    response_model=AdminFeedOut,
    responses={409: {"description": "URL already present", "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def add_feed(payload: FeedCreate, session: SessionDep, request: Request) -> Response:
    _check_text(payload.source, "source")
    _check_text(payload.title, "title")
    url = validate_url(payload.url)
    if _url_taken(session, url):
        raise Problem(409, f"a feed with URL {url[:200]} already exists")
    from app.collector.feeds import FeedRepository  # feed parsers: loaded on first use

    feeds = FeedRepository(session)
    source = feeds.source_named(
        payload.source.strip(), kind=payload.kind, reliability=payload.reliability
    )
    added = feeds.add(source.id or 0, url, title=payload.title, now=utcnow())
    if not added.created:
        raise Problem(409, f"a feed with URL {url[:200]} already exists")
    _commit(session)
    feed = session.get_one(Feed, added.feed_id)
    logger.info("feed added", extra={"feed_id": feed.id, "source": source.name})
    return _json(
        _admin_feed(feed, source), 201, {"Location": f"{str(request.base_url).rstrip('/')}/sources"}
    )


def _feed_or_404(session: SessionDep, feed_id: int) -> tuple[Feed, Source]:
    feed = session.get(Feed, feed_id)
    if feed is None:
        raise Problem(404, f"no feed with id {feed_id}")
    source = session.get(Source, feed.source_id)
    assert source is not None
    return feed, source


@router.patch(
    "/feeds/{feed_id}",
    operation_id="adminUpdateFeed",
    summary="Change a feed's URL or title, or pause (enabled=false) and resume it",
    response_model=AdminFeedOut,
    responses={404: {"description": "No such feed", "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def update_feed(feed_id: FeedId, payload: FeedUpdate, session: SessionDep) -> Response:
    feed, source = _feed_or_404(session, feed_id)
    now = utcnow()
    if payload.url is not None:
        url = validate_url(payload.url)
        if _url_taken(session, url, feed_id):
            raise Problem(409, f"another feed already has URL {url[:200]}")
        if url != feed.url:
            # A new URL is a new document: forget the old validators and hash.
            feed.url, feed.etag, feed.last_modified, feed.body_hash = url, None, None, None
            feed.final_url, feed.next_check_at = None, now
    if payload.title is not None:
        _check_text(payload.title, "title")
        feed.title = payload.title
    if payload.enabled is True:
        feed.enabled, feed.disabled_reason, feed.next_check_at = True, None, now
    elif payload.enabled is False:
        feed.enabled, feed.disabled_reason = False, "paused by an operator"
    feed.updated_at = now
    session.add(feed)
    _commit(session)
    logger.info("feed updated", extra={"feed_id": feed_id, "enabled": feed.enabled})
    return _json(_admin_feed(feed, source))


@router.delete(
    "/feeds/{feed_id}",
    operation_id="adminDeleteFeed",
    summary="Remove a feed (its articles stay: events cite them)",
    status_code=204,
    response_class=Response,
    responses={404: {"description": "No such feed", "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def delete_feed(feed_id: FeedId, session: SessionDep) -> Response:
    feed, _ = _feed_or_404(session, feed_id)
    session.delete(feed)
    _commit(session)
    logger.info("feed deleted", extra={"feed_id": feed_id})
    return Response(status_code=204)


_collect_lock = threading.Lock()


def _run_pass(run: Callable[[], Any]) -> None:
    try:
        run()
    except Exception:
        logger.exception("collection pass triggered by the admin API failed")
    finally:
        _collect_lock.release()


@router.post(
    "/collect",
    operation_id="adminCollect",
    summary="Start one collection pass in the background",
    status_code=202,
    response_model=CollectAccepted,
    responses={
        409: {"description": "A pass is already running", "content": {PROBLEM_MEDIA_TYPE: {}}},
    },
)
def collect() -> Response:
    run = collection_pass()
    if not _collect_lock.acquire(blocking=False):
        raise Problem(409, "a collection pass started here is still running")
    threading.Thread(target=_run_pass, args=(run,), name="admin-collect", daemon=True).start()
    logger.info("collection pass triggered")
    body = CollectAccepted(status="started", detail="a collection pass is running; see /sources")
    return _json(body.model_dump(), 202)
