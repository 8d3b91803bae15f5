"""precision: post-filter verdicts on therapy links, trials and their papers

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "therapy_screens",
        sa.Column("therapy_id", sa.String(length=64), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=80), nullable=False),
        sa.Column("dropped", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("tag", sa.String(length=80), nullable=True),
        sa.Column("screened_at", sa.DateTime(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"]),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.ForeignKeyConstraint(["therapy_id"], ["therapies.id"]),
        sa.PrimaryKeyConstraint("therapy_id", "paper_id"),
    )
    op.create_table(
        "trials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("registry_ids", sa.JSON(), nullable=False),
        sa.Column("acronym", sa.String(length=80), nullable=True),
        sa.Column("grouped_by", sa.String(length=40), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "trial_papers",
        sa.Column("trial_id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("role_source", sa.String(length=40), nullable=False),
        sa.Column("role_reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["papers.id"]),
        sa.ForeignKeyConstraint(["trial_id"], ["trials.id"]),
        sa.PrimaryKeyConstraint("trial_id", "paper_id"),
    )
    op.create_index("ix_trial_papers_paper", "trial_papers", ["paper_id"])


def downgrade() -> None:
    op.drop_index("ix_trial_papers_paper", table_name="trial_papers")
    op.drop_table("trial_papers")
    op.drop_table("trials")
    op.drop_table("therapy_screens")
