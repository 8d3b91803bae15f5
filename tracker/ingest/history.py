"""The evidence base before the baseline: each therapy's whole PubMed history, searched once.

Without it "first randomised controlled trial" would mean "first in this database". `tracker init`
backfills every therapy whose history has not been searched (its query with no lower date bound),
unless `--no-history`, which the database remembers (store flag `history = off`) so that polls
then start new therapies at the baseline date. It is a poll like any other: each new PMID is
fetched once, 200 records per EFetch, windows split past ESearch's 9,999 limit.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from tracker.baseline import Baseline
from tracker.clock import utc_now
from tracker.evidence import coverage
from tracker.ingest.poll import HISTORY_START, PollSummary, Progress, poll
from tracker.pubmed.eutils import EutilsClient
from tracker.store import Database, get_flag, set_flag


def set_history(db: Database, enabled: bool) -> bool:
    """Remember whether new therapies get their whole history; returns whether it changed."""
    with db.session() as session:
        if get_flag(session, "history", "on") == ("on" if enabled else "off"):
            return False
        return set_flag(session, "history", "on" if enabled else "off")


def without_history(db: Database, baseline: Baseline, today: date) -> list[str]:
    """Therapies (and pathways, polled like them) whose whole history has not been searched."""
    ids = [t.id for t in baseline.targets]
    with db.session() as session:
        found = coverage(session, ids, today, today)
    return [t for t in ids if t not in found.history_complete]


def backfill_history(
    db: Database,
    client: EutilsClient,
    baseline: Baseline,
    *,
    today: date,
    batch_size: int = 200,
    progress: Progress | None = None,
    period: str = "week",
    now: Callable[[], datetime] = utc_now,
) -> PollSummary | None:
    """Search the whole history of every therapy that lacks it, up to today; None if none."""
    missing = without_history(db, baseline, today)
    if not missing:
        return None
    return poll(db, client, baseline, therapy_ids=missing, since=HISTORY_START, until=today,
                today=today, batch_size=batch_size, progress=progress, period=period, now=now)
