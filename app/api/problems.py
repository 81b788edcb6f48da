"""RFC 9457 problem details for every error; no stack trace ever reaches a client."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.assessment.situation import ClientGoneError
from app.core.db import is_connection_error, is_statement_timeout
from app.query.errors import QueryError

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemResponse(JSONResponse):
    media_type = PROBLEM_MEDIA_TYPE


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem+json body."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        title: str | None = None,
        type_: str = "about:blank",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.title = title
        self.type = type_
        self.headers = headers
        self.extra = extra


def problem_response(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    type_: str = "about:blank",
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> ProblemResponse:
    from http import HTTPStatus

    body: dict[str, Any] = {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return ProblemResponse(body, status_code=status, headers=headers)


def describe_validation_errors(exc: RequestValidationError) -> tuple[str, list[dict[str, Any]]]:
    errors = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        errors.append({"field": location, "message": error.get("msg", "invalid")})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "invalid request"
    return detail, errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> ProblemResponse:
        return problem_response(
            exc.status,
            exc.detail,
            title=exc.title,
            type_=exc.type,
            instance=request.url.path,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(QueryError)
    async def _query(request: Request, exc: QueryError) -> ProblemResponse:
        # The same body on every surface: problem+json with the OGC `code` and `description`.
        return problem_response(
            exc.status,
            exc.description,
            title="Invalid request",
            instance=request.url.path,
            code=exc.code,
            description=exc.description,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> ProblemResponse:
        detail = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and detail == "Not Found":
            detail = f"no resource at {request.url.path}"
        if exc.status_code == 405:
            detail = f"method {request.method} is not allowed on {request.url.path}"
        return problem_response(
            exc.status_code,
            detail,
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> ProblemResponse:
        detail, errors = describe_validation_errors(exc)
        return problem_response(
            400, detail, title="Invalid request", instance=request.url.path, errors=errors
        )

    @app.exception_handler(ClientGoneError)
    async def _abandoned(request: Request, exc: Exception) -> ProblemResponse:
        # The client that started a shared computation left and it stopped; whoever waited on
        # it may ask again (the days computed so far are kept).
        return problem_response(
            503,
            "the computation was abandoned when its first client left; try again",
            instance=request.url.path,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(DBAPIError)
    @app.exception_handler(PoolTimeout)
    async def _database(request: Request, exc: Exception) -> ProblemResponse:
        # Only a lost or unreachable database is "try again shortly"; a statement that fails
        # (a bug, a bound exceeded) fails the same way every time and is not an outage.
        if is_statement_timeout(exc):
            logger.warning("statement timeout", extra={"path": request.url.path})
            return problem_response(
                503,
                "the request needed more database time than one request may take; "
                "ask for a shorter window",
                instance=request.url.path,
            )
        if not is_connection_error(exc):
            logger.error(
                "database error",
                extra={"path": request.url.path, "error": repr(exc)[:500]},
            )
            return problem_response(
                500, "internal error; it has been logged", instance=request.url.path
            )
        logger.warning(
            "database unavailable", extra={"path": request.url.path, "error": type(exc).__name__}
        )
        return problem_response(
            503,
            "the database is unavailable; try again shortly",
            instance=request.url.path,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> ProblemResponse:
        logger.exception("unhandled error", extra={"path": request.url.path})
        return problem_response(
            500, "internal error; it has been logged", instance=request.url.path
        )
