"""Coverage: which days each therapy has been searched, so an unpolled day is never reported as
a day with nothing new.

Successful polls record the window they searched per therapy (SearchedWindow; a start of None
means the therapy's whole history, no lower date bound). Coverage of [since, until] is the union
of those windows; what is left over are the gaps.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import SearchedWindow

Interval = tuple[date | None, date]  # (first day or None for "no lower bound", last day)


@dataclass(frozen=True)
class Gap:
    """Days in the asked window that were never searched for a therapy."""

    therapy: str
    since: date
    until: date

    def to_dict(self) -> dict:
        return {"therapy": self.therapy, "since": self.since.isoformat(),
                "until": self.until.isoformat()}


@dataclass(frozen=True)
class Coverage:
    complete: bool
    polled_through: date | None  # earliest across the therapies; None if one was never polled
    gaps: list[Gap] = field(default_factory=list)
    history_complete: frozenset[str] = frozenset()  # therapies searched with no lower bound

    def gaps_of(self, therapy_id: str) -> list[Gap]:
        return [g for g in self.gaps if g.therapy == therapy_id]

    def to_dict(self) -> dict:
        return {
            "complete": self.complete,
            "polled_through": self.polled_through.isoformat() if self.polled_through else None,
            "gaps": [g.to_dict() for g in self.gaps],
        }


def merge(intervals: list[Interval]) -> list[Interval]:
    """Overlapping or touching day intervals joined, in order."""
    ordered = sorted(intervals, key=lambda i: (i[0] or date.min, i[1]))
    merged: list[Interval] = []
    for start, end in ordered:
        if merged and (start is None or start <= merged[-1][1] + timedelta(days=1)):
            first, last = merged[-1]
            merged[-1] = (first, max(last, end))
        else:
            merged.append((start, end))
    return merged


def uncovered(intervals: list[Interval], since: date, until: date) -> list[tuple[date, date]]:
    """The parts of [since, until] no interval covers."""
    gaps = []
    day = since
    for start, end in merge(intervals):
        if day > until:
            break
        if end < day:
            continue
        if start is not None and start > day:
            gaps.append((day, min(until, start - timedelta(days=1))))
        day = max(day, end + timedelta(days=1))
    if day <= until:
        gaps.append((day, until))
    return gaps


def searched_windows(session: Session, therapy_ids: list[str]) -> dict[str, list[Interval]]:
    """Each therapy's searched windows, merged."""
    found: dict[str, list[Interval]] = defaultdict(list)
    for therapy_id, start, end in session.execute(
        select(SearchedWindow.therapy_id, SearchedWindow.start, SearchedWindow.end)
        .where(SearchedWindow.therapy_id.in_(therapy_ids))
    ):
        found[therapy_id].append((start, end))
    return {t: merge(found.get(t, [])) for t in therapy_ids}


def coverage(session: Session, therapy_ids: list[str], since: date, until: date) -> Coverage:
    """Whether every day of [since, until] was searched for every therapy, and where not."""
    windows = searched_windows(session, list(therapy_ids))
    gaps = [
        Gap(therapy_id, start, end)
        for therapy_id in therapy_ids
        for start, end in uncovered(windows[therapy_id], since, until)
    ]
    ends = [merged[-1][1] if merged else None for merged in windows.values()]
    polled_through = None if not ends or None in ends else min(ends)
    history = frozenset(t for t, merged in windows.items() if merged and merged[0][0] is None)
    return Coverage(complete=not gaps, polled_through=polled_through, gaps=gaps,
                    history_complete=history)


def record_window(session: Session, therapy_id: str, start: date | None, end: date, *,
                  run_id: int | None, searched_at) -> None:
    """Note that a run searched these days for a therapy and stored all it found."""
    session.add(SearchedWindow(therapy_id=therapy_id, start=start, end=end, run_id=run_id,
                               searched_at=searched_at))
