"""Structured assessments: build one for a period (admin key), list them, read one.

POST /assessments writes (it creates or regenerates the stored report of a period), so it needs
an admin key, like the rest of the admin API; reading is public. Renderings: JSON (default),
Markdown and HTML, by `?format=` or the Accept header.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response
from sqlmodel import col

from app.api.deps import SessionDep
from app.api.http import (
    MAX_AGE_LIVE,
    MAX_AGE_STABLE,
    AdminDep,
    AdminKeyFirstRoute,
    AppSettingsDep,
    conditional,
    json_response,
)
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.api.schemas import (
    AssessmentDocument,
    AssessmentList,
    AssessmentRequest,
    AssessmentSummary,
)
from app.assessment.commands import assessment_document
from app.assessment.render import to_html, to_markdown
from app.assessment.report import build_and_store, latest_weekly
from app.core.models import Assessment

# Its POST needs the admin key, checked before the body is read (AdminKeyFirstRoute).
router = APIRouter(
    tags=["assessments"], responses=params.BAD_REQUEST, route_class=AdminKeyFirstRoute
)

FORMATS = {"json": "application/json", "markdown": "text/markdown", "html": "text/html"}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}},
}
RENDERINGS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/markdown": {}, "text/html": {}}},
    404: {"description": "No such assessment", "content": {PROBLEM_MEDIA_TYPE: {}}},
    **ERRORS,
}
AssessmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Assessment id")]
FormatQuery = Annotated[
    Literal["json", "markdown", "html"] | None,
    Query(description="Default: json, or by the Accept header"),
]


def rendered(
    request: Request, document: dict[str, Any], fmt: str, *, max_age: int = MAX_AGE_STABLE
) -> Response:
    if fmt == "markdown":
        body = to_markdown(document).encode()
        return conditional(request, body, "text/markdown; charset=utf-8", max_age=max_age)
    if fmt == "html":
        body = to_html(document).encode()
        return conditional(request, body, "text/html; charset=utf-8", max_age=max_age)
    return json_response(request, document, max_age=max_age)


def summary(assessment: Assessment, base: str) -> AssessmentSummary:
    return AssessmentSummary(
        id=assessment.id or 0,
        period_start=assessment.period_start,
        period_end=assessment.period_end,
        level=assessment.level,  # type: ignore[arg-type]
        score=assessment.score,
        methodology_version=assessment.methodology_version,
        created_at=assessment.created_at,
        updated_at=assessment.updated_at,
        href=f"{base}/assessments/{assessment.id}",
    )


@router.post(
    "/assessments",
    operation_id="createAssessment",
    summary="Build and store the report for a period (creates or regenerates; admin key)",
    status_code=201,
    dependencies=[AdminDep],
    response_model=AssessmentDocument,
    responses={
        401: {"description": "Missing or wrong admin key", "content": {PROBLEM_MEDIA_TYPE: {}}},
        403: {"description": "No admin key is configured", "content": {PROBLEM_MEDIA_TYPE: {}}},
        **RENDERINGS,
    },
)
def create_assessment(
    payload: AssessmentRequest,
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    format: FormatQuery = None,
) -> Response:
    fmt = params.wants(request, format, FORMATS)
    for day, name in ((payload.from_, "from"), (payload.to, "to")):
        if not params.MIN_YEAR <= day.year <= params.MAX_YEAR:
            raise params.bad(f"`{name}` must be between {params.MIN_YEAR} and {params.MAX_YEAR}")
    if payload.to < payload.from_:
        raise params.bad("`to` is before `from`: the period is inverted")
    if (payload.to - payload.from_).days + 1 > settings.max_date_range_days:
        raise params.bad(f"the period is longer than {settings.max_date_range_days} days")
    as_of = payload.as_of
    if as_of is not None:
        if as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=dt.UTC)
        as_of = as_of.astimezone(dt.UTC)
        if not params.MIN_YEAR <= as_of.year <= params.MAX_YEAR:
            raise params.bad(f"`as_of` must be between {params.MIN_YEAR} and {params.MAX_YEAR}")
    assessment = build_and_store(
        session,
        payload.from_,
        payload.to,
        max_annex_articles=settings.export_max_features,
        as_of=as_of,
    )
    session.commit()
    document = assessment_document(assessment)
    response = rendered(request, document, fmt)
    response.status_code = 201
    response.headers["Location"] = (
        f"{params.base_url(request, settings)}/assessments/{assessment.id}"
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get(
    "/assessments",
    operation_id="listAssessments",
    summary="Stored assessments, latest period first",
    response_model=AssessmentList,
    responses=ERRORS,
)
def list_assessments(
    request: Request,
    session: SessionDep,
    settings: AppSettingsDep,
    limit: params.LimitQuery = None,
    cursor: params.CursorQuery = None,
) -> Response:
    size = params.limit(limit, settings)
    query = sa.select(Assessment)
    if cursor:
        moment, row_id = params.cursor_instant("assessments", cursor)
        query = query.where(
            sa.tuple_(Assessment.period_start, Assessment.id) < sa.tuple_(moment, row_id)
        )
    rows = list(
        session.scalars(
            query.order_by(col(Assessment.period_start).desc(), col(Assessment.id).desc()).limit(
                size + 1
            )
        )
    )
    next_url = None
    if len(rows) > size:
        last = rows[size - 1]
        token = params.encode_cursor("assessments", last.period_start.isoformat(), last.id or 0)
        next_url = params.page_link(request, settings, token)
        rows = rows[:size]
    base = params.base_url(request, settings)
    page = AssessmentList(limit=size, next=next_url, items=[summary(a, base) for a in rows])
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return json_response(request, page.model_dump(mode="json"), headers=headers)


@router.get(
    "/assessments/latest",
    operation_id="getLatestAssessment",
    summary="The weekly assessment of the latest period",
    description="The latest weekly report (a period of 7 or 8 days); reports over other "
    "ranges are listed by GET /assessments but never become the latest.",
    response_model=AssessmentDocument,
    responses=RENDERINGS,
)
def latest_assessment(
    request: Request, session: SessionDep, format: FormatQuery = None
) -> Response:
    fmt = params.wants(request, format, FORMATS)
    assessment = latest_weekly(session)
    if assessment is None:
        raise Problem(404, "no weekly assessment has been built yet; POST /assessments builds one")
    return rendered(request, assessment_document(assessment), fmt, max_age=MAX_AGE_LIVE)


@router.get(
    "/assessments/{assessment_id}",
    operation_id="getAssessment",
    summary="One stored assessment",
    response_model=AssessmentDocument,
    responses=RENDERINGS,
)
def get_assessment(
    request: Request, session: SessionDep, assessment_id: AssessmentId, format: FormatQuery = None
) -> Response:
    fmt = params.wants(request, format, FORMATS)
    assessment = session.get(Assessment, assessment_id)
    if assessment is None:
        raise Problem(404, f"no assessment with id {assessment_id}")
    return rendered(request, assessment_document(assessment), fmt)
