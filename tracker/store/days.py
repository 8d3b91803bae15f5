"""A paper's day in SQL, the same on SQLite and PostgreSQL: its PubMed create date
(entrez_date), else its Entrez date (pubmed_date), else the day the tracker first saw it.

Counting by day in the database keeps reports and screening counts from loading every paper;
the two backends spell date arithmetic differently, so it is written once here.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import Date, DateTime, and_, cast, func, or_
from sqlalchemy.orm import Session

from tracker.store.models import Paper


def created_day(paper=Paper):
    """The paper's day as a SQL expression."""
    return func.coalesce(paper.entrez_date, paper.pubmed_date, func.date(paper.first_seen_at),
                         type_=Date)


def created_between(since: date, until: date, paper=Paper):
    """created_day in [since, until], spelled so each branch is a range on ix_papers_created."""
    return or_(
        paper.entrez_date.between(since, until),
        and_(paper.entrez_date.is_(None), paper.pubmed_date.between(since, until)),
        and_(paper.entrez_date.is_(None), paper.pubmed_date.is_(None),
             paper.first_seen_at >= day_start(since),
             paper.first_seen_at < day_start(until + timedelta(days=1))),
    )


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min)


def period_start(session: Session, day, period: str):
    """The first day of the week (Monday) or month holding `day`."""
    if session.get_bind().dialect.name == "sqlite":
        modifiers = ("weekday 0", "-6 days") if period == "week" else ("start of month",)
        return func.date(day, *modifiers, type_=Date)
    return cast(func.date_trunc(period, cast(day, DateTime)), Date)
