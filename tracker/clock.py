"""The one clock: timestamps are taken and stored in UTC, and shown in local time.

A naive datetime means local wall time, as `datetime.now()` gives it (and as Python's own
`astimezone()` reads it); stored timestamps come back from the database as aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utc_now() -> datetime:
    """Now, aware, in UTC: what every stored timestamp is taken from."""
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """The same instant, aware, in UTC (a naive `moment` is local wall time)."""
    return moment.astimezone(UTC)


def local(moment: datetime, zone: str | None = None) -> datetime:
    """The same instant in the named zone, or the machine's local zone."""
    return moment.astimezone(ZoneInfo(zone) if zone else None)


def local_day(moment: datetime) -> date:
    """The local calendar day of an instant: the day a person would say it happened."""
    return moment.astimezone().date()


def local_stamp(moment: datetime | None, zone: str | None = None, missing: str = "") -> str:
    """A time for people, to the minute, with its offset so no reader mistakes the zone."""
    if moment is None:
        return missing
    shown = local(moment, zone)
    return f"{shown:%Y-%m-%d %H:%M} {offset(shown)}"


def local_iso(moment: datetime | None) -> str | None:
    """A time for machines (JSON): ISO 8601 in local time with its UTC offset."""
    return local(moment).isoformat(timespec="seconds") if moment else None


def offset(moment: datetime) -> str:
    """'UTC', or 'UTC+05:30' / 'UTC-04:00' for an aware local time."""
    delta = moment.utcoffset()
    if not delta:
        return "UTC"
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{mins:02d}"
