"""The store: engine and migrations, the tables, and the records of runs.

    database.py    Database: engine, sessions, Alembic migrations
    models.py      the SQLAlchemy tables, and how a raw record is compressed
    runs.py        closing a run that failed
    flags.py       settings kept in the database itself (store_flags)
    migrations/    Alembic revisions

Which package writes which table is in docs/architecture.md.
"""

from tracker.store.database import Database, make_engine
from tracker.store.flags import get_flag, set_flag
from tracker.store.models import (
    Base,
    DuplicateLink,
    NoticeLink,
    Paper,
    PaperChange,
    PaperVersion,
    Reference,
    Run,
    SearchedWindow,
    Snapshot,
    StoreFlag,
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
    "DuplicateLink",
    "NoticeLink",
    "Paper",
    "PaperChange",
    "PaperVersion",
    "Reference",
    "Run",
    "SearchedWindow",
    "Snapshot",
    "StoreFlag",
    "Therapy",
    "TherapyPaper",
    "Watermark",
    "compress",
    "decompress",
    "get_flag",
    "make_engine",
    "record_failure",
    "set_flag",
]
