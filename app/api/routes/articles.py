"""Articles, their publishers and feeds (with health), and the annex of a period."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import col

from app.api.deps import SessionDep
from app.api.http import MAX_AGE_STABLE, AppSettingsDep, conditional, json_response
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.api.schemas import (
    AnnexOut,
    ArticleDetail,
    ArticleOut,
    ArticlePage,
    EventRef,
    FeedHealth,
    SourceOut,
    SourcesOut,
)
from app.assessment import methodology as m
from app.assessment.annex import build_annex
from app.assessment.render import markdown_annex
from app.core.models import Article, Event, EventMention, Feed, Source

router = APIRouter(tags=["sources"], responses=params.BAD_REQUEST)

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}}
}
ArticleId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Article id")]
ANNEX_FORMATS = {"json": "application/json", "markdown": "text/markdown"}


def article_out(article: Article, publisher: str, base: str) -> ArticleOut:
    return ArticleOut(
        id=article.id or 0,
        title=article.title,
        url=article.url,
        publisher=publisher,
        source_id=article.source_id,
        published_at=article.published_at,
        published_inferred=article.published_inferred,
        author=article.author,
        summary=article.summary,
        extracted=article.extracted_at is not None,
        href=f"{base}/articles/{article.id}",
    )


@router.get(
    "/articles",
    operation_id="listArticles",
    summary="Collected articles, newest first",
    description="Keyset-paginated by (published_at, id) descending; follow `next`.",
    response_model=ArticlePage,
    responses=ERRORS,
)
def list_articles(
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    date_from: params.FromQuery = None,
    date_to: params.ToQuery = None,
    source: Annotated[
        list[str] | None, Query(description="Publisher name or id (repeatable)")
    ] = None,
    q: Annotated[str | None, Query(description="Text in the title or summary")] = None,
    limit: params.LimitQuery = None,
    cursor: params.CursorQuery = None,
) -> Response:
    size = params.limit(limit, settings)
    start, end = params.time_range(date_from, date_to, settings)
    query = sa.select(Article, col(Source.name)).join(
        Source, col(Source.id) == col(Article.source_id)
    )
    if start is not None:
        query = query.where(col(Article.published_at) >= start)
    if end is not None:
        query = query.where(col(Article.published_at) < end)
    if names := params.split_values(source):
        for name in names:
            params.text_param(name, "source")
        ids = [int(n) for n in names if n.isdigit() and len(n) < 10]
        lowered = [n.lower() for n in names]
        query = query.where(
            sa.or_(sa.func.lower(Source.name).in_(lowered), col(Source.id).in_(ids))
        )
    if text := params.text_param(q, "q"):
        pattern = params.like_pattern(text)
        query = query.where(
            sa.or_(
                col(Article.title).ilike(pattern, escape="\\"),
                col(Article.summary).ilike(pattern, escape="\\"),
            )
        )
    if cursor:
        moment, row_id = params.cursor_instant("articles", cursor)
        query = query.where(sa.tuple_(Article.published_at, Article.id) < sa.tuple_(moment, row_id))
    rows = session.execute(
        query.order_by(col(Article.published_at).desc(), col(Article.id).desc()).limit(size + 1)
    ).all()
    next_url = None
    if len(rows) > size:
        last = rows[size - 1][0]
        token = params.encode_cursor("articles", last.published_at.isoformat(), last.id or 0)
        next_url = params.page_link(request, settings, token)
        rows = rows[:size]
    base = params.base_url(request, settings)
    page = ArticlePage(
        limit=size, next=next_url, items=[article_out(a, name, base) for a, name in rows]
    )
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return json_response(request, page.model_dump(mode="json"), headers=headers)


@router.get(
    "/articles/{article_id}",
    operation_id="getArticle",
    summary="One article, its text and the events it supports",
    response_model=ArticleDetail,
    responses={404: {"description": "No such article", "content": {PROBLEM_MEDIA_TYPE: {}}}},
)
def get_article(
    request: Request, session: SessionDep, settings: AppSettingsDep, article_id: ArticleId
) -> Response:
    row = session.execute(
        sa.select(Article, col(Source.name))
        .join(Source, col(Source.id) == col(Article.source_id))
        .where(col(Article.id) == article_id)
    ).first()
    if row is None:
        raise Problem(404, f"no article with id {article_id}")
    article, publisher = row
    events = session.execute(
        sa.select(col(Event.id), col(Event.title), col(Event.category), col(Event.event_date))
        .join(EventMention, col(EventMention.event_id) == col(Event.id))
        .where(col(EventMention.article_id) == article_id)
        .order_by(col(Event.event_date).desc(), col(Event.id).desc())
    ).all()
    base = params.base_url(request, settings)
    detail = ArticleDetail(
        **article_out(article, publisher, base).model_dump(),
        text=article.text,
        events=[EventRef(id=i, title=t, category=c, event_date=d) for i, t, c, d in events],
    )
    return json_response(request, detail.model_dump(mode="json"), max_age=MAX_AGE_STABLE)


def feed_health(feed: Feed) -> dict[str, Any]:
    return FeedHealth(
        id=feed.id or 0,
        url=feed.url,
        title=feed.title,
        enabled=feed.enabled,
        disabled_reason=feed.disabled_reason,
        last_success_at=feed.last_success_at,
        last_check_at=feed.last_check_at,
        last_status=feed.last_status,
        last_error=feed.last_error,
        last_error_at=feed.last_error_at,
        error_count=feed.error_count,
        next_check_at=feed.next_check_at,
        poll_interval_seconds=feed.poll_interval_seconds,
    ).model_dump()


@router.get(
    "/sources",
    operation_id="listSources",
    summary="Publishers with their reliability, feeds and feed health",
    response_model=SourcesOut,
)
def list_sources(request: Request, session: SessionDep) -> Response:
    sources = list(session.scalars(sa.select(Source).order_by(Source.name)))
    feeds: dict[int, list[dict[str, Any]]] = {}
    for feed in session.scalars(sa.select(Feed).order_by(col(Feed.id))):
        feeds.setdefault(feed.source_id, []).append(feed_health(feed))
    counts = dict(
        session.execute(
            sa.select(col(Article.source_id), sa.func.count()).group_by(col(Article.source_id))
        ).all()
    )
    body = SourcesOut(
        sources=[
            SourceOut(
                id=s.id or 0,
                publisher=s.name,
                kind=s.kind,
                reliability=s.reliability,
                homepage=s.homepage,
                article_count=counts.get(s.id, 0),
                feeds=feeds.get(s.id or 0, []),  # type: ignore[arg-type]
            )
            for s in sources
        ]
    )
    return json_response(request, body.model_dump(mode="json"))


@router.get(
    "/annex",
    operation_id="getAnnex",
    summary="Articles of a period grouped by publisher, as in the report's annex",
    description=(
        f"Default: the last {m.WINDOW_DAYS} days. JSON, or Markdown with `format=markdown` or "
        "`Accept: text/markdown`. Lists at most WATCHFLOOR_EXPORT_MAX_FEATURES articles."
    ),
    response_model=AnnexOut,
    responses={200: {"content": {"text/markdown": {}}}, **ERRORS},
)
def get_annex(
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    date_from: params.FromQuery = None,
    date_to: params.ToQuery = None,
    format: Annotated[
        Literal["json", "markdown"] | None, Query(description="Default: json")
    ] = None,
) -> Response:
    fmt = params.wants(request, format, ANNEX_FORMATS)
    start, end = params.time_range(date_from, date_to, settings, default_days=m.WINDOW_DAYS)
    assert start is not None and end is not None
    annex = build_annex(session, start, end, max_articles=settings.export_max_features)
    if fmt == "markdown":
        text = "\n".join(markdown_annex(annex, heading_level="#")).rstrip() + "\n"
        return conditional(request, text.encode(), "text/markdown; charset=utf-8")
    return json_response(request, annex)
