"""The report's work follows its window, not the database: the same window over a database with
many more papers outside it runs the same SQL statements and loads the same papers; and the SQL
spelling of a paper's day (tracker.store.days) agrees with the Python one on both backends.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime

from sqlalchemy import event, insert, select

from tracker.evidence import period_bounds
from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.report.build import build_report, created_on
from tracker.store import days
from tracker.store.models import Paper

from records_factory import JOURNAL_ARTICLE, META, RCT, make_record, mark_searched

NOW = datetime(2025, 6, 2, 9, 30)
SINCE, UNTIL = date(2025, 5, 19), date(2025, 5, 25)
# (therapy, types, day): in the window, and outside it (before and after)
IN_WINDOW = [("rtms", (RCT,), date(2025, 5, 19)), ("ketamine", (META,), date(2025, 5, 25)),
             ("rtms", (), date(2025, 5, 21))]
OUTSIDE = [("rtms", (RCT,), date(2025, 3, 4)), ("ketamine", (), date(2025, 2, 11)),
           ("rtms", (), date(2025, 6, 10))]
EXTRA = 120  # papers added outside the window, on the days above


def store(db, baseline, items, first_pmid: int) -> None:
    with db.session() as session:
        sync_therapies(session, baseline)
        records = [make_record(str(first_pmid + i), f"Paper {first_pmid + i} on {therapy}", day,
                               types=types or (JOURNAL_ARTICLE,))
                   for i, (therapy, types, day) in enumerate(items)]
        result = upsert_records(session, records, run_id=None, now=NOW)
        link_therapies(session, [(therapy, result.ids[r.pmid])
                                 for r, (therapy, _, _) in zip(records, items, strict=True)],
                       run_id=None, now=NOW)


@contextmanager
def watched(db):
    """Counts SQL statements, rows the driver reports and Paper objects loaded meanwhile."""
    seen = {"statements": 0, "rows": 0, "papers": 0}

    def before(*_args):
        seen["statements"] += 1

    def after(_conn, cursor, *_args):
        if cursor.description is not None and cursor.rowcount > 0:  # PostgreSQL tells, SQLite not
            seen["rows"] += cursor.rowcount

    def loaded(*_args):
        seen["papers"] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    event.listen(db.engine, "after_cursor_execute", after)
    event.listen(Paper, "load", loaded)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
        event.remove(db.engine, "after_cursor_execute", after)
        event.remove(Paper, "load", loaded)


def report_work(db, baseline):
    with watched(db) as seen, db.session() as session:
        report = build_report(session, baseline, since=SINCE, until=UNTIL,
                              generated_at=NOW)
    return dict(seen), report


def test_report_work_does_not_grow_with_papers_outside_the_window(db, baseline):
    store(db, baseline, IN_WINDOW + OUTSIDE, 42000001)
    with db.session() as session:
        mark_searched(session, [t.id for t in baseline.therapies], date(2025, 1, 28), NOW.date())
    few, small = report_work(db, baseline)
    store(db, baseline, [OUTSIDE[i % len(OUTSIDE)] for i in range(EXTRA)], 43000001)
    many, large = report_work(db, baseline)

    assert many == few
    assert few["papers"] == len(IN_WINDOW)  # only the window's papers become objects
    if db.engine.dialect.name == "postgresql":
        assert few["rows"] > 0
    # the extra papers were counted, so the same work saw them
    rtms = {s.id: s for s in large.therapies}["rtms"]
    assert rtms.cumulative_total == {s.id: s for s in small.therapies}["rtms"].cumulative_total \
        + EXTRA // 3
    assert [p.pmid for p in large.papers] == [p.pmid for p in small.papers]


def test_sql_day_agrees_with_python_day_on_both_backends(db, local_zone):
    """entrez_date, else pubmed_date, else the local day first seen; weeks start on Monday.
    The times below are local wall times: stored in UTC, they fall on other UTC days."""
    cases = [
        (date(2025, 5, 19), date(2025, 5, 1), datetime(2025, 6, 1, 23, 59, 59)),
        (None, date(2025, 5, 20), datetime(2025, 6, 1, 0, 0)),
        (None, None, datetime(2025, 5, 25, 23, 59, 59)),  # a Sunday, late
        (None, None, datetime(2025, 5, 26, 0, 0, 1)),  # the Monday after
        (None, None, datetime(2024, 2, 29, 12, 0)),
    ]
    with db.session() as session:
        session.execute(insert(Paper), [
            {"pmid": str(44000001 + i), "entrez_date": entrez, "pubmed_date": pubmed,
             "first_seen_at": seen, "updated_at": seen, "raw_xml": b""}
            for i, (entrez, pubmed, seen) in enumerate(cases)
        ])
        papers = session.scalars(select(Paper).order_by(Paper.pmid)).all()
        day = days.created_day()
        rows = session.execute(
            select(day, days.period_start(session, day, "week"),
                   days.period_start(session, day, "month"),
                   days.created_between(SINCE, UNTIL))
            .order_by(Paper.pmid)
        ).all()
    expected = [(created_on(p), period_bounds(created_on(p), "week")[0],
                 period_bounds(created_on(p), "month")[0], SINCE <= created_on(p) <= UNTIL)
                for p in papers]
    assert [(d, w, m, bool(inside)) for d, w, m, inside in rows] == expected
    assert [inside for *_, inside in expected] == [True, True, True, False, False]
