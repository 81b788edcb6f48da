"""Every table, in one place.

Table and column names are a public interface: other systems read them with SQL (see the
design brief). Timestamps are timezone-aware UTC everywhere; SQLite, which keeps no offset,
is normalised back to UTC on read by :class:`UTCDateTime`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "ck": "%(table_name)s_%(constraint_name)s_check",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
    "pk": "%(table_name)s_pkey",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """``timestamptz`` on PostgreSQL; on SQLite naive values are read back as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: sa.Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ts(*, nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=sa.Column(UTCDateTime(), nullable=nullable, index=index))


def _created() -> Any:
    return Field(default_factory=utcnow, sa_column=sa.Column(UTCDateTime(), nullable=False))


def _json(default: Any) -> Any:
    return Field(default_factory=default, sa_column=sa.Column(JSONType, nullable=False))


def _text(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_column=sa.Column(sa.Text(), nullable=nullable))


def _change_seq() -> Any:
    # Written by the database (a trigger), never by the application: FetchedValue tells the ORM
    # to read it back instead of sending NULL.
    return Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger(),
            nullable=True,
            server_default=sa.FetchedValue(),
            server_onupdate=sa.FetchedValue(),
        ),
    )


SOURCE_KINDS = ("specialist", "wire", "state_media", "government", "think_tank", "general")
RELIABILITY_GRADES = ("A", "B", "C", "D", "E", "F")
CLAIM_STATUSES = ("claimed", "reported", "confirmed")
DATE_PRECISIONS = ("day", "week", "month", "year", "unknown")
LOCATION_PRECISIONS = ("site", "city", "province", "sea", "border", "country")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Source(SQLModel, table=True):
    """A publisher: NK News, Yonhap, KCNA Watch..."""

    __tablename__ = "sources"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", SOURCE_KINDS), name="kind"),
        sa.CheckConstraint(_in("reliability", RELIABILITY_GRADES), name="reliability"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: str = Field(default="general", max_length=32)
    reliability: str = Field(default="F", max_length=1, description="Admiralty grade A-F")
    homepage: str | None = Field(default=None, max_length=2000)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class Feed(SQLModel, table=True):
    """One RSS/Atom URL of a source, with its polling state."""

    __tablename__ = "feeds"
    __table_args__ = (sa.Index("ix_feeds_due", "enabled", "next_check_at"),)

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    url: str = Field(max_length=2000, unique=True)
    title: str | None = Field(default=None, max_length=1000)
    enabled: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=1000)
    etag: str | None = Field(default=None, max_length=1000)
    last_modified: str | None = Field(default=None, max_length=200)
    body_hash: str | None = Field(default=None, max_length=64)
    final_url: str | None = Field(default=None, max_length=2000)
    poll_interval_seconds: int = Field(default=1800)
    next_check_at: dt.datetime | None = _ts()
    last_check_at: dt.datetime | None = _ts()
    last_success_at: dt.datetime | None = _ts()
    last_error_at: dt.datetime | None = _ts()
    last_status: int | None = None
    error_count: int = Field(default=0)
    last_error: str | None = _text()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class Article(SQLModel, table=True):
    """One source's copy of a story. Unique per source + entry key, and per source + canonical
    URL: only a source changes its own articles. Two sources' articles under one canonical URL
    are one story (linked by that URL, `ix_articles_canonical_url`), counted once for
    corroboration."""

    __tablename__ = "articles"
    __table_args__ = (
        sa.UniqueConstraint("source_id", "guid_hash"),
        sa.UniqueConstraint("source_id", "canonical_url"),
        sa.Index("ix_articles_published_at_id", "published_at", "id"),
        sa.Index("ix_articles_canonical_url", "canonical_url"),
    )

    id: int | None = Field(default=None, primary_key=True)
    source_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("sources.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    feed_id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.ForeignKey("feeds.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    guid: str = Field(max_length=2000)
    guid_hash: str = Field(max_length=64, description="SHA-256 of the entry's stable key")
    url: str | None = Field(default=None, max_length=2000)
    canonical_url: str | None = Field(default=None, max_length=2000)
    title: str = Field(max_length=1000)
    summary: str | None = _text()
    text: str | None = _text()
    author: str | None = Field(default=None, max_length=500)
    published_at: dt.datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    published_inferred: bool = Field(default=False, description="No date in the feed: fetch time")
    fetched_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()
    content_hash: str = Field(max_length=64)
    extracted_at: dt.datetime | None = _ts(index=True)


class Event(SQLModel, table=True):
    """One real-world happening, merged across the articles that mention it."""

    __tablename__ = "events"
    __table_args__ = (
        sa.CheckConstraint(_in("claim_status", CLAIM_STATUSES), name="claim_status"),
        sa.CheckConstraint("severity BETWEEN 1 AND 5", name="severity"),
        sa.CheckConstraint("confidence >= 0 AND confidence <= 1", name="confidence"),
        sa.CheckConstraint(_in("date_precision", DATE_PRECISIONS), name="date_precision"),
        sa.Index("ix_events_timeline", "event_date", "id"),
        sa.Index("ix_events_category_date", "category", "event_date"),
        sa.Index("ix_events_lon_lat", "lon", "lat"),
        # The API's data version (max id, max updated_at) is two backward index probes.
        sa.Index("ix_events_updated_at", "updated_at"),
        sa.Index("ix_events_change_seq", "change_seq", unique=True),
        # The appending merge finds the events a new view may join by their views' days.
        sa.Index("ix_events_family_views_to", "family", "views_to"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, unique=True, description="Deterministic merge key")
    category: str = Field(max_length=32)
    title: str = Field(max_length=1000)
    summary: str | None = _text()
    event_date: dt.date
    date_precision: str = Field(default="day", max_length=16)
    location_name: str | None = Field(default=None, max_length=200)
    location_id: str | None = Field(default=None, max_length=100, description="Gazetteer id")
    location_precision: str | None = Field(default=None, max_length=16)
    lat: float | None = None
    lon: float | None = None
    actors: list[str] = _json(list)
    weapons: list[str] = _json(list)
    figures: dict[str, Any] = _json(dict)
    severity: int = Field(default=1)
    claim_status: str = Field(default="reported", max_length=16)
    confidence: float = Field(default=0.5)
    corroboration: int = Field(default=1, description="Distinct publishers")
    first_reported_at: dt.datetime | None = _ts()
    last_reported_at: dt.datetime | None = _ts()
    # Aggregates of the event's views (app/extraction/cluster.py `fold_of`): what corroboration,
    # claim status and confidence need, so that a view added after the others updates them
    # without reading them. None for events without views.
    family: str | None = Field(default=None, max_length=32, description="Category family")
    views_from: dt.date | None = Field(default=None, description="First day its views span")
    views_to: dt.date | None = Field(default=None, description="Last day its views span")
    fold: dict[str, Any] | None = Field(default=None, sa_column=sa.Column(JSONType, nullable=True))
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()
    # The sync contract's order: set by the database on every insert and update (a trigger;
    # app/core/changes.py), from one sequence that only grows.
    change_seq: int | None = _change_seq()


class EventTombstone(SQLModel, table=True):
    """An event that is gone (merged into another, or left with no mention): what a poller
    needs to delete its copy. Written by app/extraction/store.py via app/core/changes.py."""

    __tablename__ = "event_tombstones"
    __table_args__ = (sa.Index("ix_event_tombstones_change_seq", "change_seq", unique=True),)

    id: int = Field(
        sa_column=sa.Column(sa.BigInteger(), primary_key=True, autoincrement=False),
        description="The removed event's id",
    )
    deleted_at: dt.datetime = _created()
    replaced_by: int | None = Field(default=None, description="The event that took its mentions")
    change_seq: int | None = _change_seq()


class EventMention(SQLModel, table=True):
    """An article's support for an event: the sentences it came from."""

    __tablename__ = "event_mentions"
    __table_args__ = (sa.UniqueConstraint("event_id", "article_id"),)

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    )
    article_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    sentence: str = Field(sa_column=sa.Column(sa.Text(), nullable=False))
    evidence: list[str] = _json(list)
    claim_status: str = Field(default="reported", max_length=16)
    created_at: dt.datetime = _created()


class MentionView(SQLModel, table=True):
    """One article's account of one happening, as extraction found it (category, date, place,
    actors... in `view`), and the event it was merged into. Merging is a pure function of these
    rows (app/extraction/cluster.py): the events can be rebuilt from them in any order of
    arrival. `family`, the span and the canonical order (`published_at`, `tiebreak`, then the
    article and `ordinal`) are columns so the merge can find what a new view may touch."""

    __tablename__ = "mention_views"
    __table_args__ = (
        sa.UniqueConstraint("article_id", "ordinal"),
        sa.Index("ix_mention_views_event_id", "event_id"),
        # Copies of one story in an event join its publishers (corroboration).
        sa.Index("ix_mention_views_story", "story"),
        sa.Index("ix_mention_views_family_span_start", "family", "span_start"),
        # Month- and year-long spans start up to a year before a day they cover: few rows.
        sa.Index(
            "ix_mention_views_family_coarse",
            "family",
            "span_start",
            postgresql_where=sa.text("coarse"),
            sqlite_where=sa.text("coarse"),
        ),
    )

    # A new id whenever an article is extracted again (the old rows are deleted). SQLite
    # numbers only an INTEGER primary key by itself.
    id: int | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
    )
    article_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("articles.id", ondelete="CASCADE"), nullable=False)
    )
    ordinal: int = Field(sa_column=sa.Column(sa.SmallInteger(), nullable=False))
    event_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("events.id", ondelete="CASCADE"), nullable=False)
    )
    family: str = Field(max_length=32, description="Category, or 'launch' for the launch family")
    span_start: dt.date
    span_end: dt.date
    coarse: bool = Field(default=False, description="A month- or year-long span")
    published_at: dt.datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    tiebreak: str = Field(max_length=64, description="The article's guid_hash")
    source_id: int
    story: str | None = Field(default=None, max_length=2000, description="Canonical URL")
    view: dict[str, Any] = _json(dict)


class Assessment(SQLModel, table=True):
    """A structured report for a period (weekly, or on demand)."""

    __tablename__ = "assessments"
    __table_args__ = (
        sa.UniqueConstraint("period_start", "period_end"),
        sa.Index("ix_assessments_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    period_start: dt.datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    period_end: dt.datetime = Field(sa_column=sa.Column(UTCDateTime(), nullable=False))
    level: str = Field(max_length=16)
    score: float
    methodology_version: str = Field(max_length=32)
    body: dict[str, Any] = _json(dict)
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class CollectionRun(SQLModel, table=True):
    """One attempt to fetch one feed."""

    __tablename__ = "collection_runs"
    __table_args__ = (sa.Index("ix_collection_runs_feed_started", "feed_id", "started_at"),)

    id: int | None = Field(default=None, primary_key=True)
    feed_id: int = Field(
        sa_column=sa.Column(sa.ForeignKey("feeds.id", ondelete="CASCADE"), nullable=False)
    )
    started_at: dt.datetime = _created()
    finished_at: dt.datetime | None = _ts()
    duration_ms: int | None = None
    http_status: int | None = None
    outcome: str = Field(max_length=32, description="ok | not_modified | unchanged | error")
    new_items: int = Field(default=0)
    updated_items: int = Field(default=0)
    bytes_read: int | None = None
    error: str | None = _text()


SUBSCRIPTION_STATUSES = ("active", "paused", "disabled")
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class WebhookSubscription(SQLModel, table=True):
    """A receiver of signed webhooks (app/notify): where, what, and its health."""

    __tablename__ = "webhook_subscriptions"
    __table_args__ = (sa.CheckConstraint(_in("status", SUBSCRIPTION_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    event_types: list[str] = _json(list)
    filters: dict[str, Any] = _json(dict)
    # The HMAC key must be readable to sign; it is shown to the operator once, at creation.
    secret: str = Field(max_length=200)
    status: str = Field(default="active", max_length=16)
    disabled_reason: str | None = Field(default=None, max_length=1000)
    failing_since: dt.datetime | None = _ts()
    last_success_at: dt.datetime | None = _ts()
    created_at: dt.datetime = _created()
    updated_at: dt.datetime = _created()


class WebhookMessage(SQLModel, table=True):
    """The outbox: one message per change, written in the change's own transaction."""

    __tablename__ = "webhook_messages"
    __table_args__ = (sa.Index("ix_webhook_messages_created_at", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    msg_id: str = Field(max_length=64, unique=True, description="webhook-id header")
    type: str = Field(max_length=64)
    body: dict[str, Any] = _json(dict)
    created_at: dt.datetime = _created()


class WebhookDelivery(SQLModel, table=True):
    """One message owed to one subscription, claimed by delivery workers."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        sa.UniqueConstraint("message_id", "subscription_id"),
        sa.CheckConstraint(_in("status", DELIVERY_STATUSES), name="status"),
        sa.Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        sa.Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("webhook_messages.id", ondelete="CASCADE"), nullable=False
        )
    )
    subscription_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
        )
    )
    status: str = Field(default="pending", max_length=16)
    attempts: int = Field(default=0)
    claim_token: str | None = Field(default=None, max_length=64)
    next_attempt_at: dt.datetime = _created()
    last_attempt_at: dt.datetime | None = _ts()
    delivered_at: dt.datetime | None = _ts()
    last_status_code: int | None = None
    last_error: str | None = _text()
    created_at: dt.datetime = _created()


class WebhookAttempt(SQLModel, table=True):
    """The delivery log: every HTTP attempt, its response code and latency."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (sa.Index("ix_webhook_attempts_subscription", "subscription_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    delivery_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    subscription_id: int = Field(
        sa_column=sa.Column(
            sa.ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), nullable=False
        )
    )
    msg_id: str = Field(max_length=64)
    attempted_at: dt.datetime = _created()
    duration_ms: int | None = None
    status_code: int | None = None
    outcome: str = Field(max_length=32, description="ok | http_error | network_error | refused")
    error: str | None = _text()


class NotifyState(SQLModel, table=True):
    """Small named values the notifier remembers (the last threat level it announced)."""

    __tablename__ = "notify_state"

    name: str = Field(max_length=64, primary_key=True)
    value: dict[str, Any] = _json(dict)
    updated_at: dt.datetime = _created()


TABLES = (
    "sources",
    "feeds",
    "articles",
    "events",
    "event_mentions",
    "mention_views",
    "event_tombstones",
    "assessments",
    "collection_runs",
    "webhook_subscriptions",
    "webhook_messages",
    "webhook_deliveries",
    "webhook_attempts",
    "notify_state",
)
