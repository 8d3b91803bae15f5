"""The store: engine and migrations, the tables, and the records of runs.

    database.py    Database: engine, sessions, Alembic migrations
    models.py      the SQLAlchemy tables, and how a raw record is compressed
    runs.py        closing a run that failed
    conflicts.py   INSERT ... ON CONFLICT DO NOTHING on either backend
    fit.py         text cut to its column's length, as PostgreSQL requires
    locks.py       the run lock: one writing run at a time
    migrations/    Alembic revisions

Which package writes which table is in docs/architecture.md.
"""

from tracker.store.conflicts import insert_skipping_conflicts
from tracker.store.database import Database, PoolSettings, make_engine
from tracker.store.fit import fit_to_columns
from tracker.store.locks import HeldLock, LockHolder, current_holder, lock_is_live, run_lock
from tracker.store.models import (
    Base,
    DuplicateLink,
    NoticeLink,
    Paper,
    PaperChange,
    PaperVersion,
    Reference,
    Run,
    RunLock,
    Snapshot,
    Therapy,
    TherapyPaper,
    Watermark,
    compress,
    decompress,
)
from tracker.store.runs import record_failure

__all__ = [
    "Base",
    "Database",
    "HeldLock",
    "LockHolder",
    "DuplicateLink",
    "NoticeLink",
    "Paper",
    "PaperChange",
    "PaperVersion",
    "PoolSettings",
    "Reference",
    "Run",
    "RunLock",
    "Snapshot",
    "Therapy",
    "TherapyPaper",
    "Watermark",
    "compress",
    "current_holder",
    "decompress",
    "fit_to_columns",
    "insert_skipping_conflicts",
    "lock_is_live",
    "make_engine",
    "record_failure",
    "run_lock",
]
