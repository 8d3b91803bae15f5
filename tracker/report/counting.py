"""One counting rule for every count the tracker prints (docs/report-json.md, "Counting rule").

The report and the CLI both count through here: a paper counts for a therapy when it is linked
to it (a merged duplicate's links count for its canonical paper), canonical, not deleted, not
excluded, not retracted, not a notice, and not the newer side of a "possible" duplicate pair
that no reviewer has decided yet (the pair counts once, as its older PMID).
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker.report.build import counts_as_evidence, load_papers
from tracker.store import DuplicateLink, Paper, TherapyPaper, scalars_in_batches


def pmid_order(pmid: str) -> tuple[int, str]:
    return (int(pmid), pmid) if pmid.isdigit() else (10**12, pmid)


def possible_duplicates(session: Session, papers: dict[int, Paper]) -> dict[int, str]:
    """Paper id -> the older PMID it may duplicate, for undecided ("possible") pairs of papers
    that both still count; the newer one is left out of counts until a reviewer decides."""
    ids = list(papers)
    links = []
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        links += session.execute(
            select(DuplicateLink.paper_id, DuplicateLink.other_id)
            .where(DuplicateLink.status == "possible")
            .where(DuplicateLink.paper_id.in_(chunk) | DuplicateLink.other_id.in_(chunk))
        ).all()
    missing = {i for pair in links for i in pair} - set(papers)
    others = dict(papers)
    if missing:
        for paper in scalars_in_batches(
                session, lambda batch: select(Paper).where(Paper.id.in_(batch)), missing):
            others[paper.id] = paper
    doubtful: dict[int, str] = {}
    for one, other in links:
        a, b = others.get(one), others.get(other)
        if a is None or b is None or not (counts_as_evidence(a) and counts_as_evidence(b)):
            continue
        older, newer = sorted((a, b), key=lambda p: pmid_order(p.pmid))
        if newer.id not in doubtful or pmid_order(older.pmid) < pmid_order(doubtful[newer.id]):
            doubtful[newer.id] = older.pmid
    return doubtful


def counted_papers(session: Session, therapy_ids: list[str]):
    """(papers, links, counted, doubtful): every paper linked to the therapies, the therapy ids
    of each (merged links moved to the canonical paper), those that count, and the possible
    duplicates left out (paper id -> older PMID)."""
    papers, links = load_papers(session, therapy_ids)
    doubtful = possible_duplicates(session, papers)
    counted = {
        pid: p for pid, p in papers.items() if counts_as_evidence(p) and pid not in doubtful
    }
    return papers, links, counted, doubtful


def tracked_and_counted(session: Session, therapy_ids: list[str]) -> dict[str, tuple[int, int]]:
    """Per therapy: papers its searches found (stored in any state), and those that count."""
    tracked = dict(session.execute(
        select(TherapyPaper.therapy_id, func.count())
        .where(TherapyPaper.therapy_id.in_(therapy_ids))
        .group_by(TherapyPaper.therapy_id)
    ).all())
    _, links, counted, _ = counted_papers(session, therapy_ids)
    return {
        t: (tracked.get(t, 0), sum(1 for pid in counted if t in links.get(pid, ())))
        for t in therapy_ids
    }
