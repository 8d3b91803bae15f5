"""report indexes: the report's counts and window lookups as index scans

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

INDEXES = {
    "ix_papers_created": ["entrez_date", "pubmed_date", "first_seen_at"],
    "ix_papers_decided": ["inclusion", "decided_at"],
}
# partial indexes (SQLite and PostgreSQL spell true differently): the few notices, retracted,
# removed and demo papers, without tempting the planner to scan a flag for the many that are not
PARTIAL = {
    "ix_papers_notices": ("notice_kind IS NOT NULL", "notice_kind IS NOT NULL"),
    "ix_papers_retracted": ("retracted = 1", "retracted = true"),
    "ix_papers_deleted": ("deleted = 1", "deleted = true"),
    "ix_papers_demo": ("is_demo = 1", "is_demo = true"),
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "papers", columns)
    for name, (sqlite_where, postgresql_where) in PARTIAL.items():
        op.create_index(name, "papers", ["id"], sqlite_where=sa.text(sqlite_where),
                        postgresql_where=sa.text(postgresql_where))


def downgrade() -> None:
    for name in [*INDEXES, *PARTIAL]:
        op.drop_index(name, table_name="papers")
