"""Connection handling on PostgreSQL: one line and exit code 6 when the database is unavailable,
the password never shown, pool settings from the config, dropped connections replaced."""

import pytest
from sqlalchemy import make_url, text

from tracker.cli.app import pool_settings
from tracker.config import load_settings
from tracker.store import Database

from cli_run import run
from postgres_server import free_port

PASSWORD = "s3cret-Pa55"




@pytest.fixture
def pg_url(postgres_server):
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)


def with_password(url: str, **changes) -> str:
    return make_url(url).set(password=PASSWORD, **changes).render_as_string(hide_password=False)


@pytest.mark.parametrize("command", [("status",), ("init", "--skip-references"), ("report",)])
def test_server_down_is_one_line_and_exit_6(capsys, monkeypatch, pg_url, command):
    down = with_password(pg_url, port=free_port())
    monkeypatch.setenv("TRACKER_DATABASE_URL", down)
    code, out, err = run(capsys, *command)
    assert code == 6
    assert err.count("\n") == 1 and err.startswith("tracker: error: database ")
    assert "is unavailable" in err and "Connection refused" in err
    assert PASSWORD not in err + out and ":***@" in err


def test_wrong_user_is_one_line_and_exit_6(capsys, monkeypatch, pg_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", with_password(pg_url, username="no_such_role"))
    code, out, err = run(capsys, "init", "--skip-references")
    assert code == 6 and err.count("\n") == 1
    assert 'role "no_such_role" does not exist' in err and PASSWORD not in err


def test_missing_database_says_how_to_create_it(capsys, monkeypatch, pg_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", with_password(pg_url, database="trd_nowhere"))
    code, _, err = run(capsys, "status")
    assert code == 6 and "createdb trd_nowhere" in err and PASSWORD not in err


def test_config_masks_the_database_password(capsys, monkeypatch, pg_url):
    monkeypatch.setenv("TRACKER_DATABASE_URL", with_password(pg_url))
    code, out, err = run(capsys, "config", "--json")
    assert code == 0, err
    assert PASSWORD not in out and ":***@" in out


def test_pool_settings_come_from_the_config(tmp_path, pg_url):
    config = tmp_path / "tracker.toml"
    config.write_text(f'[database]\nurl = "{pg_url}"\npool_size = 3\nmax_overflow = 1\n'
                      "pool_timeout = 5\nconnect_timeout = 2\n")
    settings = load_settings(config, environ={})
    database = Database(settings.database_url, pool_settings(settings))
    assert database.engine.pool.size() == 3
    assert database.engine.pool.timeout() == 5
    with database.engine.connect() as connection:
        assert connection.scalar(text("SHOW server_version")) is not None
    database.dispose()


def test_a_connection_the_server_dropped_is_replaced(pg_url, postgres_server):
    """pool_pre_ping: after the server ends a pooled connection, the next use gets a new one."""
    database = Database(pg_url)
    with database.engine.connect() as connection:
        first = connection.scalar(text("SELECT pg_backend_pid()"))
    admin = Database(pg_url)
    with admin.engine.connect() as connection:
        assert connection.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
    admin.dispose()
    with database.engine.connect() as connection:
        second = connection.scalar(text("SELECT pg_backend_pid()"))
    assert second != first
    database.dispose()


def test_db_copy_to_a_server_that_is_down(capsys, tmp_path, pg_url):
    source = f"sqlite:///{tmp_path / 'source.db'}"
    assert run(capsys, "--database-url", source, "init", "--skip-references")[0] == 0
    down = with_password(pg_url, port=free_port())
    code, out, err = run(capsys, "db", "copy", "--from", source, "--to", down)
    assert code == 6 and err.count("\n") == 1 and "is unavailable" in err
    assert PASSWORD not in err + out
