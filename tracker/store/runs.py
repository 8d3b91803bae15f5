"""Run records: every poll or refresh leaves one, whatever happens to it."""

from __future__ import annotations

from datetime import datetime

from tracker.store.database import Database
from tracker.store.models import Run
from tracker.text import one_line


def record_failure(
    db: Database, run_id: int, error: str, counts: dict, finished: datetime
) -> None:
    """Close a run as failed in its own transaction: the batches already committed stay."""
    with db.session() as session:
        run = session.get(Run, run_id)
        run.status, run.finished_at, run.counts = "failed", finished, counts
        run.error = one_line(error)  # replayed by `tracker status`: never terminal controls
