"""articles unique per (source, canonical URL), no longer per canonical URL

Revision ID: integrity_0003
Revises: push_0003
Create Date: 2026-12-07 03:00:00

Only a source changes its own articles: the same canonical URL from two sources becomes two
articles of one story (linked by the URL, which keeps a plain index), never an overwrite of
the first one stored.
"""

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "integrity_0003"
down_revision: str | None = "push_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_constraint("articles_canonical_url_key", type_="unique")
        batch_op.create_unique_constraint(
            "articles_source_id_canonical_url_key", ["source_id", "canonical_url"]
        )
        batch_op.create_index("ix_articles_canonical_url", ["canonical_url"], unique=False)


def downgrade() -> None:
    # Going back needs one article per URL: the later copies of a story are dropped (their
    # mentions go with them, by the foreign key's cascade).
    op.execute(
        "DELETE FROM articles WHERE canonical_url IS NOT NULL AND id NOT IN "
        "(SELECT min(id) FROM articles WHERE canonical_url IS NOT NULL GROUP BY canonical_url)"
    )
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_index("ix_articles_canonical_url")
        batch_op.drop_constraint("articles_source_id_canonical_url_key", type_="unique")
        batch_op.create_unique_constraint("articles_canonical_url_key", ["canonical_url"])
