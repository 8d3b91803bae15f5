"""Coverage: the days each therapy has been searched, recorded by real polls against the local
E-utilities server, and the gaps of a window."""

from datetime import date

import pytest

from tracker.errors import PubMedError
from tracker.evidence import Gap, coverage
from tracker.evidence.coverage import merge, uncovered
from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient

from eutils_faults import server_error

D = date


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


def test_migrating_a_polled_database_keeps_its_coverage(db_url, baseline, eutils_server,
                                                       settings):
    """A database polled before coverage existed: its successful runs' windows become coverage."""
    from alembic import command
    from sqlalchemy import text

    from tracker.store.database import Database, alembic_config

    database = Database(db_url)
    command.upgrade(alembic_config(database.engine), "0001")
    with database.engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO therapies (id, name, category, status, query, aliases, pathways, active)"
            " VALUES ('rtms', 'rTMS', 'n', 's', 'q', '[]', '[]', 1)"))
        connection.execute(text(
            "INSERT INTO runs (kind, started_at, finished_at, status, therapies, counts) VALUES "
            "('poll', '2025-06-30 10:00:00', '2025-06-30 10:01:00', 'ok', '[\"rtms\"]', :ok),"
            "('poll', '2025-07-30 10:00:00', NULL, 'failed', '[\"rtms\"]', :failed)"),
            {"ok": '{"therapies": {"rtms": {"window": ["2025-01-28", "2025-06-30"], '
                   '"missing": 0}}}',
             "failed": '{"therapies": {"rtms": {"window": ["2025-06-30", "2025-07-30"], '
                       '"missing": 0}}}'})
    database.migrate()
    with database.session() as session:
        found = coverage(session, ["rtms"], D(2025, 6, 1), D(2025, 7, 31))
    database.dispose()
    assert found.polled_through == D(2025, 6, 30)
    assert found.gaps == [Gap("rtms", D(2025, 7, 1), D(2025, 7, 31))]
