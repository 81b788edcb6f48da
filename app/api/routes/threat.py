"""The threat level now or as of any instant, and its daily history."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlmodel import Session

from app.api.cache import cached_response, data_version
from app.api.http import client_gone, json_bytes
from app.api.live import Held, WindowMemo
from app.api.problems import PROBLEM_MEDIA_TYPE
from app.api.routes import params
from app.api.schemas import Driver, ThreatHistoryOut, ThreatLevelOut, ThreatPoint, Window
from app.assessment import methodology as m
from app.assessment.history import threat_history_incremental
from app.assessment.scoring import load_span_bounds
from app.assessment.situation import (
    ThreatLevel,
    assess_situation,
    span_needed,
    window_ending,
)

router = APIRouter(tags=["threat level"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Invalid parameter", "content": {PROBLEM_MEDIA_TYPE: {}}}
}
DEFAULT_HISTORY_DAYS = 30


def threat_out(threat: ThreatLevel) -> ThreatLevelOut:
    return ThreatLevelOut(
        level=threat.level,  # type: ignore[arg-type]
        score=threat.score,
        trend=threat.trend,  # type: ignore[arg-type]
        previous_score=threat.previous_score,
        window=Window(**{"from": threat.first_day, "to": threat.last_day}),
        event_count=threat.event_count,
        load=threat.load,
        baseline=threat.baseline,
        drivers=[
            Driver(
                id=d.event.id,
                title=d.event.title,
                category=d.event.category,
                event_date=d.event.event_date,
                claim_status=d.event.claim_status,  # type: ignore[arg-type]
                severity=d.event.severity,
                share=round(d.share, 3),
            )
            for d in threat.drivers
        ],
        methodology_version=threat.methodology_version,
        computed_at=threat.as_of,
    )


@router.get(
    "/threat-level",
    operation_id="getThreatLevel",
    summary="The threat level over the 7 days ending now or on `at`'s day",
    description=(
        "A reproducible 0-100 score from the window's events (severity, claim status, "
        "corroboration, confidence, recency) and the window against its 4-window baseline, "
        "mapped to Low | Guarded | Elevated | High | Severe. The window is the 7 days (UTC) "
        "ending on `at`'s day, or `from`..that day. Only what was published by `as_of` "
        "(default: `at`) counts, so the same question gives the same answer: the report for a "
        "period and `/hotspots` for it give the same level, score and hotspots for the same "
        "window and as_of. Without `at`, the current minute is used. "
        "Rules: app/assessment/methodology.py."
    ),
    response_model=ThreatLevelOut,
    responses=ERRORS,
)
async def get_threat_level(
    request: Request,
    at: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": params.DATE_OR_INSTANT},
            description="ISO 8601 instant or date (UTC)",
            examples=["2026-05-28T23:59:00Z"],
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        Query(
            alias="from",
            json_schema_extra={"pattern": params.DAY},
            description="First day of the window (UTC date); default: 6 days before `at`'s day",
            examples=["2026-05-21"],
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        Query(
            json_schema_extra={"pattern": params.DATE_OR_INSTANT},
            description="Count only what was published by this instant (default: `at`)",
            examples=["2026-05-29T00:00:00Z"],
        ),
    ] = None,
) -> Response:
    if at:
        moment = params.parse_instant(at, "at")
    else:
        moment = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    known_at = params.parse_instant(as_of, "as_of") if as_of else moment
    window = window_ending(moment)
    if date_from:
        first = params.parse_day(date_from, "from")
        if first > window[1]:
            raise params.bad("`from` is after `at`'s day: the window is inverted")
        if (window[1] - first).days + 1 > m.MAX_HISTORY_DAYS:
            raise params.bad(f"the window covers at most {m.MAX_HISTORY_DAYS} days; narrow it")
        window = (first, window[1])
    memo: WindowMemo = request.app.state.window_memo
    key = ("threat-level", *window)
    version = await data_version(request)
    generation = memo.generation(key, version, known_at)

    def compute(session: Session) -> bytes:
        # Reused across minutes while the same events are known (see app/api/live.py); only
        # the live answer is kept, an `at` in the past is answered from it when it holds.
        # While the live window is recomputed, its previous answer is served, `computed_at`
        # saying when it held.
        served = memo.answer(
            session,
            key,
            load_span_bounds(*span_needed(*window)),
            version,
            known_at,
            # A picklable recipe: a background recomputation runs it in another process.
            partial(threat_answer, moment=known_at, window=window),
            remember=not (at or as_of),
        )
        return threat_body(served.value, served.stale_since or known_at)

    return await cached_response(
        request,
        compute,
        "application/json",
        inputs=(window, known_at, generation),
        version=version,
        store=generation is not None,
    )


def threat_answer(
    session: Session,
    moment: dt.datetime,
    window: tuple[dt.date, dt.date] | None = None,
) -> Held[ThreatLevelOut]:
    """The answer for `window` (default: the one ending on `moment`'s day) as known at
    `moment`, and the instants at which it holds (with `computed_at` moved). The answer, not
    the ThreatLevel: that lists every event id."""
    situation = assess_situation(
        session, *(window or window_ending(moment)), as_of=moment, hotspots=False
    )
    return Held(threat_out(situation.threat), situation.known.since, situation.known.until)


def threat_body(answer: ThreatLevelOut, moment: dt.datetime) -> bytes:
    """The body of `answer` as of `moment` (an instant at which it holds)."""
    as_of = answer.model_copy(update={"computed_at": moment})
    return json_bytes(as_of.model_dump(mode="json", by_alias=True))


@router.get(
    "/threat-level/history",
    operation_id="getThreatLevelHistory",
    summary="One threat level per day (each as of the end of that day)",
    description=f"Default: the last {DEFAULT_HISTORY_DAYS} days. At most {m.MAX_HISTORY_DAYS} days.",
    response_model=ThreatHistoryOut,
    responses=ERRORS,
)
async def get_threat_level_history(
    request: Request,
    date_from: params.DayFromQuery = None,
    date_to: params.DayToQuery = None,
) -> Response:
    today = dt.datetime.now(dt.UTC).date()
    last = params.parse_day(date_to, "to") if date_to else today
    first = (
        params.parse_day(date_from, "from")
        if date_from
        else last - dt.timedelta(days=DEFAULT_HISTORY_DAYS - 1)
    )
    if last < first:
        raise params.bad("`to` is before `from`: the date range is inverted")
    if (last - first).days + 1 > m.MAX_HISTORY_DAYS:
        raise params.bad(f"the history covers at most {m.MAX_HISTORY_DAYS} days; narrow it")

    def compute(session: Session) -> bytes:
        # Daily points computed once and reused while their events are unchanged; the work
        # stops when the client has gone (app/assessment/history.py).
        points = threat_history_incremental(session, first, last, stop=client_gone)
        return json_bytes(history_out(points, first, last))

    return await cached_response(request, compute, "application/json", inputs=(first, last))


def history_out(points: list[ThreatLevel], first: dt.date, last: dt.date) -> dict:
    return ThreatHistoryOut(
        **{"from": first, "to": last},
        methodology_version=m.METHODOLOGY_VERSION,
        points=[
            ThreatPoint(
                date=p.last_day,
                level=p.level,  # type: ignore[arg-type]
                score=p.score,
                trend=p.trend,  # type: ignore[arg-type]
                event_count=p.event_count,
            )
            for p in points
        ],
    ).model_dump(mode="json", by_alias=True)
