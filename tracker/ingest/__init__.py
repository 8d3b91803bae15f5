"""How papers come in: the first `init`, each poll, each refresh.

    initialise.py  `tracker init`: migrate, load the baseline, resolve the seed references
    references.py  the seed documents' references, resolved to PMIDs
    poll.py        new papers per therapy by create date; watermarks move after the commit
    history.py     each therapy's whole PubMed history, backfilled once
    deletions.py   stored PMIDs PubMed no longer has
    refresh.py     modified, not-yet-indexed and missing records; notices' counterparts
    papers.py      storing parsed records: one row per PMID, therapy links, versions, changes
    ahead.py       a poll's batches written one behind, the next derived in a worker process
"""

from tracker.ingest.history import backfill_history, set_history, without_history
from tracker.ingest.initialise import InitSummary, initialise
from tracker.ingest.papers import (
    TRACKED_FIELDS,
    UpsertResult,
    link_therapies,
    mark_deleted,
    paper_columns,
    stored_pmids,
    sync_therapies,
    upsert_records,
)
from tracker.ingest.poll import PollSummary, TherapyPoll, plan_windows, poll, watermarks
from tracker.ingest.references import (
    ReferenceStatus,
    load_references,
    reference_statuses,
    resolve_references,
)
from tracker.ingest.refresh import RefreshSummary, refresh

__all__ = [
    "TRACKED_FIELDS",
    "InitSummary",
    "PollSummary",
    "ReferenceStatus",
    "RefreshSummary",
    "TherapyPoll",
    "UpsertResult",
    "backfill_history",
    "initialise",
    "link_therapies",
    "load_references",
    "mark_deleted",
    "paper_columns",
    "plan_windows",
    "poll",
    "reference_statuses",
    "refresh",
    "resolve_references",
    "set_history",
    "stored_pmids",
    "sync_therapies",
    "upsert_records",
    "watermarks",
    "without_history",
]
