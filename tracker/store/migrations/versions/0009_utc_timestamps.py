"""utc timestamps: every stored time becomes UTC (it was the local wall time of the machine)

The tracker wrote `datetime.now()` (local wall time, no zone) into every timestamp column except
the run lock's and the scheduled jobs' (already UTC). From this revision on every timestamp is
UTC. The conversion reads local time as the zone of the machine running the migration (the TZ
environment variable chooses another), row by row so each daylight-saving change is honoured,
in batches so a large install never binds more than a batch's parameters.

Revision ID: 0009
Revises: 0008
"""

from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BATCH = 2000

# table -> (primary key columns, timestamp columns that held local time)
LOCAL_COLUMNS = {
    "papers": (("id",), ("decided_at", "first_seen_at", "updated_at")),
    "therapy_papers": (("therapy_id", "paper_id"), ("first_found_at",)),
    "paper_versions": (("id",), ("recorded_at",)),
    "paper_changes": (("id",), ("changed_at",)),
    "runs": (("id",), ("started_at", "finished_at")),
    "watermarks": (("therapy_id",), ("updated_at",)),
    "references": (("id",), ("resolved_at",)),
    "duplicate_links": (("id",), ("decided_at", "found_at")),
    "notice_links": (("id",), ("found_at",)),
    "snapshots": (("therapy_id", "period_start"), ("built_at",)),
    "level_models": (("id",), ("trained_at",)),
    "therapy_screens": (("therapy_id", "paper_id"), ("screened_at",)),
    "trials": (("id",), ("built_at",)),
    "review_flags": (("id",), ("raised_at", "cleared_at")),
    "review_decisions": (("id",), ("decided_at", "undone_at")),
    "reviewers": (("id",), ("created_at",)),
    "subscribers": (("id",), ("created_at",)),
    "deliveries": (("id",), ("decided_at", "sent_at")),
    "searched_windows": (("id",), ("searched_at",)),
}


def local_to_utc(value):
    return value.astimezone(UTC).replace(tzinfo=None)  # a naive value is read as local time


def utc_to_local(value):
    return value.replace(tzinfo=UTC).astimezone().replace(tzinfo=None)


def upgrade() -> None:
    for name, (keys, columns) in LOCAL_COLUMNS.items():
        convert(name, keys, columns, local_to_utc)


def downgrade() -> None:
    for name, (keys, columns) in LOCAL_COLUMNS.items():
        convert(name, keys, columns, utc_to_local)


def convert(name: str, keys: tuple[str, ...], columns: tuple[str, ...], change) -> None:
    """Rewrite `columns` of every row of table `name`, BATCH rows at a time in key order."""
    connection = op.get_bind()
    table = sa.table(name, *[sa.column(k) for k in keys],
                     *[sa.column(c, sa.DateTime()) for c in columns])
    key_columns = [table.c[k] for k in keys]
    statement = (sa.update(table)
                 .where(*[table.c[k] == sa.bindparam(f"key_{k}") for k in keys])
                 .values({c: sa.bindparam(f"new_{c}") for c in columns}))
    last = None
    while True:
        query = sa.select(*key_columns, *[table.c[c] for c in columns]).order_by(*key_columns)
        if last is not None:
            query = query.where(sa.tuple_(*key_columns) > sa.tuple_(*last))
        rows = connection.execute(query.limit(BATCH)).all()
        if not rows:
            return
        changed = [
            {**{f"key_{k}": row._mapping[k] for k in keys},
             **{f"new_{c}": change(row._mapping[c]) if row._mapping[c] is not None else None
                for c in columns}}
            for row in rows
        ]
        connection.execute(statement, changed)
        last = tuple(rows[-1][:len(keys)])
