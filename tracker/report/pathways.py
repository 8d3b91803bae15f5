"""The report's pathway section: what each pathway's own query found, by level.

A pathway is polled like a therapy (tracker.baseline.pathways), so its papers are the ones its
query finds: biomarker, mechanism, imaging and preclinical studies as well as trials. A paper can
count for a therapy and a pathway; the section says which therapies' papers also appear under
each pathway. A pathway never polled shows "not polled", never 0.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.report import counting
from tracker.store import Paper, Watermark


def pathway_items(session: Session, baseline: Baseline, *, since: date, until: date) -> tuple:
    """One PathwayItem per pathway with a query, counted by the papers its query found."""
    from tracker.report.build import PathwayItem

    targets = baseline.pathway_targets
    if not targets:
        return ()
    therapy_names = {t.id: t.name for t in baseline.therapies}
    target_ids = [t.id for t in targets]
    counts, _, _ = counting.range_counts(session, target_ids, (), {
        "new": (since, until), "cumulative": (None, until)})
    marks = dict(session.execute(
        select(Watermark.therapy_id, Watermark.polled_through)
        .where(Watermark.therapy_id.in_(target_ids))
    ).all())
    items = []
    for target in targets:
        pathway = target.pathways[0]
        shared = shared_counts(session, target.id, therapy_names)
        items.append(PathwayItem(
            id=pathway, name=target.name,
            therapies=tuple(t.name for t in baseline.therapies if pathway in t.pathways),
            new_by_level=counts[target.id]["new"],
            cumulative=sum(counts[target.id]["cumulative"].values()),
            polled_through=marks.get(target.id),
            shared=tuple(sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    return tuple(items)


def shared_counts(session: Session, target_id: str, therapy_names: dict[str, str]):
    """Therapy name -> how many of the pathway's counted papers (any day) that therapy found:
    the pathway's paper ids first, then their therapy links, so no link set is scanned whole."""
    ids = sorted({paper_id for _, query in counting.counted_sources([target_id])
                  for paper_id in session.scalars(query.add_columns(Paper.id))})
    shared: dict[str, int] = defaultdict(int)
    links = counting.links_of(session, ids, list(therapy_names))
    for paper_id in ids:
        for therapy_id in links.get(paper_id, ()):
            shared[therapy_names[therapy_id]] += 1
    return dict(shared)
