"""counting index: the columns every report count and window reads, beside each paper's id

A report counts every counted paper of its therapies and reads every paper of its window to
choose those it lists (tracker.report.counting). On SQLite the paper's row is long (abstract,
authors, the stored record) and these columns come after it, so reading them walked each row's
overflow pages; from this index the report reads them alone. A partial index holds the few
merged duplicates, whose links count for their canonical paper.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

COLUMNS = ["id", "canonical_id", "deleted", "inclusion", "retracted", "notice_kind", "level",
           "entrez_date", "pubmed_date", "first_seen_at", "pmid", "decided_at"]


MERGED = "canonical_id IS NOT NULL"  # the few merged duplicates, whose links move


def upgrade() -> None:
    op.create_index("ix_papers_counting", "papers", COLUMNS)
    op.create_index("ix_papers_merged", "papers", ["canonical_id", "id"],
                    sqlite_where=sa.text(MERGED), postgresql_where=sa.text(MERGED))


def downgrade() -> None:
    op.drop_index("ix_papers_merged", table_name="papers")
    op.drop_index("ix_papers_counting", table_name="papers")
