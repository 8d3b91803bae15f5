"""Per-therapy evidence snapshots over time, derived from the stored papers (so always rebuildable).

A snapshot covers one period (an ISO week, Monday to Sunday, or a calendar month). The first period
starts on the baseline date; papers that entered PubMed before it form the baseline cumulative.
The last period ends on `until`, so it may be partial.

What counts as evidence: canonical papers (canonical_id IS NULL) linked to the therapy, not
deleted, not excluded by a reviewer, not notices (notice_kind set) and not retracted. A paper's
period is the one holding its create date (entrez_date, [crdt]). Levels are today's levels, so the
series is the evidence profile as now known, laid out by when each paper appeared.

`retracted` is the number of the therapy's papers retracted by the end of the period; a paper is
retracted on the create date of its stored retraction notice, else on the day the tracker saw the
retraction (PaperChange "retracted"), else on the record's revision date.

Events, each {kind, level?, text, count}:
    first_rct                  the therapy's first randomised controlled trial
    first_systematic_review    its first systematic review / meta-analysis
    systematic_reviews_doubled the count reached 2x, 4x, ... the baseline count (or the first one)
    rct_milestone              the count of RCTs reached 10, 25, 50 or 100 (trials: the papers of
                               one trial count once, as in the report)
    retractions                N of its papers were retracted in the period
"""

from __future__ import annotations

import calendar
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.clock import local_day, utc_now
from tracker.evidence.coverage import coverage
from tracker.evidence.levels import LEVELS_BY_RANK, Level
from tracker.evidence.notice_links import WITHDRAWING
from tracker.evidence.trials import trial_keys
from tracker.store import (
    NoticeLink,
    Paper,
    PaperChange,
    Snapshot,
    Therapy,
    TherapyPaper,
    rows_in_batches,
)

PERIODS = ("week", "month")
RCT_MILESTONES = (10, 25, 50, 100)
RCT = Level.RCT.value
REVIEW = Level.SYSTEMATIC_REVIEW.value
_LEVEL_ORDER = {level.value: i for i, level in enumerate(LEVELS_BY_RANK)}


def period_bounds(day: date, period: str = "week") -> tuple[date, date]:
    """The period holding `day`: (Monday, Sunday) or (first, last day of the month), inclusive."""
    if period == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if period == "month":
        last = calendar.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")


def periods(start: date, until: date, period: str = "week") -> list[tuple[date, date]]:
    """Consecutive periods from `start` to `until`; the first and last are clipped to them."""
    found = []
    day = start
    while day <= until:
        _, end = period_bounds(day, period)
        found.append((day, min(end, until)))
        day = end + timedelta(days=1)
    return found


@dataclass(frozen=True)
class Counted:
    """One paper as the snapshots see it."""

    therapy_id: str
    level: str
    entered: date
    retracted_on: date | None  # None: not retracted
    trials: frozenset[str] = frozenset()  # keys of the trials it reports; none: its own trial


def rebuild_snapshots(
    session: Session,
    baseline: Baseline,
    *,
    period: str = "week",
    until: date,
    now: datetime | None = None,
) -> int:
    """Delete every snapshot and rebuild them from the papers; returns the rows written."""
    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r} (known: {', '.join(PERIODS)})")
    built_at = now or utc_now()
    start = baseline.start_date
    stored = set(session.scalars(select(Therapy.id)))
    therapies = [t for t in baseline.therapies if t.id in stored]
    papers = _counted_papers(session)
    by_therapy: dict[str, list[Counted]] = defaultdict(list)
    for paper in papers:
        by_therapy[paper.therapy_id].append(paper)
    history = coverage(session, [t.id for t in therapies], until, until).history_complete
    session.execute(delete(Snapshot))
    spans = periods(start, until, period)
    written = 0
    for therapy in therapies:
        for row in therapy_series(therapy.name, by_therapy[therapy.id], spans, start):
            row["events"] = [worded_for_history(e, therapy.id in history)
                             for e in row["events"]]
            session.add(Snapshot(therapy_id=therapy.id, built_at=built_at, **row))
            written += 1
    session.flush()
    return written


def therapy_series(
    name: str, papers: Iterable[Counted], spans: list[tuple[date, date]], start: date
) -> list[dict]:
    """One therapy's snapshot values per period, events included: plain data in and out."""
    papers = list(papers)
    counted = [p for p in papers if p.retracted_on is None]
    cumulative = Counter(p.level for p in counted if p.entered < start)
    baseline_reviews = cumulative[REVIEW]
    retracted_dates = sorted(p.retracted_on for p in papers if p.retracted_on is not None)
    trials = RctTrials()
    trials.add(p for p in counted if p.entered < start)
    rows = []
    for first, last in spans:
        entering = [p for p in counted if first <= p.entered <= last]
        new = Counter(p.level for p in entering)
        before = Counter(cumulative)
        trials_before = trials.count
        cumulative.update(new)
        trials.add(entering)
        retracted_now = sum(1 for d in retracted_dates if first <= d <= last)
        rows.append({
            "period_start": first,
            "period_end": last,
            "new_by_level": _ordered(new),
            "cumulative_by_level": _ordered(cumulative),
            "retracted": sum(1 for d in retracted_dates if d <= last),
            # RCT events count trials, as the report's do: a trial's papers count once
            "events": events(name, with_trials(before, trials_before),
                             with_trials(cumulative, trials.count), baseline_reviews,
                             retracted_now),
        })
    return rows


def with_trials(profile: Counter, trials: int) -> Counter:
    """A profile whose RCT count is of trials rather than papers."""
    counted = Counter(profile)
    counted[RCT] = trials
    return counted


class RctTrials:
    """Distinct randomised controlled trials among papers added so far: a paper counts as the
    trials it reports, or as a trial of its own when it reports none (the report's rule)."""

    def __init__(self) -> None:
        self.keys: set[str] = set()
        self.alone = 0

    def add(self, papers: Iterable[Counted]) -> None:
        for paper in papers:
            if paper.level != RCT:
                continue
            if paper.trials:
                self.keys |= paper.trials
            else:
                self.alone += 1

    @property
    def count(self) -> int:
        return len(self.keys) + self.alone


HISTORY_EVENTS = ("first_rct", "first_systematic_review")


def worded_for_history(event: dict, history_complete: bool) -> dict:
    """A "first ..." is only true of PubMed when the therapy's whole history was searched;
    otherwise it is the first since tracking began, and says so."""
    if event["kind"] in HISTORY_EVENTS and not history_complete:
        return {**event, "text": event["text"].removesuffix(".") + " since tracking began."}
    return event


def events(
    name: str, before: Counter, after: Counter, baseline_reviews: int, retracted: int
) -> list[dict]:
    """The documented events between two cumulative profiles of one therapy."""
    found = []
    if before[RCT] == 0 and after[RCT] > 0:
        found.append({"kind": "first_rct", "level": RCT, "count": after[RCT],
                      "text": f"{name} has its first randomised controlled trial."})
    if before[REVIEW] == 0 and after[REVIEW] > 0:
        found.append({"kind": "first_systematic_review", "level": REVIEW, "count": after[REVIEW],
                      "text": f"{name} has its first systematic review or meta-analysis."})
    reference = baseline_reviews or 1
    factor = 2
    reached = 0
    while reference * factor <= after[REVIEW]:
        if before[REVIEW] < reference * factor:
            reached = factor
        factor *= 2
    if reached:
        times = "twice" if reached == 2 else f"{reached} times"
        if baseline_reviews:
            compared = f"{times} the {reference} it had at the baseline date"
        else:
            compared = f"{times} as many as when its first one appeared"
        found.append({
            "kind": "systematic_reviews_doubled", "level": REVIEW, "count": after[REVIEW],
            "text": f"{name} now has {after[REVIEW]} systematic reviews or meta-analyses, "
                    f"{compared}.",
        })
    passed = [m for m in RCT_MILESTONES if before[RCT] < m <= after[RCT]]
    if passed:
        found.append({"kind": "rct_milestone", "level": RCT, "count": after[RCT],
                      "text": f"{name} now has {after[RCT]} randomised controlled trials, "
                              f"past the mark of {passed[-1]}."})
    if retracted:
        papers = "paper on" if retracted == 1 else "papers on"
        verb = "was" if retracted == 1 else "were"
        found.append({"kind": "retractions", "count": retracted,
                      "text": f"{retracted} {papers} {name} {verb} retracted."})
    return found


def load_snapshots(
    session: Session, therapy_ids: Iterable[str] | None, since: date, until: date
) -> dict[str, list[Snapshot]]:
    """Snapshots whose period overlaps [since, until], per therapy, oldest first."""
    query = select(Snapshot).where(Snapshot.period_end >= since, Snapshot.period_start <= until)
    wanted = list(therapy_ids) if therapy_ids is not None else None
    if wanted is not None:
        query = query.where(Snapshot.therapy_id.in_(wanted))
    found: dict[str, list[Snapshot]] = {t: [] for t in wanted or ()}
    for snapshot in session.scalars(query.order_by(Snapshot.therapy_id, Snapshot.period_start)):
        found.setdefault(snapshot.therapy_id, []).append(snapshot)
    return found


def _counted_papers(session: Session) -> list[Counted]:
    rows = session.execute(
        select(
            TherapyPaper.therapy_id, Paper.id, Paper.pmid, Paper.level, Paper.retracted,
            Paper.entrez_date, Paper.pubmed_date, Paper.first_seen_at, Paper.date_revised,
        )
        .join(Paper, Paper.id == TherapyPaper.paper_id)
        .where(
            Paper.canonical_id.is_(None), Paper.deleted.is_(False),
            Paper.inclusion != "excluded", Paper.notice_kind.is_(None),
        )
    ).all()
    retracted = {row.id: row for row in rows if row.retracted}
    when = _retraction_dates(session, retracted)
    trials = trial_keys(session)
    return [
        Counted(
            therapy_id=row.therapy_id, level=row.level,
            entered=row.entrez_date or row.pubmed_date or local_day(row.first_seen_at),
            retracted_on=when.get(row.id) if row.retracted else None,
            trials=frozenset(trials.get(row.id, ())),
        )
        for row in rows
    ]


def _retraction_dates(session: Session, rows: dict[int, object]) -> dict[int, date]:
    """Paper id -> the day it counts as retracted (see the module docstring)."""
    if not rows:
        return {}
    ids = sorted(rows)
    pmid_to_id = {row.pmid: paper_id for paper_id, row in rows.items()}
    when: dict[int, date] = {}
    notice = Paper.__table__.alias("notice")

    def notices_of(pmids: list[str]):
        return (select(NoticeLink.paper_pmid, notice.c.entrez_date)
                .join(notice, notice.c.pmid == NoticeLink.notice_pmid)
                .where(NoticeLink.kind.in_(sorted(WITHDRAWING)),
                       NoticeLink.paper_pmid.in_(pmids)))

    def retraction_changes(paper_ids: list[int]):  # a paper's changes all in its own batch
        return (select(PaperChange.paper_id, PaperChange.changed_at, PaperChange.new)
                .where(PaperChange.field == "retracted", PaperChange.paper_id.in_(paper_ids))
                .order_by(PaperChange.changed_at))

    for paper_pmid, created in rows_in_batches(session, notices_of, sorted(pmid_to_id)):
        paper_id = pmid_to_id[paper_pmid]
        if created is not None and (paper_id not in when or created < when[paper_id]):
            when[paper_id] = created
    for paper_id, changed_at, new in rows_in_batches(session, retraction_changes, ids):
        if new is True and paper_id not in when:
            when[paper_id] = local_day(changed_at)
    for paper_id, row in rows.items():
        if paper_id not in when:
            when[paper_id] = row.date_revised or row.entrez_date or local_day(row.first_seen_at)
    return when


def _ordered(counts: Counter) -> dict[str, int]:
    """Non-zero counts, strongest level first, so the stored JSON reads the same every time."""
    return {
        level: counts[level]
        for level in sorted(counts, key=lambda lv: (_LEVEL_ORDER.get(lv, 99), lv))
        if counts[level]
    }
