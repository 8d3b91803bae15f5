"""The report's pathway section: what each pathway's own query found, by level.

A pathway is polled like a therapy (tracker.baseline.pathways), so its papers are the ones its
query finds: biomarker, mechanism, imaging and preclinical studies as well as trials. A paper can
count for a therapy and a pathway; the section says which therapies' papers also appear under
each pathway. A pathway never polled shows "not polled", never 0.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.store import Watermark


def pathway_items(session: Session, baseline: Baseline, *, since: date, until: date) -> tuple:
    """One PathwayItem per pathway with a query, counted by the papers its query found."""
    from tracker.report.build import PathwayItem, count_levels, counts_as_evidence, load_papers

    targets = baseline.pathway_targets
    if not targets:
        return ()
    therapy_names = {t.id: t.name for t in baseline.therapies}
    papers, links = load_papers(session, [t.id for t in baseline.targets])
    counted = [p for p in papers.values() if counts_as_evidence(p)]
    marks = dict(session.execute(
        select(Watermark.therapy_id, Watermark.polled_through)
        .where(Watermark.therapy_id.in_([t.id for t in targets]))
    ).all())
    items = []
    for target in targets:
        pathway = target.pathways[0]
        mine = [p for p in counted if target.id in links.get(p.id, ())]
        shared: dict[str, int] = {}
        for paper in mine:
            for therapy_id in links.get(paper.id, ()):
                if therapy_id in therapy_names:
                    name = therapy_names[therapy_id]
                    shared[name] = shared.get(name, 0) + 1
        items.append(PathwayItem(
            id=pathway, name=target.name,
            therapies=tuple(t.name for t in baseline.therapies if pathway in t.pathways),
            new_by_level=count_levels(mine, since, until),
            cumulative=sum(count_levels(mine, None, until).values()),
            polled_through=marks.get(target.id),
            shared=tuple(sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))),
        ))
    return tuple(items)
