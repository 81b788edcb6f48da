"""per-event aggregates: what corroboration, claim status and confidence need, on the event row

Revision ID: ingest_0005
Revises: merge_0004
Create Date: 2026-12-09 09:00:00

A view added after every stored view of an event updates the event from its row and these
aggregates alone, instead of re-reading every view of it (issue 18, target 3;
app/extraction/cluster.py `fold_of`). `family`, `views_from` and `views_to` find the events a
new view may join by day; `ix_mention_views_story` finds the copies of one story that join
publishers. Existing events get their aggregates from their views here; events stored before
views existed (merge_0004) are rebuilt from their articles here, which writes both.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel import Session

# revision identifiers, used by Alembic.
revision: str = "ingest_0005"
down_revision: str | None = "merge_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(sa.dialects.postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("family", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("views_from", sa.Date(), nullable=True))
        batch.add_column(sa.Column("views_to", sa.Date(), nullable=True))
        batch.add_column(sa.Column("fold", JSON, nullable=True))
    op.create_index("ix_events_family_views_to", "events", ["family", "views_to"])
    op.create_index("ix_mention_views_story", "mention_views", ["story"])
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    if not bind.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM events)")):
        return
    # only when there is something to fill: the extraction code is not imported otherwise
    from app.extraction.store import backfill_folds, rebuild_events

    with Session(bind=bind) as session:
        if bind.scalar(sa.text("SELECT EXISTS (SELECT 1 FROM mention_views)")):
            backfill_folds(session)
        else:  # events from before views (merge_0004): rebuilt from their articles
            rebuild_events(session)
        session.flush()


def downgrade() -> None:
    op.drop_index("ix_mention_views_story", table_name="mention_views")
    op.drop_index("ix_events_family_views_to", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("fold")
        batch.drop_column("views_to")
        batch.drop_column("views_from")
        batch.drop_column("family")
