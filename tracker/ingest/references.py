"""The seed documents' references: loaded at init, resolved to PMIDs, checked against the therapies.

Resolution tries ECitMatch first (one request for all), then an ESearch on title words and first
author for those it could not place. A resolved reference is stored as a paper like any other, so
a later retraction of it is seen. A reference that matches none of the tracked therapies is marked
so, not hidden: the first seed document cites five papers on myelin disorders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline, therapies_mentioned
from tracker.ingest.papers import upsert_records
from tracker.pubmed.eutils import Citation, EutilsClient
from tracker.records import DeletedCitation
from tracker.store import Database, Paper
from tracker.store import Reference as ReferenceRow


@dataclass(frozen=True)
class ReferenceStatus:
    key: str
    citation: str
    pmid: str | None
    resolution: str
    resolved_by: str | None
    matches: tuple[str, ...]
    cited_for: tuple[str, ...]
    context: str | None


def load_references(session: Session, baseline: Baseline) -> int:
    """Insert or update the reference rows from the baseline; keeps resolutions already made."""
    rows = {r.key: r for r in session.scalars(select(ReferenceRow))}
    changed = 0
    for ref in baseline.references:
        citation = (
            f"{ref.authors} {ref.title}. {ref.journal}. {ref.year};"
            f"{ref.volume or ''}{f'({ref.issue})' if ref.issue else ''}:{ref.pages or ''}."
        )
        values = {
            "document": ref.document, "number": ref.number, "citation": citation,
            "title": ref.title, "first_author": ref.first_author, "journal": ref.journal,
            "year": ref.year, "context": ref.context, "cited_for": list(ref.cited_for),
        }
        row = rows.get(ref.key)
        if row is None:
            session.add(ReferenceRow(
                key=ref.key, resolution="pending",
                matches=list(therapies_mentioned(ref.title, baseline.therapies)), **values,
            ))
            changed += 1
        elif any(getattr(row, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            if row.title != ref.title:
                row.resolution, row.pmid = "pending", None
            changed += 1
    session.flush()
    return changed


def _title_term(title: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z0-9]+", title) if len(w) > 3][:8]
    return " AND ".join(f"{w}[ti]" for w in words)


def _author_term(first_author: str) -> str:
    return f'"{first_author}"[au]'


def resolve_references(
    db: Database, client: EutilsClient, baseline: Baseline, *, now: datetime
) -> list[ReferenceStatus]:
    """Resolve the pending references to PMIDs and record which therapies each is about."""
    refs = {r.key: r for r in baseline.references}
    with db.session() as session:
        pending = [
            r.key for r in session.scalars(select(ReferenceRow))
            if r.resolution != "found" and r.key in refs
        ]
    if pending:
        answers = client.citmatch([
            Citation(
                key=key, journal=refs[key].journal, year=str(refs[key].year),
                volume=refs[key].volume or "", first_page=refs[key].first_page or "",
                author=refs[key].first_author,
            )
            for key in pending
        ])
        outcome: dict[str, tuple[str, str | None, str | None, list[str]]] = {}
        for key in pending:
            answer = answers.get(key)
            if answer is not None and answer.status == "found":
                outcome[key] = ("found", answer.pmid, "ecitmatch", [])
                continue
            ref = refs[key]
            term = f"({_title_term(ref.title)}) AND {_author_term(ref.first_author)}"
            found = client.search_ids(term)
            if len(found.ids) == 1:
                outcome[key] = ("found", found.ids[0], "esearch", [])
            elif found.ids:
                outcome[key] = ("ambiguous", None, "esearch", list(found.ids[:10]))
            else:
                candidates = list(getattr(answer, "candidates", ()) or ())
                status = "ambiguous" if candidates else "not_found"
                outcome[key] = (status, None, None, candidates)
        pmids = [pmid for status, pmid, _, _ in outcome.values() if pmid]
        records = [r for r in client.fetch(pmids) if not isinstance(r, DeletedCitation)]
        with db.session() as session:
            upsert_records(session, records, run_id=None, now=now)
            for row in session.scalars(select(ReferenceRow).where(ReferenceRow.key.in_(pending))):
                status, pmid, how, candidates = outcome[row.key]
                row.resolution, row.pmid, row.resolved_by = status, pmid, how
                row.candidates, row.resolved_at = candidates, now
    with db.session() as session:
        _match_therapies(session, baseline)
        return reference_statuses(session)


def _match_therapies(session: Session, baseline: Baseline) -> None:
    """A reference is about a therapy when the therapy is named in its title, abstract or MeSH."""
    for row in session.scalars(select(ReferenceRow)):
        text = row.title
        if row.pmid:
            paper = session.scalar(select(Paper).where(Paper.pmid == row.pmid))
            if paper is not None:
                text = " ".join([
                    paper.title,
                    *(s["text"] for s in paper.abstract),
                    *(m["descriptor"] for m in paper.mesh),
                    *paper.keywords,
                ])
        row.matches = list(therapies_mentioned(text, baseline.therapies))


def reference_statuses(session: Session) -> list[ReferenceStatus]:
    rows = session.scalars(
        select(ReferenceRow).order_by(ReferenceRow.document, ReferenceRow.number)
    )
    return [
        ReferenceStatus(
            key=r.key, citation=r.citation, pmid=r.pmid, resolution=r.resolution,
            resolved_by=r.resolved_by, matches=tuple(r.matches), cited_for=tuple(r.cited_for),
            context=r.context,
        )
        for r in rows
    ]
