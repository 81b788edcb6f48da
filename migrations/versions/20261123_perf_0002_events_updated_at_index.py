"""events updated_at index

Revision ID: perf_0002
Revises: 0001
Create Date: 2026-11-23 14:45:41.800048

The API derives its data version from max(events.id) and max(events.updated_at) on every
cached request: with this index both are single backward index probes.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "perf_0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_events_updated_at", "events", ["updated_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_updated_at", table_name="events")
