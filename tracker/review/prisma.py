"""PRISMA-style screening counts per period and per therapy, from the stored papers.

    identified           papers a therapy's query found whose create date is in the window
    duplicates_removed   of those, records merged into another (canonical_id set)
    screened             identified minus duplicates
    excluded             screened papers a reviewer excluded, also by reason
    included             screened papers a reviewer included
    awaiting             screened papers with no include/exclude yet (undecided or deferred)

Notices and records PubMed withdrew are not papers and are not counted. A therapy never polled
through the window's start is "not polled" (None), never 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from tracker.clock import local_day
from tracker.store import Paper, TherapyPaper, Watermark
from tracker.store.days import LONG_WINDOW, created_between, created_in

FIELDS = ("identified", "duplicates_removed", "screened", "excluded", "included", "awaiting")


@dataclass(frozen=True)
class Screened:
    """One paper found by one therapy, as the counts see it."""

    therapy_id: str
    paper_id: int
    entered: date
    duplicate: bool
    inclusion: str
    exclusion_reason: str | None


def count(rows: Iterable[Screened]) -> dict:
    """The PRISMA counts of some rows; a paper found by several therapies counts once."""
    papers = {row.paper_id: row for row in rows}.values()
    return grouped_count(Counter((p.duplicate, p.inclusion) for p in papers),
                         (p.exclusion_reason for p in papers
                          if not p.duplicate and p.inclusion == "excluded"))


def load_screened(session: Session, therapy_ids: Iterable[str] | None = None,
                  window: tuple[date, date] | None = None) -> list[Screened]:
    """The screened links; with a window, only those of papers created in it (what
    prisma_counts counts), so a report's PRISMA block does not read every paper."""
    query = (
        select(TherapyPaper.therapy_id, Paper.id, Paper.entrez_date, Paper.pubmed_date,
               Paper.first_seen_at, Paper.canonical_id, Paper.inclusion, Paper.exclusion_reason)
        .join(Paper, Paper.id == TherapyPaper.paper_id)
        .where(Paper.deleted.is_(False), Paper.notice_kind.is_(None))
    )
    if therapy_ids is not None:
        query = query.where(TherapyPaper.therapy_id.in_(list(therapy_ids)))
    if window is not None:
        query = query.where(created_between(*window))
    return [
        Screened(therapy_id=r.therapy_id, paper_id=r.id,
                 entered=r.entrez_date or r.pubmed_date or local_day(r.first_seen_at),
                 duplicate=r.canonical_id is not None, inclusion=r.inclusion,
                 exclusion_reason=r.exclusion_reason)
        for r in session.execute(query)
    ]


def polled_through(session: Session) -> dict[str, date]:
    return dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())


def prisma_counts(
    rows: list[Screened], therapy_ids: list[str], watermarks: dict[str, date],
    since: date, until: date,
) -> dict:
    """Counts for [since, until]: in total and per therapy (None where never polled)."""
    window = [r for r in rows if since <= r.entered <= until]
    by_therapy: dict[str, dict | None] = {}
    for therapy_id in therapy_ids:
        mark = watermarks.get(therapy_id)
        mine = [r for r in window if r.therapy_id == therapy_id]
        never_polled = (mark is None or mark < since) and not mine
        by_therapy[therapy_id] = None if never_polled else count(mine)
    polled = [t for t in therapy_ids if by_therapy[t] is not None]
    total = count(r for r in window if r.therapy_id in polled) if polled else None
    return {"since": since.isoformat(), "until": until.isoformat(), "total": total,
            "by_therapy": by_therapy}


def prisma_for_report(session: Session, therapy_ids: list[str], since: date, until: date) -> dict:
    """The report's PRISMA block for its window and therapies: prisma_counts' figures, counted
    in SQL, so a long window does not bring every paper into Python."""
    def screened(*columns, therapies):
        return (select(*columns).select_from(TherapyPaper)
                .join(Paper, Paper.id == TherapyPaper.paper_id)
                .where(TherapyPaper.therapy_id.in_(therapies), Paper.deleted.is_(False),
                       Paper.notice_kind.is_(None), created_in(session, since, until)))

    duplicate = Paper.canonical_id.is_not(None).label("duplicate")
    groups: dict[str, Counter] = {t: Counter() for t in therapy_ids}
    for therapy_id, is_duplicate, inclusion, papers in session.execute(
        screened(TherapyPaper.therapy_id, duplicate, Paper.inclusion, func.count(),
                 therapies=therapy_ids)
        .group_by(TherapyPaper.therapy_id, duplicate, Paper.inclusion)
    ):
        groups[therapy_id][bool(is_duplicate), inclusion] += papers
    reasons: dict[str, dict[int, str]] = {t: {} for t in therapy_ids}  # the few excluded
    for therapy_id, paper_id, reason in session.execute(screened(
        TherapyPaper.therapy_id, Paper.id, Paper.exclusion_reason, therapies=therapy_ids,
    ).where(Paper.inclusion == "excluded", Paper.canonical_id.is_(None))):
        reasons[therapy_id][paper_id] = reason
    watermarks = polled_through(session)
    by_therapy: dict[str, dict | None] = {}
    for therapy_id in therapy_ids:
        mark = watermarks.get(therapy_id)
        never_polled = (mark is None or mark < since) and not groups[therapy_id]
        by_therapy[therapy_id] = None if never_polled else grouped_count(
            groups[therapy_id], reasons[therapy_id].values())
    polled = [t for t in therapy_ids if by_therapy[t] is not None]
    total = None
    if polled:  # each paper once, whichever therapies found it: papers with a link, not links
        linked = TherapyPaper.therapy_id.in_(polled)
        if until - since >= LONG_WINDOW:  # most papers are in it: one list of linked papers
            found = Paper.id.in_(select(TherapyPaper.paper_id).where(linked))
        else:  # a lookup per window paper: SQLite would first list every linked paper, which
            # grew with the store (51 ms of a one-week report at 100,000 papers, now 2 ms)
            found = exists().where(TherapyPaper.paper_id == Paper.id, linked)
        overall = Counter({(bool(is_duplicate), inclusion): papers
                           for is_duplicate, inclusion, papers in session.execute(
            select(duplicate, Paper.inclusion, func.count())
            .where(found, Paper.deleted.is_(False), Paper.notice_kind.is_(None),
                   created_in(session, since, until))
            .group_by(duplicate, Paper.inclusion))})
        total = grouped_count(overall, {paper_id: reason for t in polled
                                        for paper_id, reason in reasons[t].items()}.values())
    return {"since": since.isoformat(), "until": until.isoformat(), "total": total,
            "by_therapy": by_therapy}


def grouped_count(groups: Counter, excluded_reasons: Iterable[str | None]) -> dict:
    """count()'s figures from papers per (duplicate, inclusion), and the excluded papers'
    reasons."""
    identified = sum(groups.values())
    duplicates = sum(n for (is_duplicate, _), n in groups.items() if is_duplicate)
    screened = identified - duplicates
    excluded = sum(n for (is_duplicate, inclusion), n in groups.items()
                   if not is_duplicate and inclusion == "excluded")
    included = sum(n for (is_duplicate, inclusion), n in groups.items()
                   if not is_duplicate and inclusion == "included")
    reasons = Counter((reason or "no reason given").split(":")[0]
                      for reason in excluded_reasons)
    return {
        "identified": identified, "duplicates_removed": duplicates, "screened": screened,
        "excluded": excluded, "excluded_by_reason": dict(sorted(reasons.items())),
        "included": included, "awaiting": screened - excluded - included,
    }
