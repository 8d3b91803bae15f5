"""Every timestamp is stored in UTC on both backends and shown in local time; the 0009 migration
turns the local times older versions stored into UTC (and back)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, text

from tracker.report.build import created_on
from tracker.review.queue import entered_on
from tracker.store import Database, Paper, Run
from tracker.store.database import alembic_config

from cli_run import initialised, run
from review_data import PAIN_TRIAL, fill


def raw_times(database: Database, sql: str) -> list[datetime]:
    """A timestamp column as the database holds it (no model types): naive datetimes."""
    with database.engine.connect() as connection:
        values = connection.execute(text(sql)).scalars().all()
    return [datetime.fromisoformat(v) if isinstance(v, str) else v for v in values]


def offset_name(moment: datetime) -> str:
    minutes = int(moment.utcoffset().total_seconds() // 60)
    hours, mins = divmod(abs(minutes), 60)
    return f"UTC{'+' if minutes >= 0 else '-'}{hours:02d}:{mins:02d}"


def test_a_poll_is_stored_in_utc_and_listed_in_local_time(capsys, cli_env, db_url, local_zone):
    before = datetime.now(UTC).replace(tzinfo=None)
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")
    assert code == 0, err
    after = datetime.now(UTC).replace(tzinfo=None)
    database = Database(db_url)
    started = raw_times(database, "SELECT started_at FROM runs WHERE kind = 'poll'")[0]
    database.dispose()
    assert before <= started <= after  # UTC, not the local wall time hours away from it

    shown = started.replace(tzinfo=UTC).astimezone(local_zone)
    code, out, err = run(capsys, "status", "--format", "json")
    assert code == 0, err
    listed = next(r for r in json.loads(out)["runs"] if r["kind"] == "poll")
    listed_at = datetime.fromisoformat(listed["started_at"])
    assert listed_at.utcoffset() == shown.utcoffset() != timedelta(0)
    assert listed_at == started.replace(tzinfo=UTC, microsecond=0)

    code, out, err = run(capsys, "status")
    assert code == 0, err
    assert f"{shown:%Y-%m-%d %H:%M:%S}" in out
    assert f"{started:%Y-%m-%d %H:%M:%S}" not in out
    assert f"local time, {offset_name(shown)}" in out


@pytest.fixture
def queue_env(monkeypatch, db_url, capsys):
    database = initialised(capsys, monkeypatch, db_url)
    fill(database)
    yield database
    database.dispose()


def test_a_decision_is_stored_in_utc_and_shown_in_local_time(capsys, queue_env, local_zone):
    before = datetime.now(UTC).replace(tzinfo=None)
    code, _, err = run(capsys, "queue", "decide", PAIN_TRIAL, "include", "--reviewer", "alice")
    assert code == 0, err
    after = datetime.now(UTC).replace(tzinfo=None)
    decided = raw_times(queue_env, "SELECT decided_at FROM review_decisions")[0]
    assert before <= decided <= after
    shown = decided.replace(tzinfo=UTC).astimezone(local_zone)

    code, out, err = run(capsys, "queue", "show", PAIN_TRIAL)
    assert code == 0, err
    assert f"Decision: include by alice at {shown:%Y-%m-%d %H:%M} {offset_name(shown)}" in out
    assert f"{shown:%Y-%m-%d %H:%M} {offset_name(shown)} decided include by alice" in out

    code, out, err = run(capsys, "queue", "list", "--status", "decided", "--format", "json")
    assert code == 0, err
    listed = {row["pmid"]: row for row in json.loads(out)}[PAIN_TRIAL]
    assert datetime.fromisoformat(listed["decided_at"]) == decided.replace(tzinfo=UTC,
                                                                           microsecond=0)
    assert datetime.fromisoformat(listed["decided_at"]).utcoffset() == shown.utcoffset()


def test_the_column_type_stores_utc_and_reads_aware_utc(db, local_zone):
    """Aware values of any zone and naive (local wall time) values all land as UTC."""
    kolkata_noon = datetime(2025, 6, 1, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata"))
    local_noon = datetime(2025, 1, 15, 12, 0)  # naive: the machine's wall time
    with db.session() as session:
        session.add_all([Run(kind="poll", started_at=kolkata_noon, status="ok"),
                         Run(kind="refresh", started_at=local_noon, status="ok")])
    stored = raw_times(db, "SELECT started_at FROM runs ORDER BY id")
    assert stored == [datetime(2025, 6, 1, 6, 30),
                      local_noon.replace(tzinfo=local_zone).astimezone(UTC).replace(tzinfo=None)]
    with db.session() as session:
        read = session.query(Run).order_by(Run.id).all()
        assert [r.started_at.tzinfo for r in read] == [UTC, UTC]
        assert read[0].started_at == kolkata_noon


def test_a_papers_first_seen_day_is_the_local_day(local_zone):
    """Seen at 20:00 UTC on 1 June: still 1 June in New York, already 2 June in Kolkata."""
    seen = datetime(2025, 6, 1, 20, 0, tzinfo=UTC)
    paper = Paper(pmid="1", first_seen_at=seen, entrez_date=None, pubmed_date=None)
    expected = {"America/New_York": date(2025, 6, 1), "Asia/Kolkata": date(2025, 6, 2)}
    assert created_on(paper) == entered_on(paper) == expected[str(local_zone)]


def test_migration_0009_turns_local_times_into_utc_and_back(db_url, local_zone):
    """A database at 0008 holding local times (runs: more than one batch; snapshots: a two-column
    key) ends at the head with UTC; the job and lock times, UTC already, are left alone."""
    database = Database(db_url)
    config = alembic_config(database.engine)
    command.upgrade(config, "0008")
    winter, summer = datetime(2025, 1, 15, 9, 30), datetime(2025, 7, 15, 9, 30)
    with database.engine.begin() as connection:
        tables = MetaData()
        runs, therapies, snapshots, job_runs = (
            Table(name, tables, autoload_with=connection)
            for name in ("runs", "therapies", "snapshots", "job_runs"))
        connection.execute(runs.insert(), [
            {"kind": "poll", "started_at": winter if n % 2 else summer, "status": "ok",
             "therapies": [], "counts": {}} for n in range(2500)])
        connection.execute(therapies.insert().values(
            id="rtms", name="rTMS", category="n", status="s", query="q", aliases=[],
            pathways=[], active=True))
        connection.execute(snapshots.insert(), [
            {"therapy_id": "rtms", "period_start": date(2025, 1, day),
             "period_end": date(2025, 1, day),
             "new_by_level": {}, "cumulative_by_level": {}, "retracted": 0, "events": [],
             "built_at": summer} for day in (1, 2)])
        connection.execute(job_runs.insert().values(
            job="poll", scheduled_for=summer, started_at=summer, status="ok", host=""))

    database.migrate()
    assert database.current_revision() == database.head_revision()

    def utc_of(moment):
        return moment.replace(tzinfo=local_zone).astimezone(UTC).replace(tzinfo=None)

    started = raw_times(database, "SELECT started_at FROM runs ORDER BY id")
    assert len(started) == 2500
    assert started == [utc_of(winter) if n % 2 else utc_of(summer) for n in range(2500)]
    assert utc_of(winter) != winter  # the zone is not UTC, so the rows did change
    assert raw_times(database, "SELECT built_at FROM snapshots") == [utc_of(summer)] * 2
    assert raw_times(database, "SELECT started_at FROM job_runs") == [summer]

    command.downgrade(config, "0008")
    assert raw_times(database, "SELECT started_at FROM runs ORDER BY id") == [
        winter if n % 2 else summer for n in range(2500)]
    assert raw_times(database, "SELECT built_at FROM snapshots") == [summer] * 2
    database.dispose()
