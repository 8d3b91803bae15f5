"""scheduler jobs: the table APScheduler keeps `tracker jobs run`'s schedule in

APScheduler creates its table when a scheduler starts, if it is missing. Two schedulers starting
together on a new PostgreSQL database both found it missing and one failed creating it, so the
table is made here, where the schema is made, in the same shape (jobs/runner.py JOBS_TABLE; a
test compares it with APScheduler's). A database where a scheduler already made it keeps it.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLE = "apscheduler_jobs"


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table(TABLE):
        return
    op.create_table(
        TABLE,
        sa.Column("id", sa.Unicode(191), primary_key=True),
        sa.Column("next_run_time", sa.Float(25)),
        sa.Column("job_state", sa.LargeBinary, nullable=False),
    )
    op.create_index(f"ix_{TABLE}_next_run_time", TABLE, ["next_run_time"])


def downgrade() -> None:
    pass  # the scheduler made this table itself before 0012, and uses it whatever the revision
