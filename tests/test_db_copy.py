"""`tracker db copy`: an install moves between SQLite and PostgreSQL without losing a row."""

import json
import shutil
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tracker.config import default_seeds_dir
from tracker.demo.run import run_demo
from tracker.evidence import decide
from tracker.store import CountedDay, Database, DuplicateLink, Paper, run_lock
from tracker.store.copy import row_counts, table_checksums

from cli_run import run
from records_factory import make_record


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory):
    """The demo install (two polls, a refresh, links, notices, snapshots) plus a decision."""
    workdir = tmp_path_factory.mktemp("demo") / "out"
    run_demo(workdir, seeds_dir=default_seeds_dir(), echo=lambda _line: None)
    database = Database(f"sqlite:///{workdir / 'demo.db'}")
    with database.session() as session:
        link = session.scalars(select(DuplicateLink).order_by(DuplicateLink.id)).first()
        assert link is not None, "the demo data should hold a possible duplicate"
        if link.status == "possible":
            decide(session, link.id, "reject", who="reviewer", note="different trials",
                   now=datetime(2025, 7, 1, 12, 0))
    database.dispose()
    return workdir / "demo.db"


@pytest.fixture
def source_url(demo_database, tmp_path):
    copy = tmp_path / "source.db"
    shutil.copy(demo_database, copy)
    return f"sqlite:///{copy}"


def checksums(url):
    database = Database(url)
    try:
        return table_checksums(database)
    finally:
        database.dispose()


def kept_days(url):
    database = Database(url)
    try:
        with database.session() as session:
            return sorted((t, level, str(day), n) for t, level, day, n in session.execute(
                select(CountedDay.therapy_id, CountedDay.level, CountedDay.day,
                       CountedDay.papers).where(CountedDay.papers != 0)))
    finally:
        database.dispose()


def test_copy_there_and_back_keeps_every_row(capsys, source_url, db_url, tmp_path):
    before = checksums(source_url)
    assert {t.table: t.rows for t in before}["papers"] > 10

    code, out, err = run(capsys, "db", "copy", "--from", source_url, "--to", db_url,
                         "--format", "json")
    assert code == 0, err
    shown = json.loads(out)
    assert shown["verified"] is True
    assert [(t["table"], t["rows"], t["checksum"]) for t in shown["tables"]] == [
        (t.table, t.rows, t.checksum) for t in before
    ]
    assert checksums(db_url) == before
    # the day counts are not copied: the target's triggers made the same ones as its rows came
    assert kept_days(db_url) == kept_days(source_url) != []

    back = f"sqlite:///{tmp_path / 'back.db'}"
    code, out, err = run(capsys, "db", "copy", "--from", db_url, "--to", back)
    assert code == 0, err
    assert "counts and checksums match" in out
    assert checksums(back) == before


def test_the_copy_is_a_working_install(capsys, monkeypatch, source_url, db_url, eutils_server):
    """Ids keep counting after the copied ones (PostgreSQL sequences moved past them)."""
    assert run(capsys, "db", "copy", "--from", source_url, "--to", db_url)[0] == 0
    database = Database(db_url)
    with database.session() as session:
        highest = session.scalar(select(func.max(Paper.id)))
    eutils_server.add_records([make_record(
        "90009901", "Ketamine infusions for treatment-resistant depression after the move",
        date(2025, 6, 29))])
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    code, out, err = run(capsys, "poll", "--therapy", "ketamine", "--since", "2025-06-28",
                         "--until", "2025-06-30")
    assert code == 0, err
    with database.session() as session:
        added = session.scalar(select(Paper).where(Paper.pmid == "90009901"))
        assert added is not None and added.id > highest
    database.dispose()


def test_a_target_with_rows_is_refused_unless_forced(capsys, source_url, db_url):
    assert run(capsys, "db", "copy", "--from", source_url, "--to", db_url)[0] == 0
    target = Database(db_url)
    before = table_checksums(target)

    code, out, err = run(capsys, "db", "copy", "--from", source_url, "--to", db_url)
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "is not empty" in err and "--force" in err
    assert table_checksums(target) == before

    with target.session() as session:  # the target drifts; --force brings it back to the source
        session.get(Paper, 1).title = "changed on the target"
    code, out, err = run(capsys, "db", "copy", "--from", source_url, "--to", db_url, "--force")
    assert code == 0, err
    assert table_checksums(target) == before
    target.dispose()


def test_a_missing_source_changes_nothing(capsys, tmp_path, db_url):
    missing = tmp_path / "nowhere.db"
    code, _, err = run(capsys, "db", "copy", "--from", f"sqlite:///{missing}", "--to", db_url)
    assert code == 1
    assert err.startswith("tracker: error: source database file") and err.count("\n") == 1
    assert not missing.exists()
    target = Database(db_url)
    assert target.current_revision() is None and row_counts(target) == {}
    target.dispose()


def test_a_run_on_the_source_keeps_the_copy_out(capsys, source_url, db_url):
    """The copy holds the source's run lock: with a poll running it waits, or gives up (exit 5)
    having touched nothing."""
    source = Database(source_url)
    with run_lock(source, "poll"):
        code, _, err = run(capsys, "db", "copy", "--from", source_url, "--to", db_url,
                           "--wait", "0")
    source.dispose()
    assert code == 5 and err.startswith("tracker: locked:") and "poll (pid" in err
    target = Database(db_url)
    assert target.current_revision() is None and row_counts(target) == {}
    target.dispose()
