"""Lists longer than PostgreSQL's 65,535 bound parameters per statement: a poll whose searches
return 70,000 PMIDs, nearly all stored already, goes through in batches on both backends; and
many new rows inserted by one call."""

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



def test_many_new_rows_go_in_once_in_order_with_defaults(db, local_zone):
    """insert_new_rows (a poll's papers; COPY on PostgreSQL): ids follow the rows' order, a
    stored key is skipped and not given back, left-out columns take their defaults, JSON comes
    serialised or not, a naive local timestamp is stored in UTC, text that COPY must escape comes
    back as it went in, and a second call in the same transaction inserts only its own rows."""
    import json

    from tracker.store import insert_new_rows

    def row(pmid: str, **more) -> dict:
        return {"pmid": pmid, "title": f"Paper {pmid}", "raw_xml": b"\x00\x01 bytes",
                "first_seen_at": datetime(2025, 7, 1, 14, 0, tzinfo=UTC).astimezone(
                    local_zone).replace(tzinfo=None),  # naive local time, as datetime.now()
                "updated_at": NOW, **more}

    with db.session() as session:
        first = insert_new_rows(session, Paper.__table__, [
            row("3", mesh=json.dumps([{"descriptor": "Ketamine"}])), row("1", mesh="[]"),
            row("2", mesh="[]", title="Tab\there, new\nline, back\\slash \\N, \u00e9\u2013\u03b2"),
        ], serialised=("mesh",), returning=("pmid", "id"))
        again = insert_new_rows(session, Paper.__table__, [
            row("2", authors=[]), row("4", authors=[{"last": "O'Brien", "fore": 'Ann "A"'}]),
        ], returning=("pmid", "id"))
    assert [pmid for pmid, _ in first] == ["3", "1", "2"]
    assert [paper_id for _, paper_id in first] == sorted(paper_id for _, paper_id in first)
    assert [pmid for pmid, _ in again] == ["4"]
    with db.session() as session:
        papers = {p.pmid: p for p in session.scalars(select(Paper))}
        assert sorted(papers) == ["1", "2", "3", "4"]
        three, four = papers["3"], papers["4"]
        assert three.mesh == [{"descriptor": "Ketamine"}] and three.authors == []
        assert four.authors == [{"last": "O'Brien", "fore": 'Ann "A"'}]
        assert (three.is_demo, three.inclusion, three.level, three.deleted) == (
            False, "undecided", "unclassified", False)
        assert three.raw_xml == b"\x00\x01 bytes" and three.canonical_id is None
        assert three.first_seen_at == datetime(2025, 7, 1, 14, 0, tzinfo=UTC)
        assert papers["2"].title == "Tab\there, new\nline, back\\slash \\N, \u00e9\u2013\u03b2"
