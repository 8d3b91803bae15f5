"""Report windows: calendar periods (ISO weeks, months, quarters, years) and custom windows.

A calendar report is compared with the previous calendar period (June with May, ISO week 1 with
the last week of the year before); a custom --since/--until window with the window of the same
length just before it. Without options the report shows the last complete period that ends on
or before the last poll, so it never reads unpolled days as quiet ones.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.errors import ConfigError

CALENDAR_UNITS = ("week", "month", "quarter", "year")
CUSTOM = "custom"


@dataclass(frozen=True)
class Window:
    since: date
    until: date
    unit: str  # one of CALENDAR_UNITS, or "custom"
    previous_since: date
    previous_until: date

    @property
    def label(self) -> str:
        """How a reader names the period: 2025-W01, 2025-07, 2025-Q3, 2025, or the two days."""
        if self.unit == "week":
            year, week, _ = self.since.isocalendar()
            return f"{year}-W{week:02d}"
        if self.unit == "month":
            return f"{self.since:%Y-%m}"
        if self.unit == "quarter":
            return f"{self.since.year}-Q{(self.since.month - 1) // 3 + 1}"
        if self.unit == "year":
            return str(self.since.year)
        return f"{self.since.isoformat()} to {self.until.isoformat()}"

    @property
    def step(self) -> str:
        """The trend chart's step for a calendar period: weeks for a week, months otherwise."""
        return "week" if self.unit == "week" else "month"


def calendar_bounds(day: date, unit: str) -> tuple[date, date]:
    """The calendar period holding `day`, first and last day inclusive."""
    if unit == "week":  # ISO week: Monday to Sunday
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    if unit == "month":
        return day.replace(day=1), day.replace(day=calendar.monthrange(day.year, day.month)[1])
    if unit == "quarter":
        first_month = (day.month - 1) // 3 * 3 + 1
        last_month = first_month + 2
        return (date(day.year, first_month, 1),
                date(day.year, last_month, calendar.monthrange(day.year, last_month)[1]))
    if unit == "year":
        return date(day.year, 1, 1), date(day.year, 12, 31)
    raise ConfigError(f"unknown period {unit!r} (known: {', '.join(CALENDAR_UNITS)})")


def calendar_window(day: date, unit: str) -> Window:
    """The calendar period holding `day`, compared with the one before it."""
    since, until = calendar_bounds(day, unit)
    previous_since, previous_until = calendar_bounds(since - timedelta(days=1), unit)
    return Window(since, until, unit, previous_since, previous_until)


def last_complete(day: date, unit: str) -> Window:
    """The last calendar period that ends on or before `day`."""
    since, until = calendar_bounds(day, unit)
    return calendar_window(day if until == day else since - timedelta(days=1), unit)


def custom_window(since: date, until: date) -> Window:
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    length = (until - since).days + 1
    return Window(since, until, CUSTOM, since - timedelta(days=length),
                  since - timedelta(days=1))


def choose_window(*, since: date | None, until: date | None, unit: str | None,
                  default_unit: str, last_poll: date | None, today: date) -> Window:
    """The report's window from the command line.

    --since/--until: a custom window (--since alone ends today; --until alone starts 6 days
    before). --period with one day: the calendar period holding it. Nothing, or --period
    alone: the last complete period ending on or before the last poll (or today, never polled).
    """
    if unit is not None and since and until:
        raise ConfigError("give --period with at most one of --since/--until, or a custom "
                          "window with --since and --until alone")
    if unit is not None and (since or until):
        return calendar_window(since or until, unit)
    if since or until:
        until = until or today
        return custom_window(since or until - timedelta(days=6), until)
    return last_complete(min(last_poll or today, today), unit or default_unit)


def window_of(since: date, until: date) -> Window:
    """A window that is exactly one calendar period is that period (compared with the one
    before it); any other window is custom."""
    for unit in CALENDAR_UNITS:
        if calendar_bounds(since, unit) == (since, until):
            return calendar_window(since, unit)
    return custom_window(since, until)
