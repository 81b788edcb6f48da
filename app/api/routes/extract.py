"""POST /extract: events from posted article text; nothing is stored."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.http import AppSettingsDep
from app.api.problems import Problem

if TYPE_CHECKING:
    from app.extraction.inputs import ReadArticle

router = APIRouter(tags=["extraction"])


class ArticleIn(BaseModel):
    """Only some text is required: a title, a text, or both."""

    id: str | int | None = None
    title: str | None = Field(
        default=None, description="Optional: the first sentence of the text stands in"
    )
    text: str = ""
    published: str | None = Field(
        default=None,
        description=(
            "ISO 8601 timestamp or date (without an offset it is taken as UTC), or a month "
            "('2023-05') or year ('2023'); absent: event dates come from the text alone"
        ),
    )
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
    operation_id="extractEvents",
    summary="Extract events from one article or {'articles': [...]}; nothing is stored",
    openapi_extra=_REQUEST_SCHEMA,
    responses={
        400: {"description": "Invalid input", "content": {"application/problem+json": {}}},
        413: {"description": "Body too large", "content": {"application/problem+json": {}}},
    },
)
async def extract(request: Request, settings: AppSettingsDep) -> dict[str, Any]:
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


def _article(item: Any, where: str) -> ReadArticle:
    # The extraction tables load on the first POST /extract, not with the API.
    from app.extraction.inputs import InvalidArticle, read_article

    try:
        return read_article(item)
    except InvalidArticle as exc:
        raise Problem(400, f"{where}: {exc}") from None


def _extract_all(articles: list[ReadArticle]) -> list[dict[str, Any]]:
    from app.extraction.commands import result_of
    from app.extraction.core import extract_article

    return [result_of(a, extract_article(a.article), a.article.id) for a in articles]


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
