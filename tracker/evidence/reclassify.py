"""Re-deriving every stored paper's evidence from its raw record, offline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tracker.evidence.classify import classify
from tracker.evidence.model import LevelModel, read_ahead
from tracker.records import PaperRecord
from tracker.store import Paper, PaperChange, decompress

BATCH = 500  # papers read and classified together: the model reads a batch in one call


def reclassify_all(session: Session, *, now: datetime, run_id: int | None = None) -> dict[str, int]:
    """Re-derive every paper's evidence columns from its stored raw record; no network.

    The store's current level model takes part for papers not yet indexed; counts say who
    decided: "rules" alone, "rules_and_model", "model" alone, and "disagreements".
    """
    from tracker.evidence.training import load_current_model
    from tracker.pubmed.parse import record_from_raw

    model = load_current_model(session)
    counts = {"papers": 0, "changed": 0, "rules": 0, "rules_and_model": 0, "model": 0,
              "disagreements": 0, "model_version": model.version if model else None}
    batch: list[tuple[Paper, PaperRecord]] = []
    for paper in session.scalars(select(Paper)).yield_per(BATCH):
        batch.append((paper, record_from_raw(decompress(paper.raw_xml))))
        if len(batch) == BATCH:
            _reclassify_batch(session, batch, model, counts, now, run_id)
            batch = []
    _reclassify_batch(session, batch, model, counts, now, run_id)
    # a paper retracted only through a notice's link keeps its flag
    from tracker.evidence.notice_links import link_notices

    link_notices(session, session.scalars(select(Paper.id)).all(), run_id, now)
    from tracker.evidence.trials import rebuild_trials

    rebuild_trials(session, now=now)  # roles follow the re-derived records
    return counts


def _reclassify_batch(session: Session, batch: list[tuple[Paper, PaperRecord]],
                      model: LevelModel | None, counts: dict, now: datetime,
                      run_id: int | None) -> None:
    reading = read_ahead(model, [record for _, record in batch])
    for paper, record in batch:
        found = classify(record, reading)
        counts["papers"] += 1
        decided_by = ("model" if found.source == "model" else
                      "rules_and_model" if found.model_version else "rules")
        counts[decided_by] += 1
        counts["disagreements"] += found.disagreement
        new = {
            "level": found.level.value, "level_rank": found.level.rank,
            "level_source": found.source, "level_confidence": found.confidence,
            "level_reason": found.reason, "design": found.design,
            "sample_size": found.sample_size, "trial_ids": list(found.trial_ids),
            "notice_kind": found.notice_kind, "retracted": found.retracted,
            "rules_version": found.rules_version, "level_model": found.model_version,
            "level_disagreement": found.disagreement,
        }
        if paper.level != new["level"]:
            session.add(PaperChange(
                paper_id=paper.id, run_id=run_id, changed_at=now, field="level",
                old=paper.level, new=new["level"],
            ))
            counts["changed"] += 1
        session.execute(update(Paper).where(Paper.id == paper.id).values(**new))
