"""`tracker init`: the schema is migrated by the caller; this loads the baseline into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.clock import local_day
from tracker.errors import PubMedError
from tracker.ingest.papers import sync_therapies
from tracker.ingest.references import ReferenceStatus, load_references, reference_statuses
from tracker.store import Database, Run, Watermark


@dataclass
class InitSummary:
    changed: int
    references: list[ReferenceStatus] = field(default_factory=list)
    reference_error: str | None = None
    repaired: list[str] = field(default_factory=list)  # watermarks set back from the future


def initialise(db: Database, baseline: Baseline, *, client, now: datetime) -> InitSummary:
    """Load therapies and references; resolve references when a client is given.

    Idempotent: a second run changes nothing. PubMed being unreachable does not undo the rest;
    the references stay pending and the next init resolves them.
    """
    from tracker.ingest.references import resolve_references

    with db.session() as session:
        changed = sync_therapies(session, baseline) + load_references(session, baseline)
        repaired = repair_future_watermarks(session, local_day(now))
    summary = InitSummary(changed=changed, repaired=repaired)
    if client is not None:
        try:
            summary.references = resolve_references(db, client, baseline, now=now)
        except PubMedError as exc:
            summary.reference_error = str(exc)
    if not summary.references:
        with db.session() as session:
            summary.references = reference_statuses(session)
    return summary


def repair_future_watermarks(session: Session, today: date) -> list[str]:
    """Set a watermark that lies after today back to the day its poll ran (the last day really
    searched), so the days in between are searched; one line per repair."""
    repaired = []
    for mark in session.scalars(select(Watermark).where(Watermark.polled_through > today)):
        run = session.get(Run, mark.run_id) if mark.run_id else None
        searched = min(local_day(run.started_at), today) if run else today
        repaired.append(f"watermark of {mark.therapy_id} was {mark.polled_through}, after "
                        f"today; set back to {searched}, the last day searched")
        mark.polled_through = searched
    return repaired
