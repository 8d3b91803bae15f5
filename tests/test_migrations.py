"""The schema's revision as commands check it, and the statistics that keep report counts on
the index that covers them."""

from datetime import date

import pytest
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import func, inspect, text
from sqlalchemy.dialects import sqlite

from jobs.runner import JOBS_TABLE
from tracker.report.counting import counted_sources, level_key
from tracker.store import Database
from tracker.store.database import SCHEMA_HEAD
from tracker.store.days import created_day

from cli_run import initialised, run
from records_factory import RCT, make_record


def test_schema_head_is_the_newest_migration(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'head.db'}")
    assert database.head_revision() == SCHEMA_HEAD  # what require_current checks against
    database.dispose()


def test_an_older_schema_is_refused_until_init(capsys, monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    monkeypatch.setenv("TRACKER_DATABASE_URL", url)
    assert run(capsys, "init", "--skip-references")[0] == 0
    database = Database(url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    code, _, err = run(capsys, "report", "--format", "json", "--output", "-")
    assert code != 0
    assert f"is at schema 0010, this tracker needs {SCHEMA_HEAD}: run `tracker init`" in err
    assert database.current_revision() == "0010"
    database.dispose()


def count_plan(database: Database) -> str:
    """SQLite's plan for the report's per-day count over each therapy's own links."""
    therapy, query = counted_sources(["ketamine", "esketamine"])[0]
    statement = query.add_columns(therapy, level_key(), created_day(), func.count()).group_by(
        therapy, level_key(), created_day())
    sql = str(statement.compile(dialect=sqlite.dialect(),
                                compile_kwargs={"literal_binds": True}))
    with database.engine.connect() as connection:
        return "\n".join(row[-1] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql))


@pytest.mark.backends("sqlite")  # PostgreSQL keeps its own statistics (autovacuum)
def test_a_poll_leaves_statistics_that_keep_counts_on_their_covering_index(capsys, cli_env,
                                                                          db_url):
    cli_env.add_records([
        make_record(str(90002000 + n), f"Ketamine infusion trial {n} in treatment-resistant "
                    "depression", date(2025, 6, 1 + n), types=(RCT,))
        for n in range(12)
    ])
    assert run(capsys, "init", "--no-history", "--skip-references")[0] == 0
    database = Database(db_url)
    with database.engine.begin() as connection:  # as a database older than the statistics
        connection.exec_driver_sql("DROP TABLE IF EXISTS sqlite_stat1")
    assert "COVERING INDEX ix_papers_counting" not in count_plan(database)

    code, _, err = run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")
    assert code == 0, err
    database.dispose()  # a connection reads the statistics when it opens, as a report's does
    assert "COVERING INDEX ix_papers_counting" in count_plan(database)
    database.dispose()


def table_shape(engine, table: str, schema: str | None = None) -> dict:
    found = inspect(engine)
    return {
        "columns": [(c["name"], str(c["type"]), c["nullable"])
                    for c in found.get_columns(table, schema=schema)],
        "key": found.get_pk_constraint(table, schema=schema)["constrained_columns"],
        "indexes": sorted((tuple(i["column_names"]), i["unique"])
                          for i in found.get_indexes(table, schema=schema)),
    }


def test_init_makes_the_schedulers_table_as_apscheduler_would(capsys, monkeypatch, db_url,
                                                              tmp_path):
    """Two schedulers starting together on a new database raced to create APScheduler's table
    and one failed; `tracker init` makes it, in APScheduler's own shape."""
    database = initialised(capsys, monkeypatch, db_url)
    schema = None
    reference = database
    if database.engine.dialect.name == "postgresql":  # beside it: the same backend's types
        schema = "reference"
        with database.engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    else:
        reference = Database(f"sqlite:///{tmp_path / 'apscheduler.db'}")
    SQLAlchemyJobStore(engine=reference.engine, tablename=JOBS_TABLE,
                       tableschema=schema).jobs_t.create(reference.engine)
    assert table_shape(database.engine, JOBS_TABLE) == table_shape(reference.engine, JOBS_TABLE,
                                                                   schema)
    reference.dispose()
    database.dispose()


def test_upgrading_counts_the_papers_already_stored_and_the_report_is_unchanged(capsys, cli_env,
                                                                               db_url):
    """Migration 0014 fills the kept day counts from what is stored, and its triggers count
    what comes after; taken back (downgrade) and made again, the report reads the same."""
    from alembic import command

    from tracker.report.counting import kept_history_drift
    from tracker.store import CountedDay
    from tracker.store.database import alembic_config

    cli_env.add_records([
        make_record(str(90003000 + n), f"Ketamine infusion study {n} in treatment-resistant "
                    "depression", date(2025, 3 + n % 3, 1 + n), types=(RCT,) if n % 2 else ())
        for n in range(9)
    ])
    assert run(capsys, "init", "--skip-references", "--no-history")[0] == 0
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    report = ("report", "--therapy", "ketamine", "--since", "2025-05-01", "--until",
              "2025-05-31", "--format", "json", "--output", "-")
    code, before, err = run(capsys, *report)
    assert code == 0, err
    database = Database(db_url)
    command.downgrade(alembic_config(database.engine), "0013")
    assert not inspect(database.engine).has_table("counted_days")
    assert run(capsys, *report)[0] != 0  # an older schema: refused until `tracker init`

    assert run(capsys, "init", "--skip-references", "--no-history")[0] == 0
    with database.session() as session:
        assert session.scalar(func.sum(CountedDay.papers).select()) == 9
        assert kept_history_drift(session) == []
    code, after, err = run(capsys, *report)
    assert code == 0, err
    assert after.split('"therapies"')[1] == before.split('"therapies"')[1]
    database.dispose()


@pytest.mark.backends("sqlite")
def test_papers_without_dates_are_counted_from_an_index_not_every_link(capsys, cli_env,
                                                                       monkeypatch, db_url):
    """The history's live part, the papers without kept day counts, is found from the index of
    their dates (both null), then their links by id: it never reads every link."""
    from sqlalchemy import event, update

    from tracker.report.counting import days_by_level
    from tracker.store import Paper

    cli_env.add_records([make_record(str(90004000 + n), f"Ketamine study {n} in "
                                     "treatment-resistant depression", date(2025, 5, 1 + n))
                         for n in range(6)])
    database = initialised(capsys, monkeypatch, db_url)
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    with database.engine.begin() as connection:
        connection.execute(update(Paper).where(Paper.pmid == "90004000")
                           .values(entrez_date=None, pubmed_date=None))
    run_statements = []

    def seen(_connection, _cursor, statement, parameters, *_):
        run_statements.append((statement, parameters))

    with database.engine.connect() as connection:
        event.listen(connection, "before_cursor_execute", seen)
        found = list(days_by_level(connection, ["ketamine"], []))
        event.remove(connection, "before_cursor_execute", seen)
        plans = {statement: "\n".join(row[-1] for row in connection.exec_driver_sql(
                     "EXPLAIN QUERY PLAN " + statement, parameters))
                 for statement, parameters in run_statements}
    assert sum(sum(counts) for *_, counts in found) == 6  # five kept, one counted live
    undated = [plan for plan in plans.values() if "ix_papers_created" in plan]
    assert len(undated) == 1
    assert "ix_papers_created (entrez_date=? AND pubmed_date=?)" in undated[0]
    by_id = [plan for statement, plan in plans.items()
             if "papers.id IN (" in statement and "moved" not in statement]
    assert len(by_id) == 1
    assert "therapy_papers USING COVERING INDEX sqlite_autoindex_therapy_papers_1 " \
           "(therapy_id=? AND paper_id=?)" in by_id[0]
    assert "ix_papers_counting (id=?)" in by_id[0]
    database.dispose()
