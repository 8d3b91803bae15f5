"""PMIDs PubMed no longer has. E-utilities never announce a deletion (no <DeleteCitation> in
practice): a deleted PMID simply stops being returned. So a refresh asks, in large `[uid]`
ESearch chunks, which stored PMIDs still exist, and marks the rest deleted: a few requests for
the whole store, not one per paper."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from tracker.errors import PubMedError
from tracker.ingest.papers import mark_deleted
from tracker.pubmed.eutils import EutilsClient
from tracker.store import Database, Paper

EXISTENCE_CHUNK = 2000  # PMIDs per [uid] ESearch (POSTed); under ESearch's 9,999 page
IMPLAUSIBLE_SHARE = 0.5  # more gone than this at once (of at least MIN_FOR_SHARE) is an outage
MIN_FOR_SHARE = 20


def uid_chunks(pmids: list[str], size: int = EXISTENCE_CHUNK) -> list[list[str]]:
    ordered = sorted(set(pmids), key=lambda p: (len(p), p))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def still_in_pubmed(client: EutilsClient, pmids: list[str]) -> set[str]:
    """The PMIDs among `pmids` that ESearch still finds."""
    found: set[str] = set()
    for chunk in uid_chunks(pmids):
        result = client.search_ids(" OR ".join(f"{pmid}[uid]" for pmid in chunk))
        found.update(result.ids)
    return found


def check_deleted(db: Database, client: EutilsClient, *, run_id: int,
                  now: datetime) -> tuple[int, list[str]]:
    """Mark stored PMIDs PubMed no longer returns as deleted; (PMIDs checked, PMIDs gone)."""
    with db.session() as session:
        stored = list(session.scalars(select(Paper.pmid).where(Paper.deleted.is_(False))))
    if not stored:
        return 0, []
    gone = sorted(set(stored) - still_in_pubmed(client, stored))
    if len(stored) >= MIN_FOR_SHARE and len(gone) > IMPLAUSIBLE_SHARE * len(stored):
        raise PubMedError(
            f"PubMed found only {len(stored) - len(gone)} of {len(stored)} stored PMIDs; "
            "that looks like a search outage, not deletions: nothing marked, try again later"
        )
    if gone:
        with db.session() as session:
            mark_deleted(session, gone, run_id=run_id, now=now)
    return len(stored), gone
