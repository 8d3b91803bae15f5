"""Coverage: the days each therapy has been searched, recorded by real polls against the local
E-utilities server, and the gaps of a window."""

import os
from datetime import date, datetime

import pytest

from tracker.errors import PubMedError
from tracker.evidence import Gap, coverage
from tracker.evidence.coverage import merge, uncovered
from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient

from eutils_faults import server_error

D = date
# read before the autouse fixture clears TRACKER_* variables
POSTGRES_ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES",
                                    "postgresql+psycopg://postgres@127.0.0.1/postgres")


def test_touching_windows_merge_and_the_rest_are_gaps():
    windows = [(D(2025, 2, 1), D(2025, 2, 10)), (D(2025, 2, 11), D(2025, 2, 20)),
               (D(2025, 3, 1), D(2025, 3, 5))]
    assert merge(windows) == [(D(2025, 2, 1), D(2025, 2, 20)), (D(2025, 3, 1), D(2025, 3, 5))]
    assert uncovered(windows, D(2025, 1, 30), D(2025, 3, 10)) == [
        (D(2025, 1, 30), D(2025, 1, 31)), (D(2025, 2, 21), D(2025, 2, 28)),
        (D(2025, 3, 6), D(2025, 3, 10)),
    ]
    assert uncovered([(None, D(2025, 2, 1))], D(1990, 1, 1), D(2025, 2, 1)) == []
    assert uncovered([], D(2025, 1, 1), D(2025, 1, 1)) == [(D(2025, 1, 1), D(2025, 1, 1))]


def test_a_poll_records_what_it_searched_and_a_later_window_shows_as_a_gap(
        db, baseline, eutils_server, settings):
    client = EutilsClient(settings)
    poll(db, client, baseline, therapy_ids=["rtms", "ketamine"], until=D(2025, 6, 30),
         today=D(2025, 6, 30))
    with db.session() as session:
        june = coverage(session, ["rtms", "ketamine"], D(2025, 6, 1), D(2025, 6, 30))
        july = coverage(session, ["rtms", "ketamine", "vns"], D(2025, 7, 1), D(2025, 7, 31))
    assert june.complete and june.gaps == []
    assert june.polled_through == D(2025, 6, 30)
    assert june.to_dict() == {"complete": True, "polled_through": "2025-06-30", "gaps": []}
    assert not july.complete
    assert july.polled_through is None  # vns was never polled
    assert july.gaps == [Gap("rtms", D(2025, 7, 1), D(2025, 7, 31)),
                         Gap("ketamine", D(2025, 7, 1), D(2025, 7, 31)),
                         Gap("vns", D(2025, 7, 1), D(2025, 7, 31))]
    assert july.to_dict()["gaps"][0] == {"therapy": "rtms", "since": "2025-07-01",
                                         "until": "2025-07-31"}


def test_a_failed_poll_covers_nothing(db, baseline, eutils_server, settings):
    eutils_server.inject("esearch.fcgi", server_error(503), times=50)
    with pytest.raises(PubMedError):
        poll(db, EutilsClient(settings), baseline, therapy_ids=["rtms"], until=D(2025, 6, 30),
             today=D(2025, 6, 30))
    with db.session() as session:
        found = coverage(session, ["rtms"], D(2025, 6, 1), D(2025, 6, 30))
    assert found.gaps == [Gap("rtms", D(2025, 6, 1), D(2025, 6, 30))]


def migrate_a_polled_database(database) -> None:
    """Bring a database to 0001, write what a successful and a failed poll left there, then
    migrate to the head."""
    from alembic import command
    from sqlalchemy import MetaData, Table

    from tracker.store.database import alembic_config

    command.upgrade(alembic_config(database.engine), "0001")
    with database.engine.begin() as connection:
        tables = MetaData()
        therapies = Table("therapies", tables, autoload_with=connection)
        runs = Table("runs", tables, autoload_with=connection)
        connection.execute(therapies.insert().values(
            id="rtms", name="rTMS", category="n", status="s", query="q", aliases=[],
            pathways=[], active=True))
        window = {"missing": 0}
        connection.execute(runs.insert(), [
            {"kind": "poll", "started_at": datetime(2025, 6, 30, 10),
             "finished_at": datetime(2025, 6, 30, 10, 1), "status": "ok", "therapies": ["rtms"],
             "counts": {"therapies": {"rtms": {**window, "window": ["2025-01-28", "2025-06-30"]}}}},
            {"kind": "poll", "started_at": datetime(2025, 7, 30, 10), "finished_at": None,
             "status": "failed", "therapies": ["rtms"],
             "counts": {"therapies": {"rtms": {**window, "window": ["2025-06-30", "2025-07-30"]}}}},
        ])
    database.migrate()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_migrating_a_polled_database_keeps_its_coverage(backend, db_url):
    """A database polled before coverage existed: its successful runs' windows become coverage."""
    from tracker.store.database import Database

    if backend == "sqlite":
        database, cleanup = Database(db_url), None
    else:
        database, cleanup = postgres_database()
    try:
        migrate_a_polled_database(database)
        with database.session() as session:
            found = coverage(session, ["rtms"], D(2025, 6, 1), D(2025, 7, 31))
    finally:
        database.dispose()
        if cleanup:
            cleanup()
    assert found.polled_through == D(2025, 6, 30)
    assert found.gaps == [Gap("rtms", D(2025, 7, 1), D(2025, 7, 31))]


def postgres_database():
    """A fresh PostgreSQL database on the local server, and how to drop it."""
    import uuid

    from sqlalchemy import create_engine, text

    from tracker.store.database import Database

    admin_url = POSTGRES_ADMIN_URL
    name = f"trd_cov_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}"'))
        admin.dispose()

    return Database(admin_url.rsplit("/", 1)[0] + f"/{name}"), drop
