"""What one subscriber's digest says for one period, as plain data built from the report.

The digest reuses the report's counting rule (tracker.report.build): the same papers, levels,
events and notices, cut to the subscriber's therapies, period and maximum number of items.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.clock import local
from tracker.evidence import period_bounds
from tracker.report import Report, build_report
from tracker.report.build import HIGHLIGHT_LEVELS, NoticeItem, PaperItem
from tracker.review import queue_state


def last_complete_period(today: date, period: str) -> tuple[date, date]:
    """The latest week (Monday to Sunday) or calendar month that ended before today."""
    current_start, _ = period_bounds(today, period)
    return period_bounds(current_start - timedelta(days=1), period)


@dataclass(frozen=True)
class Coverage:
    """Which days of the period were searched: "data complete through" and the gaps."""

    complete: bool
    polled_through: date | None  # None: never polled
    gaps: tuple[str, ...]

    def to_dict(self) -> dict:
        return {
            "complete": self.complete,
            "polled_through": self.polled_through.isoformat() if self.polled_through else None,
            "gaps": list(self.gaps),
        }


def coverage_view(report: Report, names: dict[str, str]) -> Coverage:
    """The report's coverage said for a reader: each gap named by therapy and days."""
    found = report.coverage
    if found is None:
        return Coverage(complete=False, polled_through=None, gaps=("coverage unknown",))
    gaps = []
    for gap in found.gaps:
        days = str(gap.since) if gap.since == gap.until else f"{gap.since} to {gap.until}"
        gaps.append(f"{names.get(gap.therapy, gap.therapy)}: {days} not polled")
    return Coverage(complete=found.complete, polled_through=found.polled_through,
                    gaps=tuple(gaps))


@dataclass(frozen=True)
class TherapyChange:
    id: str
    name: str
    new_total: int
    previous_total: int
    new_by_level: tuple[tuple[str, int], ...]  # (level label, count), strongest first, non-zero
    events: tuple[str, ...]

    @property
    def change(self) -> int:
        return self.new_total - self.previous_total


@dataclass(frozen=True)
class Digest:
    email: str
    frequency: str
    since: date
    until: date
    previous_since: date
    previous_until: date
    generated_at: datetime
    coverage: Coverage
    therapies: tuple[TherapyChange, ...]
    highlights: tuple[PaperItem, ...]  # systematic reviews, meta-analyses and RCTs shown
    papers: tuple[PaperItem, ...]  # the other papers shown, strongest evidence first
    more: int  # papers over the subscriber's maximum, left to the full report
    notices: tuple[NoticeItem, ...]
    alerts: tuple[str, ...]
    therapy_names: dict[str, str]
    demo: bool
    report: Report = field(repr=False)
    queue: dict | None = None  # the review queue's state: waiting papers, the oldest's day

    @property
    def is_empty(self) -> bool:
        """Nothing new: no paper, notice, event or alert in the period."""
        return not (self.highlights or self.papers or self.notices or self.alerts
                    or any(t.events for t in self.therapies))

    @property
    def active_therapies(self) -> tuple[TherapyChange, ...]:
        """Therapies with new papers or evidence events: each gets its own block."""
        return tuple(t for t in self.therapies if t.new_total or t.events)

    @property
    def quiet_therapies(self) -> tuple[TherapyChange, ...]:
        """Therapies with nothing new: listed on one line, so the news is not buried."""
        return tuple(t for t in self.therapies if not (t.new_total or t.events))

    @property
    def total_papers(self) -> int:
        return len(self.highlights) + len(self.papers) + self.more

    def names(self, therapy_ids) -> str:
        return ", ".join(self.therapy_names.get(t, t) for t in therapy_ids)

    def to_dict(self) -> dict:
        def paper(p: PaperItem) -> dict:
            return {"pmid": p.pmid, "title": p.title, "level": p.level, "doi": p.doi,
                    "pubmed_url": p.pubmed_url, "doi_url": p.doi_url,
                    "therapies": list(p.therapies)}

        return {
            "email": self.email, "frequency": self.frequency,
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "coverage": self.coverage.to_dict(),
            "therapies": [
                {"id": t.id, "name": t.name, "new": t.new_total, "previous": t.previous_total,
                 "new_by_level": dict(t.new_by_level), "events": list(t.events)}
                for t in self.therapies
            ],
            "highlights": [paper(p) for p in self.highlights],
            "papers": [paper(p) for p in self.papers], "more": self.more,
            "notices": [
                {"kind": n.kind, "paper_pmid": n.paper_pmid, "notice_pmid": n.notice_pmid,
                 "date": n.date.isoformat()} for n in self.notices
            ],
            "alerts": list(self.alerts), "queue": self.queue, "empty": self.is_empty,
        }


def build_digest(
    session: Session, baseline: Baseline, *, email: str, therapy_ids, frequency: str,
    period: str, since: date, until: date, max_items: int, generated_at: datetime,
) -> Digest:
    """The digest for one subscriber and period, from one report over the same window."""
    report = build_report(session, baseline, since=since, until=until,
                          therapy_ids=list(therapy_ids) or None, period=period,
                          generated_at=generated_at)
    names = {t.id: t.name for t in baseline.therapies}
    coverage = coverage_view(report, names)
    changes = tuple(
        TherapyChange(
            id=s.id, name=s.name, new_total=s.new_total, previous_total=s.previous_total,
            new_by_level=tuple((info.label, s.new_by_level[info.value]) for info in report.levels
                               if s.new_by_level.get(info.value)),
            events=s.events,
        )
        for s in report.therapies
    )
    shown = report.papers[:max_items]  # strongest evidence first
    notices = {}
    for section in report.therapies:
        for notice in section.notices:
            notices.setdefault((notice.paper_pmid, notice.notice_pmid, notice.kind), notice)
    return Digest(
        email=email, frequency=frequency, since=since, until=until,
        previous_since=report.previous_since, previous_until=report.previous_until,
        generated_at=local(generated_at), coverage=coverage, therapies=changes,
        highlights=tuple(p for p in shown if p.level in HIGHLIGHT_LEVELS),
        papers=tuple(p for p in shown if p.level not in HIGHLIGHT_LEVELS),
        more=max(0, len(report.papers) - max_items),
        notices=tuple(sorted(notices.values(), key=lambda n: (n.date, n.paper_pmid, n.kind))),
        alerts=report.alerts, therapy_names=names, demo=report.demo, report=report,
        queue=queue_state(session, therapy_ids),
    )
