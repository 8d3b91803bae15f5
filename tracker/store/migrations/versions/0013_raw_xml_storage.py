"""raw XML stored as it comes: PostgreSQL does not compress it a second time

The tracker compresses each record's XML itself (store.models.compress) before writing it, so
PostgreSQL's own TOAST compression of raw_xml only spent time failing to shrink it further: a
poll's papers INSERT took about a third longer for it. EXTERNAL keeps the out-of-line storage
and drops that compression. SQLite has no such setting; the bytes stored are the same.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TABLES = ("papers", "paper_versions")


def _set_storage(storage: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} ALTER COLUMN raw_xml SET STORAGE {storage}")


def upgrade() -> None:
    _set_storage("EXTERNAL")


def downgrade() -> None:
    _set_storage("EXTENDED")
