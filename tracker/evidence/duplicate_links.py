"""Duplicate links in the store: found by duplicate_match, decided by people, never undone by a
poll.

Papers with the same normalised DOI or PMCID under different PMIDs are one article: they are merged
for counting at once (decided_by "rule:doi" / "rule:pmcid"), and a person may still reject that.
Near-duplicate titles are only "possible" until a person confirms or rejects them. A merged paper
points at its canonical paper through Paper.canonical_id; counts skip papers that have one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.clock import utc_now
from tracker.errors import TrackerError
from tracker.evidence import duplicate_match as dedupe
from tracker.store import DuplicateLink, Paper, rows_in_batches


def _fingerprint(row) -> dedupe.Fingerprint:
    """What duplicate_match.fingerprint makes of the record, rebuilt from stored columns."""
    years = [y for y in (row.pub_year, row.electronic_date and row.electronic_date.year) if y]
    return dedupe.Fingerprint(
        paper_id=row.id, pmid=row.pmid, doi=row.doi_norm, pmcid=row.pmcid_norm,
        title=row.title_norm, first_author=row.first_author_norm,
        year=min(years) if years else None, notice=row.is_notice,
        linked_pmids=frozenset(link[1] for link in row.comments_corrections or () if link[1]),
    )


FINGERPRINT_COLUMNS = (
    Paper.id, Paper.pmid, Paper.doi_norm, Paper.pmcid_norm, Paper.title_norm,
    Paper.first_author_norm, Paper.pub_year, Paper.electronic_date, Paper.is_notice,
    Paper.comments_corrections,
)


class DuplicateFinder:
    """Holds the blocking index over stored papers for the length of one run."""

    def __init__(self, session: Session, threshold: float = 90.0):
        self.threshold = threshold
        rows = session.execute(select(*FINGERPRINT_COLUMNS).where(Paper.deleted.is_(False)))
        self.index = dedupe.DuplicateIndex(_fingerprint(row) for row in rows)
        self.known_pairs = set(session.execute(
            select(DuplicateLink.paper_id, DuplicateLink.other_id)
        ).all())

    def detect(self, session: Session, paper_ids: list[int], now: datetime) -> int:
        """Link the given (new) papers to what they duplicate; returns how many links were made."""
        if not paper_ids:
            return 0
        rows = rows_in_batches(
            session, lambda batch: select(*FINGERPRINT_COLUMNS).where(Paper.id.in_(batch)),
            paper_ids)
        made = 0
        for row in rows:
            fp = _fingerprint(row)
            for match in self.index.matches(fp, threshold=self.threshold):
                pair = tuple(sorted((match.paper_id, match.other_id)))
                if pair in self.known_pairs or pair[0] == pair[1]:
                    continue
                self.known_pairs.add(pair)
                sure = match.kind in ("doi", "pmcid")
                link = DuplicateLink(
                    paper_id=pair[0], other_id=pair[1], kind=match.kind, score=match.score,
                    reason=match.reason, status="confirmed" if sure else "possible",
                    decided_by=f"rule:{match.kind}" if sure else None,
                    decided_at=now if sure else None, found_at=now,
                )
                session.add(link)
                if sure:
                    merge(session, pair[0], pair[1])
                made += 1
            self.index.add(fp)
        session.flush()
        return made


def detect_for_papers(session: Session, paper_ids: list[int], now: datetime | None = None) -> int:
    """One-off detection (a fresh index); runs that store many batches keep a DuplicateFinder."""
    return DuplicateFinder(session).detect(session, paper_ids, now or utc_now())


def canonical_root(session: Session, paper_id: int) -> int:
    seen = set()
    while paper_id not in seen:
        seen.add(paper_id)
        parent = session.scalar(select(Paper.canonical_id).where(Paper.id == paper_id))
        if parent is None:
            return paper_id
        paper_id = parent
    return paper_id


def merge(session: Session, first_id: int, second_id: int) -> None:
    """Count the two as one: the older PubMed record (lower PMID) stays canonical."""
    roots = {canonical_root(session, first_id), canonical_root(session, second_id)}
    if len(roots) == 1:
        return
    pmids = dict(session.execute(select(Paper.id, Paper.pmid).where(Paper.id.in_(roots))).all())
    keep, fold = sorted(roots, key=lambda paper_id: (len(pmids[paper_id]), pmids[paper_id]))
    for paper in session.scalars(
        select(Paper).where(or_(Paper.id == fold, Paper.canonical_id == fold))
    ):
        paper.canonical_id = keep


def unmerge(session: Session, first_id: int, second_id: int) -> None:
    for paper_id, other_id in ((first_id, second_id), (second_id, first_id)):
        paper = session.get(Paper, paper_id)
        if paper.canonical_id == other_id or (
            paper.canonical_id is not None
            and paper.canonical_id == canonical_root(session, other_id)
        ):
            paper.canonical_id = None


@dataclass(frozen=True)
class DuplicateRow:
    id: int
    status: str
    kind: str
    score: float
    reason: str
    pmid: str
    other_pmid: str
    title: str
    other_title: str
    decided_by: str | None
    note: str | None


def list_links(session: Session, status: str | None = None) -> list[DuplicateRow]:
    query = select(DuplicateLink).order_by(DuplicateLink.score.desc(), DuplicateLink.id)
    if status:
        query = query.where(DuplicateLink.status == status)
    rows = []
    for link in session.scalars(query):
        a, b = session.get(Paper, link.paper_id), session.get(Paper, link.other_id)
        rows.append(DuplicateRow(
            id=link.id, status=link.status, kind=link.kind, score=link.score, reason=link.reason,
            pmid=a.pmid, other_pmid=b.pmid, title=a.title, other_title=b.title,
            decided_by=link.decided_by, note=link.note,
        ))
    return rows


def decide(
    session: Session, link_id: int, decision: str, *, who: str, note: str | None, now: datetime
) -> DuplicateLink:
    """A person's decision on a duplicate link: confirm merges, reject separates for good."""
    if decision not in ("confirm", "reject"):
        raise TrackerError(f"decision must be confirm or reject, not {decision!r}")
    longest = DuplicateLink.__table__.c.decided_by.type.length
    if len(who) > longest:  # PostgreSQL would refuse it where SQLite silently keeps it
        raise TrackerError(f"--by: a name of at most {longest} characters, not {len(who)}")
    link = session.get(DuplicateLink, link_id)
    if link is None:
        raise TrackerError(f"no duplicate link {link_id}; `tracker duplicates list` shows them")
    link.status = "confirmed" if decision == "confirm" else "rejected"
    link.decided_by, link.decided_at, link.note = who, now, note
    if decision == "confirm":
        merge(session, link.paper_id, link.other_id)
    else:
        unmerge(session, link.paper_id, link.other_id)
    session.flush()
    return link
