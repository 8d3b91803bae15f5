"""`tracker init`: the schema is migrated by the caller; this loads the baseline into it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tracker.baseline import Baseline
from tracker.errors import PubMedError
from tracker.ingest.papers import sync_therapies
from tracker.ingest.references import ReferenceStatus, load_references, reference_statuses
from tracker.store import Database


@dataclass
class InitSummary:
    changed: int
    references: list[ReferenceStatus] = field(default_factory=list)
    reference_error: str | None = None


def initialise(db: Database, baseline: Baseline, *, client, now: datetime) -> InitSummary:
    """Load therapies and references; resolve references when a client is given.

    Idempotent: a second run changes nothing. PubMed being unreachable does not undo the rest;
    the references stay pending and the next init resolves them.
    """
    from tracker.ingest.references import resolve_references

    with db.session() as session:
        changed = sync_therapies(session, baseline) + load_references(session, baseline)
    summary = InitSummary(changed=changed)
    if client is not None:
        try:
            summary.references = resolve_references(db, client, baseline, now=now)
        except PubMedError as exc:
            summary.reference_error = str(exc)
    if not summary.references:
        with db.session() as session:
            summary.references = reference_statuses(session)
    return summary
