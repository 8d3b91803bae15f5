"""Re-deriving every stored paper's evidence from its raw record, offline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker.evidence.classify import classify
from tracker.store import Paper, PaperChange, decompress


def reclassify_all(session: Session, *, now: datetime, run_id: int | None = None) -> dict[str, int]:
    """Re-derive every paper's evidence columns from its stored raw record; no network."""
    from tracker.pubmed.parse import record_from_raw

    counts = {"papers": 0, "changed": 0}
    for paper in session.scalars(select(Paper)).yield_per(500):
        record = record_from_raw(decompress(paper.raw_xml))
        found = classify(record)
        counts["papers"] += 1
        new = {
            "level": found.level.value, "level_rank": found.level.rank,
            "level_source": found.source, "level_confidence": found.confidence,
            "level_reason": found.reason, "design": found.design,
            "sample_size": found.sample_size, "trial_ids": list(found.trial_ids),
            "notice_kind": found.notice_kind, "retracted": found.retracted,
            "rules_version": found.rules_version,
        }
        if paper.level != new["level"]:
            session.add(PaperChange(
                paper_id=paper.id, run_id=run_id, changed_at=now, field="level",
                old=paper.level, new=new["level"],
            ))
            counts["changed"] += 1
        session.execute(update(Paper).where(Paper.id == paper.id).values(**new))
    # a paper retracted only through a notice's link keeps its flag
    from tracker.evidence.notice_links import link_notices

    link_notices(session, session.scalars(select(Paper.id)).all(), run_id, now)
    from tracker.evidence.trials import rebuild_trials

    rebuild_trials(session, now=now)  # roles follow the re-derived records
    return counts
