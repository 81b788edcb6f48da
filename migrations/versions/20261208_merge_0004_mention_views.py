"""mention views: each article's account of each happening, kept for order-independent merging

Revision ID: merge_0004
Revises: query_0003
Create Date: 2026-12-08 09:00:00

Events become a pure function of the views they are merged from (app/extraction/cluster.py),
so that the order articles arrive in no longer changes them (issue 17, defect 9). A database
that already holds events has no views for them: its events are rebuilt from the stored
articles (`rebuild_events`: the same keys keep their ids; an event no rule finds any more
leaves a tombstone), once, by the last migration that changes the events table
(ingest_0005): the rebuild runs today's extraction code, which writes today's columns.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core.models import UTCDateTime

# revision identifiers, used by Alembic.
revision: str = "merge_0004"
down_revision: str | None = "query_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mention_views",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.SmallInteger(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("family", sa.String(length=32), nullable=False),
        sa.Column("span_start", sa.Date(), nullable=False),
        sa.Column("span_end", sa.Date(), nullable=False),
        sa.Column("coarse", sa.Boolean(), nullable=False),
        sa.Column("published_at", UTCDateTime(), nullable=False),
        sa.Column("tiebreak", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("story", sa.String(length=2000), nullable=True),
        sa.Column("view", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"],
            ["articles.id"],
            name=op.f("mention_views_article_id_fkey"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("mention_views_event_id_fkey"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("mention_views_pkey")),
        sa.UniqueConstraint(
            "article_id", "ordinal", name=op.f("mention_views_article_id_ordinal_key")
        ),
    )
    op.create_index("ix_mention_views_event_id", "mention_views", ["event_id"])
    op.create_index(
        "ix_mention_views_family_span_start", "mention_views", ["family", "span_start"]
    )
    op.create_index(
        "ix_mention_views_family_coarse",
        "mention_views",
        ["family", "span_start"],
        postgresql_where=sa.text("coarse"),
        sqlite_where=sa.text("coarse"),
    )


def downgrade() -> None:
    op.drop_index("ix_mention_views_family_coarse", table_name="mention_views")
    op.drop_index("ix_mention_views_family_span_start", table_name="mention_views")
    op.drop_index("ix_mention_views_event_id", table_name="mention_views")
    op.drop_table("mention_views")
