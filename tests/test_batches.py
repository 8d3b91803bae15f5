"""Lists longer than PostgreSQL's 65,535 bound parameters per statement: a poll whose searches
return 70,000 PMIDs, nearly all stored already, goes through in batches on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import JSON, LargeBinary, String, cast, func, insert, literal, select
from sqlalchemy.exc import DBAPIError

from tracker.evidence import trial_memberships
from tracker.ingest.papers import link_therapies, stored_pmids, sync_therapies
from tracker.store import MAX_PARAMETERS, Paper, TherapyPaper, rows_in_batches
from tracker.store.models import UTCDateTime

N = 70_000
FIRST_PMID = 40_000_000
NOW = datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def stored(db, baseline):
    """N papers stored by one INSERT ... SELECT over a counting CTE (a second, where a row at a
    time takes minutes); returns their PMIDs in order."""
    numbers = select(literal(0).label("n")).cte("numbers", recursive=True)
    numbers = numbers.union_all(select(numbers.c.n + 1).where(numbers.c.n < N - 1))
    pmid = cast(numbers.c.n + FIRST_PMID, String)
    values = {"pmid": pmid, "title": literal("Paper ") + pmid, "raw_xml": literal(b"", LargeBinary),
              "first_seen_at": literal(NOW, UTCDateTime), "updated_at": literal(NOW, UTCDateTime),
              **{c.name: literal([], JSON) for c in Paper.__table__.columns
                 if isinstance(c.type, JSON)}}
    with db.session() as session:
        sync_therapies(session, baseline)
        session.execute(insert(Paper.__table__).from_select(
            list(values), select(*[value.label(name) for name, value in values.items()])))
    return [str(FIRST_PMID + n) for n in range(N)]


def test_70000_pmids_are_looked_up_linked_and_read_in_batches(db, stored):
    assert N > MAX_PARAMETERS
    searched = [*stored, "49999991", "49999992"]  # what a poll's searches returned: 2 are new
    with db.session() as session:
        known = stored_pmids(session, searched)
        assert len(known) == N and "49999991" not in known
        ids = dict(session.execute(select(Paper.pmid, Paper.id)).all())
        assert known == ids

        new = link_therapies(session, [("ketamine", known[p]) for p in stored], run_id=None,
                             now=NOW)
        assert len(new) == N
        assert link_therapies(session, [("ketamine", known[p]) for p in stored], run_id=None,
                              now=NOW) == []  # every pair found linked, none twice
        assert session.scalar(select(func.count()).select_from(TherapyPaper)) == N

        titles = dict(rows_in_batches(
            session, lambda batch: select(Paper.id, Paper.title).where(Paper.id.in_(batch)),
            list(known.values())))
        assert len(titles) == N and titles[known[stored[-1]]] == f"Paper {stored[-1]}"
        assert trial_memberships(session, list(known.values())) == {}
    if db.engine.dialect.name == "postgresql":  # why the batches: one IN (...) this long fails
        with db.engine.connect() as connection, pytest.raises(DBAPIError):
            connection.execute(select(Paper.id).where(Paper.pmid.in_(stored))).all()

