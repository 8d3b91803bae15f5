"""The store: engine and migrations, the tables, and the records of runs.

    database.py    Database: engine, sessions, Alembic migrations
    models.py      the SQLAlchemy tables, and how a raw record is compressed
    runs.py        closing a run that failed
    batches.py     long lists bound a batch at a time (PostgreSQL's parameter limit)
    conflicts.py   INSERT ... ON CONFLICT DO NOTHING on either backend; many rows by COPY
    fit.py         text cut to its column's length, as PostgreSQL requires
    locks.py       the run lock: one writing run at a time
    flags.py       settings kept in the database itself (store_flags)
    migrations/    Alembic revisions

Which package writes which table is in docs/architecture.md.
"""

from tracker.store.batches import MAX_PARAMETERS, batches, rows_in_batches, scalars_in_batches
from tracker.store.conflicts import insert_new_rows, insert_skipping_conflicts
from tracker.store.database import Database, PoolSettings, make_engine
from tracker.store.fit import fit_to_columns
from tracker.store.flags import get_flag, set_flag
from tracker.store.locks import HeldLock, LockHolder, current_holder, lock_is_live, run_lock
from tracker.store.models import (
    Base,
    CountedDay,
    Delivery,
    DuplicateLink,
    JobRun,
    LevelModelRow,
    NoticeLink,
    Paper,
    PaperChange,
    PaperVersion,
    Reference,
    ReviewDecision,
    Reviewer,
    ReviewFlag,
    Run,
    RunLock,
    SearchedWindow,
    SerialisedJSON,
    Snapshot,
    StoreFlag,
    Subscriber,
    Therapy,
    TherapyPaper,
    TherapyScreen,
    Trial,
    TrialPaper,
    Watermark,
    compress,
    decompress,
)
from tracker.store.runs import record_failure

__all__ = [
    "Base",
    "CountedDay",
    "MAX_PARAMETERS",
    "batches",
    "rows_in_batches",
    "scalars_in_batches",
    "Database",
    "Delivery",
    "DuplicateLink",
    "LevelModelRow",
    "HeldLock",
    "JobRun",
    "LockHolder",
    "NoticeLink",
    "Paper",
    "PaperChange",
    "PaperVersion",
    "PoolSettings",
    "Reference",
    "ReviewDecision",
    "ReviewFlag",
    "Reviewer",
    "Run",
    "RunLock",
    "SearchedWindow",
    "SerialisedJSON",
    "Snapshot",
    "Subscriber",
    "StoreFlag",
    "Therapy",
    "TherapyPaper",
    "TherapyScreen",
    "Trial",
    "TrialPaper",
    "Watermark",
    "compress",
    "current_holder",
    "decompress",
    "fit_to_columns",
    "insert_new_rows",
    "insert_skipping_conflicts",
    "lock_is_live",
    "make_engine",
    "record_failure",
    "run_lock",
    "get_flag",
    "make_engine",
    "record_failure",
    "set_flag",
]
