"""Webhook subscriptions (admin; Authorization: Bearer KEY): create (the signing secret is shown
once), list, read, update, pause/resume, delete, send a test ping, read the delivery log and
replay. The key is checked before the body is read. Delivery itself is app/notify."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Annotated, Any, Literal, TypeVar

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session

from app.api.deps import SessionDep
from app.api.http import AdminDep, AppSettingsDep, json_bytes, require_admin
from app.api.problems import PROBLEM_MEDIA_TYPE, Problem
from app.api.routes import params
from app.core.config import Settings
from app.core.models import (
    WebhookAttempt,
    WebhookDelivery,
    WebhookMessage,
    WebhookSubscription,
    utcnow,
)
from app.notify import outbox
from app.notify.filters import EVENT_TYPES, PING, EventFilter, EventType
from app.notify.signing import new_secret

logger = logging.getLogger(__name__)

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {PROBLEM_MEDIA_TYPE: {}}}
    for code, text in (
        (400, "Invalid request"),
        (401, "Missing or wrong admin key"),
        (403, "No admin key is configured"),
        (404, "No such subscription"),
    )
}
router = APIRouter(
    prefix="/admin/subscriptions", tags=["webhooks"], dependencies=[AdminDep], responses=ERRORS
)
SubscriptionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Subscription id")]
MAX_LOG = 500


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description="http(s) URL receiving signed POSTs")
    event_types: list[EventType] = Field(
        default_factory=lambda: list(EVENT_TYPES),  # type: ignore[arg-type]
        min_length=1,
    )
    filters: EventFilter = Field(default_factory=EventFilter)
    description: str | None = Field(default=None, max_length=500)


class SubscriptionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000)
    event_types: list[EventType] | None = Field(default=None, min_length=1)
    filters: EventFilter | None = None
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = Field(
        default=None, description="false pauses (deliveries wait), true resumes or re-enables"
    )


class Replay(BaseModel):
    model_config = ConfigDict(extra="forbid")

    msg_id: str | None = Field(default=None, max_length=64, description="One message again")
    since: dt.datetime | None = Field(
        default=None, description="Every message created at or after this instant again"
    )


class SubscriptionOut(BaseModel):
    id: int
    url: str
    description: str | None
    event_types: list[str]
    filters: dict[str, Any]
    status: Literal["active", "paused", "disabled"]
    disabled_reason: str | None
    failing_since: dt.datetime | None
    last_success_at: dt.datetime | None
    pending_deliveries: int
    failed_deliveries: int
    created_at: dt.datetime
    updated_at: dt.datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str = Field(description="The signing secret (whsec_...): shown this once only")


class AttemptOut(BaseModel):
    id: int
    msg_id: str
    type: str
    attempted_at: dt.datetime
    outcome: str
    status_code: int | None
    duration_ms: int | None
    error: str | None


class DeliveryLog(BaseModel):
    items: list[AttemptOut]


class TestResult(BaseModel):
    msg_id: str
    delivered: bool
    outcome: str
    status_code: int | None
    duration_ms: int
    error: str | None


class ReplayResult(BaseModel):
    queued: int


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def request_body(model: type[BaseModel]) -> dict[str, Any]:
    """The OpenAPI request body of a route that reads its body itself (after the key check)."""
    schema = model.model_json_schema()
    inline = _inline(schema, schema.get("$defs", {}))
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": inline}}}}


async def _body(request: Request, _: Annotated[None, Depends(require_admin)]) -> bytes:
    """The raw body, read only once the admin key has been accepted."""
    return await request.body()


RawBody = Annotated[bytes, Depends(_body)]
ModelT = TypeVar("ModelT", bound=BaseModel)


def _parse(model: type[ModelT], raw: bytes) -> ModelT:
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        details = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise params.bad(f"invalid body: {details}"[:1000]) from None


def _checked_url(url: str, settings: Settings) -> str:
    if params._CONTROL.search(url):
        raise params.bad("the target URL contains control characters")
    try:
        from app.collector.netpolicy import validate_feed_url  # httpcore: on first use

        return validate_feed_url(url, settings)
    except ValueError as exc:
        reason = str(exc).replace("feed URL", "target URL")
        raise params.bad(f"target URL refused: {reason}") from None


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json_bytes(data),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _counts(session: Session, subscription_id: int) -> dict[str, int]:
    d = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    rows = session.execute(
        sa.select(d.status, sa.func.count())
        .where(d.subscription_id == subscription_id, d.status.in_(("pending", "failed")))
        .group_by(d.status)
    )
    return {status: count for status, count in rows}


def _out(session: Session, sub: WebhookSubscription) -> dict[str, Any]:
    counts = _counts(session, sub.id or 0)
    data = SubscriptionOut(
        id=sub.id or 0,
        url=sub.url,
        description=sub.description,
        event_types=list(sub.event_types),
        filters=dict(sub.filters),
        status=sub.status,  # type: ignore[arg-type]
        disabled_reason=sub.disabled_reason,
        failing_since=sub.failing_since,
        last_success_at=sub.last_success_at,
        pending_deliveries=counts.get("pending", 0),
        failed_deliveries=counts.get("failed", 0),
        created_at=sub.created_at,
        updated_at=sub.updated_at,
    )
    return data.model_dump(mode="json")


def _get(session: Session, subscription_id: int) -> WebhookSubscription:
    sub = session.get(WebhookSubscription, subscription_id)
    if sub is None:
        raise Problem(404, f"no subscription with id {subscription_id}")
    return sub


@router.post(
    "",
    operation_id="adminCreateSubscription",
    summary="Subscribe a URL to signed webhooks; the answer holds its secret, shown once",
    status_code=201,
    response_model=SubscriptionCreated,
    openapi_extra=request_body(SubscriptionCreate),
)
def create_subscription(
    raw: RawBody, session: SessionDep, settings: AppSettingsDep, request: Request
) -> Response:
    payload = _parse(SubscriptionCreate, raw)
    _check_text(payload.description)
    sub = WebhookSubscription(
        url=_checked_url(payload.url, settings),
        description=payload.description,
        event_types=list(dict.fromkeys(payload.event_types)),
        filters=payload.filters.model_dump(exclude_defaults=True),
        secret=new_secret(),
    )
    session.add(sub)
    session.commit()
    logger.info("webhook subscription created", extra={"subscription": sub.id})
    body = {**_out(session, sub), "secret": sub.secret}
    location = f"{params.base_url(request, settings)}/admin/subscriptions/{sub.id}"
    return _json(body, 201, {"Location": location})


def _check_text(value: str | None) -> None:
    if value is not None and params._CONTROL.search(value):
        raise params.bad("`description` contains control characters")


@router.get(
    "",
    operation_id="adminListSubscriptions",
    summary="Every subscription with its health (never its secret)",
    response_model=list[SubscriptionOut],
)
def list_subscriptions(session: SessionDep) -> Response:
    subs = session.scalars(sa.select(WebhookSubscription).order_by(WebhookSubscription.id))  # type: ignore[arg-type]
    return _json([_out(session, sub) for sub in subs])


@router.get(
    "/{subscription_id}",
    operation_id="adminGetSubscription",
    summary="One subscription with its health",
    response_model=SubscriptionOut,
)
def get_subscription(subscription_id: SubscriptionId, session: SessionDep) -> Response:
    return _json(_out(session, _get(session, subscription_id)))


@router.patch(
    "/{subscription_id}",
    operation_id="adminUpdateSubscription",
    summary="Change URL, event types, filters or description; pause (enabled=false) or resume",
    response_model=SubscriptionOut,
    openapi_extra=request_body(SubscriptionUpdate),
)
def update_subscription(
    subscription_id: SubscriptionId, raw: RawBody, session: SessionDep, settings: AppSettingsDep
) -> Response:
    payload = _parse(SubscriptionUpdate, raw)
    sub = _get(session, subscription_id)
    if payload.url is not None:
        sub.url = _checked_url(payload.url, settings)
    if payload.event_types is not None:
        sub.event_types = list(dict.fromkeys(payload.event_types))
    if payload.filters is not None:
        sub.filters = payload.filters.model_dump(exclude_defaults=True)
    if payload.description is not None:
        _check_text(payload.description)
        sub.description = payload.description
    if payload.enabled is False:
        sub.status = "paused"
    elif payload.enabled is True:
        sub.status, sub.disabled_reason, sub.failing_since = "active", None, None
    sub.updated_at = utcnow()
    session.add(sub)
    if payload.enabled is True:
        outbox.wake_workers(session)
    session.commit()
    logger.info("webhook subscription updated", extra={"subscription": subscription_id})
    return _json(_out(session, sub))


@router.delete(
    "/{subscription_id}",
    operation_id="adminDeleteSubscription",
    summary="Remove a subscription, its pending deliveries and its delivery log",
    status_code=204,
    response_class=Response,
)
def delete_subscription(subscription_id: SubscriptionId, session: SessionDep) -> Response:
    session.delete(_get(session, subscription_id))
    session.commit()
    logger.info("webhook subscription deleted", extra={"subscription": subscription_id})
    return Response(status_code=204)


@router.post(
    "/{subscription_id}/test",
    operation_id="adminTestSubscription",
    summary="Send a signed `ping` now (once, no retries) and answer with the outcome",
    response_model=TestResult,
)
def test_subscription(
    subscription_id: SubscriptionId, session: SessionDep, settings: AppSettingsDep
) -> Response:
    sub = _get(session, subscription_id)
    data = {"subscription_id": sub.id, "url": outbox.resource_url("/admin/subscriptions")}
    outbox.write_for(session, [(PING, data, [sub.id or 0])])
    d = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    m = WebhookMessage.__table__.c  # type: ignore[attr-defined]
    delivery_id, msg_id, body = session.execute(
        sa.select(d.id, m.msg_id, m.body)
        .join(WebhookMessage, m.id == d.message_id)  # type: ignore[arg-type]
        .where(d.subscription_id == sub.id, m.type == PING)
        .order_by(d.id.desc())
        .limit(1)
    ).one()
    # The ping is sent here, not by a worker: mark it claimed so no worker sends it too.
    session.execute(
        sa.update(WebhookDelivery)
        .where(d.id == delivery_id)
        .values(claim_token="test", next_attempt_at=utcnow() + dt.timedelta(days=3650))
    )
    session.commit()
    from app.notify import delivery  # the HTTP client: loaded on first use

    item = delivery.Claimed(
        delivery_id, "test", sub.id or 0, sub.url, sub.secret, msg_id,
        delivery.body_bytes(body), 0, utcnow() - dt.timedelta(hours=settings.webhook_retry_hours),
    )  # fmt: skip
    with delivery.build_client(settings) as client:
        result = delivery.send(client, item, settings)
    delivery.record(session, item, result, settings)
    session.commit()
    answer = TestResult(
        msg_id=msg_id,
        delivered=result.ok,
        outcome=result.outcome,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        error=result.error,
    )
    return _json(answer.model_dump())


@router.get(
    "/{subscription_id}/deliveries",
    operation_id="adminSubscriptionDeliveries",
    summary="The delivery log: attempts, newest first (outcome, response code, latency)",
    response_model=DeliveryLog,
)
def delivery_log(
    subscription_id: SubscriptionId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LOG)] = 100,
    msg_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    _get(session, subscription_id)
    a = WebhookAttempt.__table__.c  # type: ignore[attr-defined]
    m = WebhookMessage.__table__.c  # type: ignore[attr-defined]
    query = (
        sa.select(a.id, a.msg_id, m.type, a.attempted_at, a.outcome, a.status_code)
        .add_columns(a.duration_ms, a.error)
        .join(WebhookMessage, m.msg_id == a.msg_id)  # type: ignore[arg-type]
        .where(a.subscription_id == subscription_id)
        .order_by(a.id.desc())
        .limit(limit)
    )
    if msg_id is not None:
        query = query.where(a.msg_id == msg_id)
    items = [AttemptOut(**row._mapping).model_dump(mode="json") for row in session.execute(query)]
    return _json({"items": items})


@router.post(
    "/{subscription_id}/replay",
    operation_id="adminReplaySubscription",
    summary="Send one message (msg_id) or every message since an instant again, same webhook-id",
    response_model=ReplayResult,
    openapi_extra=request_body(Replay),
)
def replay(subscription_id: SubscriptionId, raw: RawBody, session: SessionDep) -> Response:
    payload = _parse(Replay, raw)
    if (payload.msg_id is None) == (payload.since is None):
        raise params.bad("give exactly one of `msg_id` and `since`")
    _get(session, subscription_id)
    d = WebhookDelivery.__table__.c  # type: ignore[attr-defined]
    m = WebhookMessage.__table__.c  # type: ignore[attr-defined]
    chosen = sa.select(m.id)
    if payload.msg_id is not None:
        chosen = chosen.where(m.msg_id == payload.msg_id)
    else:
        since = payload.since
        assert since is not None
        since = since if since.tzinfo else since.replace(tzinfo=dt.UTC)
        chosen = chosen.where(m.created_at >= since)
    now = utcnow()
    # Queued again from now: a fresh retry window; attempts keep counting in the log.
    result = session.execute(
        sa.update(WebhookDelivery)
        .where(d.subscription_id == subscription_id, d.message_id.in_(chosen.scalar_subquery()))
        .values(status="pending", next_attempt_at=now, created_at=now, claim_token=None)
    )
    queued = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if payload.msg_id is not None and queued == 0:
        raise Problem(404, f"no message {payload.msg_id[:64]} for subscription {subscription_id}")
    outbox.wake_workers(session)
    session.commit()
    logger.info("webhook replay", extra={"subscription": subscription_id, "queued": queued})
    return _json({"queued": queued}, 202)
