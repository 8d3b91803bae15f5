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
