"""PostgreSQL as the shared store: migrations from the same files, a poll twice, and the
test setup itself (its own cluster when no server is named, a failing line when none can run)."""

from datetime import date

import pytest
from alembic import command
from sqlalchemy import func, select

from tracker.cli import main
from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient
from tracker.store.database import Database, alembic_config
from tracker.store.models import Paper, TherapyPaper

import postgres_server
from records_factory import make_record


def test_migrate_poll_and_rerun(db, baseline, eutils_server, settings):
    assert db.migrate() == db.head_revision()
    db.migrate()  # twice: nothing to do
    eutils_server.add_records([
        make_record("90000401", "Esketamine and ketamine in treatment-resistant depression",
                    date(2025, 3, 1)),
        make_record("90000402", "Ketamine maintenance in refractory depression",
                    date(2025, 3, 2)),
    ])
    client = EutilsClient(settings)
    for _ in range(2):
        poll(db, client, baseline, therapy_ids=["ketamine", "esketamine"],
             today=date(2025, 6, 30))
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Paper)) == 2
        assert session.scalar(select(func.count()).select_from(TherapyPaper)) == 3


@pytest.mark.parametrize("older", [None, "0001"])
def test_init_ends_at_head_from_empty_and_from_an_older_schema(monkeypatch, db_url, older):
    """`tracker init` on an empty database, and on one an older version migrated."""
    database = Database(db_url)
    if older:
        command.upgrade(alembic_config(database.engine), older)
        assert database.current_revision() == older != database.head_revision()
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    main(["init", "--skip-references"])
    assert database.current_revision() == database.head_revision()
    database.dispose()


def test_the_tests_start_their_own_cluster_without_a_named_server():
    """No TRACKER_TEST_POSTGRES_URL: a cluster from the installed binaries, on a free port."""
    server = postgres_server.start_server(None)
    try:
        url = server.create_database()
        database = Database(url)
        assert database.migrate() == database.head_revision()
        database.dispose()
        server.drop_database(url)
    finally:
        server.stop()
    assert not server.cluster.directory.exists()


def test_no_server_fails_with_what_to_install(monkeypatch):
    monkeypatch.setattr(postgres_server, "find_binaries", lambda: None)  # PostgreSQL absent
    with pytest.raises(postgres_server.PostgresUnavailable, match="install PostgreSQL"):
        postgres_server.start_server(None)
    with pytest.raises(postgres_server.PostgresUnavailable, match="cannot reach PostgreSQL"):
        postgres_server.start_server("postgresql+psycopg://nobody@127.0.0.1:1/none")


def test_text_longer_than_its_column_is_stored_the_same_on_both(db, baseline, eutils_server,
                                                                 settings):
    """SQLite keeps a VARCHAR(50) value of any length, PostgreSQL refuses the whole batch."""
    eutils_server.add_records([make_record(
        "90000411", "Ketamine for treatment-resistant depression: a very long record",
        date(2025, 3, 3), author="Vanderbijl-" * 25, pages="e" + "1" * 80,
        issue="Suppl " * 20,
    )])
    poll(db, EutilsClient(settings), baseline, therapy_ids=["ketamine"], today=date(2025, 6, 30))
    with db.session() as session:
        paper = session.scalar(select(Paper).where(Paper.pmid == "90000411"))
    assert len(paper.pages) == 50 and paper.pages.endswith("…")
    assert len(paper.issue) == 50 and len(paper.first_author) == 200


def test_a_reviewer_name_too_long_for_its_column_is_refused(capsys, monkeypatch, db_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    main(["init", "--skip-references"])
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(["duplicates", "confirm", "1", "--by", "r" * 101])
    assert exited.value.code == 1
    assert "at most 100 characters" in capsys.readouterr().err
