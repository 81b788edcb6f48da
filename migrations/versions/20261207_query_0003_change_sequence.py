"""change sequence on events, event tombstones

Revision ID: query_0003
Revises: integrity_0003
Create Date: 2026-12-07 03:30:00

The sync contract (README, "Keeping a copy in sync"): every insert and update of an event
takes the next value of one growing sequence (`events.change_seq`, set by a trigger), and an
event that is merged away or removed leaves a row in `event_tombstones`.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.core import changes
from app.query.events import ARTICLE_DOCUMENT, EVENT_DOCUMENT, TEXT_CONFIG

# revision identifiers, used by Alembic.
revision: str = "query_0003"
down_revision: str | None = "integrity_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("events", sa.Column("change_seq", sa.BigInteger(), nullable=True))
    op.create_table(
        "event_tombstones",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("change_seq", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("event_tombstones_pkey")),
    )
    changes.install(op.get_bind())
    op.create_index("ix_events_change_seq", "events", ["change_seq"], unique=True)
    op.create_index(
        "ix_event_tombstones_change_seq", "event_tombstones", ["change_seq"], unique=True
    )
    if op.get_bind().dialect.name == "postgresql":
        # `q`: full-text search over events and the articles behind them (app/query/events.py
        # builds the same expressions, so the planner uses these indexes).
        for table, document in (("events", EVENT_DOCUMENT), ("articles", ARTICLE_DOCUMENT)):
            op.execute(
                f"CREATE INDEX ix_{table}_fts ON {table} "
                f"USING gin (to_tsvector('{TEXT_CONFIG}', {document}))"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_events_fts")
        op.execute("DROP INDEX IF EXISTS ix_articles_fts")
    changes.uninstall(op.get_bind())
    op.drop_index("ix_event_tombstones_change_seq", table_name="event_tombstones")
    op.drop_table("event_tombstones")
    op.drop_index("ix_events_change_seq", table_name="events")
    op.drop_column("events", "change_seq")
