"""level model: trained classifier table, model provenance on papers

Revision ID: 0007
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "level_models",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("trained_at", sa.DateTime(), nullable=False),
        sa.Column("training_size", sa.Integer(), nullable=False),
        sa.Column("held_out_size", sa.Integer(), nullable=False),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("rules_version", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("model_bytes", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("version"),
    )
    op.add_column("papers", sa.Column("level_model", sa.String(length=20), nullable=True))
    op.add_column("papers", sa.Column("level_disagreement", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): a batch copy of `papers` would trip its foreign keys.
    op.drop_column("papers", "level_disagreement")
    op.drop_column("papers", "level_model")
    op.drop_table("level_models")
