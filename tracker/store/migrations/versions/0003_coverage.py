"""coverage: the days each therapy has been searched; flags kept in the database

Revision ID: 0003
Revises: 0002
"""

import json
from datetime import date, datetime

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    windows = op.create_table(
        "searched_windows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("therapy_id", sa.String(length=64), nullable=False),
        sa.Column("start", sa.Date(), nullable=True),
        sa.Column("end", sa.Date(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=True),
        sa.Column("searched_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"]),
        sa.ForeignKeyConstraint(["therapy_id"], ["therapies.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("searched_windows", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_searched_windows_therapy_id"), ["therapy_id"])
    op.bulk_insert(windows, _windows_of_past_polls())
    op.create_table(
        "store_flags",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def _windows_of_past_polls() -> list[dict]:
    """A database polled before this revision: each successful poll's windows, from its run
    record, for the therapies whose papers were all stored."""
    connection = op.get_bind()
    known = {row[0] for row in connection.execute(sa.text("SELECT id FROM therapies"))}
    rows = []
    polls = connection.execute(sa.text(
        "SELECT id, counts, finished_at FROM runs "
        "WHERE kind = 'poll' AND status IN ('ok', 'incomplete') ORDER BY id"
    ))
    for run_id, counts, finished_at in polls:
        if isinstance(counts, str):
            counts = json.loads(counts)
        if isinstance(finished_at, str):
            finished_at = datetime.fromisoformat(finished_at)
        for therapy_id, figures in ((counts or {}).get("therapies") or {}).items():
            window = figures.get("window")
            if therapy_id not in known or not window or figures.get("missing"):
                continue
            rows.append({
                "therapy_id": therapy_id, "start": date.fromisoformat(window[0]),
                "end": date.fromisoformat(window[1]), "run_id": run_id,
                "searched_at": finished_at or datetime(1970, 1, 1),
            })
    return rows


def downgrade() -> None:
    op.drop_table("store_flags")
    with op.batch_alter_table("searched_windows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_searched_windows_therapy_id"))
    op.drop_table("searched_windows")
