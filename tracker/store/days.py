"""A paper's day in SQL, the same on SQLite and PostgreSQL: its PubMed create date
(entrez_date), else its Entrez date (pubmed_date), else the day the tracker first saw it.

Counting by day in the database keeps reports and screening counts from loading every paper;
the two backends spell date arithmetic differently, so it is written once here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, DateTime, and_, cast, func, literal, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from tracker.store.models import Paper


class local_date(FunctionElement):  # noqa: N801 - named like the SQL functions it stands for
    """The local calendar day of a stored UTC timestamp (tracker.clock.local_day, in SQL).

    SQLite's 'localtime' modifier reads the process's zone as Python does; PostgreSQL is told
    the zone by name, as a bound value, so a changed TZ is never served from a cached statement.
    """

    type = Date()
    inherit_cache = True
    name = "local_date"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    moment, _zone = element.clauses
    return f"date({compiler.process(moment, **kw)}, 'localtime')"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    moment, zone = element.clauses
    return (f"CAST(timezone({compiler.process(zone, **kw)}, "
            f"timezone('UTC', {compiler.process(moment, **kw)})) AS DATE)")


def local_day_of(moment):
    """`local_date` of a timestamp column, in the zone this process runs in."""
    return local_date(moment, literal(local_zone_name()))


def local_zone_name() -> str:
    """The machine's zone as an IANA name (what PostgreSQL's timezone() takes)."""
    import tzlocal

    tzlocal.reload_localzone()  # TZ may have changed since the last call (time.tzset)
    return tzlocal.get_localzone_name() or "UTC"


def created_day(paper=Paper):
    """The paper's day as a SQL expression."""
    return func.coalesce(paper.entrez_date, paper.pubmed_date,
                         local_day_of(paper.first_seen_at), type_=Date)


def created_between(since: date, until: date, paper=Paper):
    """created_day in [since, until], spelled so each branch is a range on ix_papers_created."""
    return or_(
        paper.entrez_date.between(since, until),
        and_(paper.entrez_date.is_(None), paper.pubmed_date.between(since, until)),
        and_(paper.entrez_date.is_(None), paper.pubmed_date.is_(None),
             paper.first_seen_at >= day_start(since),
             paper.first_seen_at < day_start(until + timedelta(days=1))),
    )


LONG_WINDOW = timedelta(days=366)


def created_in(session: Session, since: date, until: date, paper=Paper):
    """created_between for a query that reads the papers' counting columns: on SQLite over a
    long window, the day as an expression. SQLite keeps no histogram of days, so over a long
    window its ranges on the day indexes read most papers' long rows; the expression has it walk
    the links and ix_papers_counting instead (3x faster over all of 100,000 papers)."""
    if session.get_bind().dialect.name == "sqlite" and until - since >= LONG_WINDOW:
        return created_day(paper).between(since, until)
    return created_between(since, until, paper)


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def period_start(session: Session, day, period: str):
    """The first day of the week (Monday) or month holding `day`."""
    if session.get_bind().dialect.name == "sqlite":
        modifiers = ("weekday 0", "-6 days") if period == "week" else ("start of month",)
        return func.date(day, *modifiers, type_=Date)
    return cast(func.date_trunc(period, cast(day, DateTime)), Date)
