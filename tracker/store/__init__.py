"""The store: engine and migrations, the tables, and the records of runs.

    database.py    Database: engine, sessions, Alembic migrations
    models.py      the SQLAlchemy tables, and how a raw record is compressed
    runs.py        closing a run that failed
    migrations/    Alembic revisions

Which package writes which table is in docs/architecture.md.
"""

from tracker.store.database import Database, make_engine
from tracker.store.models import (
    Base,
    DuplicateLink,
    NoticeLink,
    Paper,
    PaperChange,
    PaperVersion,
    Reference,
    Run,
    Snapshot,
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
    "Database",
    "DuplicateLink",
    "NoticeLink",
    "Paper",
    "PaperChange",
    "PaperVersion",
    "Reference",
    "Run",
    "Snapshot",
    "Therapy",
    "TherapyPaper",
    "TherapyScreen",
    "Trial",
    "TrialPaper",
    "Watermark",
    "compress",
    "decompress",
    "make_engine",
    "record_failure",
]
