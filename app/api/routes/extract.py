"""POST /extract: events from posted article text; nothing is stored."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.problems import Problem
from app.core.config import get_settings
from app.extraction.core import extract_article
from app.extraction.inputs import InvalidArticle, article_from_json
from app.extraction.schemas import ArticleInput

router = APIRouter(tags=["extraction"])


class ArticleIn(BaseModel):
    id: str | int | None = None
    title: str
    text: str = ""
    published: str = Field(description="ISO 8601; without an offset it is taken as UTC")
    source: str = ""
    url: str | None = None


_REQUEST_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        ArticleIn.model_json_schema(),
                        {
                            "type": "object",
                            "title": "ExtractBatch",
                            "required": ["articles"],
                            "properties": {
                                "articles": {
                                    "type": "array",
                                    "items": ArticleIn.model_json_schema(),
                                }
                            },
                        },
                    ]
                }
            }
        },
    }
}


@router.post(
    "/extract",
    summary="Extract events from one article or {'articles': [...]}; nothing is stored",
    openapi_extra=_REQUEST_SCHEMA,
    responses={
        400: {"description": "Invalid input", "content": {"application/problem+json": {}}},
        413: {"description": "Body too large", "content": {"application/problem+json": {}}},
    },
)
async def extract(request: Request) -> dict[str, Any]:
    settings = get_settings()
    body = await _bounded_body(request, settings.max_request_body_bytes)
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Problem(400, "the body is not valid JSON") from None
    if isinstance(payload, dict) and "articles" in payload:
        items = payload["articles"]
        if not isinstance(items, list) or not items:
            raise Problem(400, "articles must be a non-empty list")
        if len(items) > settings.extraction_max_articles_per_request:
            raise Problem(
                413, f"at most {settings.extraction_max_articles_per_request} articles per request"
            )
        articles = [_article(item, f"articles[{n}]") for n, item in enumerate(items)]
        results = await run_in_threadpool(_extract_all, articles)
        return {"results": results}
    article = _article(payload, "body")
    return (await run_in_threadpool(_extract_all, [article]))[0]


def _article(item: Any, where: str) -> ArticleInput:
    try:
        return article_from_json(item)
    except InvalidArticle as exc:
        raise Problem(400, f"{where}: {exc}") from None


def _extract_all(articles: list[ArticleInput]) -> list[dict[str, Any]]:
    return [
        {"id": a.id, "events": [event.to_dict() for event in extract_article(a)]} for a in articles
    ]


async def _bounded_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise Problem(413, f"the body is larger than {limit} bytes")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise Problem(413, f"the body is larger than {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)
