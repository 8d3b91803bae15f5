"""Shared fixtures: a clean environment, a fresh migrated database (SQLite, PostgreSQL or each in
turn: `pytest --db sqlite|postgresql|both`), the baseline, a local E-utilities server on loopback
and settings pointing at it."""

from __future__ import annotations

import os
import time
from datetime import date
from zoneinfo import ZoneInfo

import pytest

from tracker.baseline.seeds import load_baseline
from tracker.config import default_seeds_dir, load_settings
from tracker.errors import TrackerError
from tracker.store.database import SCHEMA_HEAD, Database

from postgres_server import URL_VARIABLE, PostgresUnavailable, start_server

BACKENDS = {"sqlite": ["sqlite"], "postgresql": ["postgresql"], "both": ["sqlite", "postgresql"]}


def pytest_addoption(parser):
    parser.addoption(
        "--db", choices=sorted(BACKENDS), default="sqlite",
        help="database backend(s) for every test that uses one (CI: both). PostgreSQL is the "
             f"server {URL_VARIABLE} names, else one started from the installed binaries.",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "backends(*names): the test is about these backends' own mechanism only")
    # read before the autouse fixture below clears TRACKER_* from the environment
    config.postgres_url = os.environ.get(URL_VARIABLE)


def pytest_generate_tests(metafunc):
    if "db_backend" in metafunc.fixturenames:
        chosen = BACKENDS[metafunc.config.getoption("--db")]
        marker = metafunc.definition.get_closest_marker("backends")
        if marker is not None:
            chosen = [name for name in chosen if name in marker.args]
        metafunc.parametrize("db_backend", chosen, indirect=True)


@pytest.fixture(scope="session")
def postgres_server(request):
    """The PostgreSQL server for this session; no server fails the test with what to install."""
    try:
        server = start_server(request.config.postgres_url)
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    yield server
    server.stop()


@pytest.fixture
def db_backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path):
    """A developer's own settings must never leak into a test."""
    for name in list(os.environ):
        if name.startswith(("TRACKER_", "NCBI_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def baseline():
    return load_baseline(default_seeds_dir())


@pytest.fixture
def db_url(db_backend, tmp_path, request):
    """A new database on the backend under test (`--db`): a file for SQLite, a database of its
    own on PostgreSQL, dropped when the test ends. Empty, unless the test also asks for `db`."""
    if db_backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'tracker.db'}"
        yield url
        assert_history_kept(url)
        return
    server = request.getfixturevalue("postgres_server")
    url = server.create_database(migrated="db" in request.fixturenames)  # `db` migrates anyway
    yield url
    try:
        assert_history_kept(url)
    finally:
        server.drop_database(url)


def assert_history_kept(url: str) -> None:
    """Whatever a test wrote, the day counts the database keeps (store.CountedDay, kept by
    triggers) still agree with a count from the links: every test checks them."""
    from tracker.report.counting import kept_history_drift

    database = Database(url)
    try:
        try:
            if database.current_revision() != SCHEMA_HEAD:
                return  # never initialised, an older schema, or no database left
        except TrackerError:
            return  # a test's unreadable database
        with database.session() as session:
            drift = kept_history_drift(session)
        assert not drift, f"kept day counts differ from the links: {drift[:10]}"
    finally:
        database.dispose()


@pytest.fixture
def db(db_url):
    database = Database(db_url)
    database.migrate()
    yield database
    database.dispose()


@pytest.fixture
def eutils_server():
    from tracker.demo.server import EutilsServer

    server = EutilsServer(today=date(2025, 6, 30)).start()
    yield server
    server.stop()


@pytest.fixture
def settings(eutils_server, db_url):
    """Settings for a run against the local server: fast backoff, a test identity."""
    return load_settings(
        environ={},
        eutils_url=eutils_server.url,
        database_url=db_url,
        email="tests@example.org",
        backoff_base=0.01,
        backoff_max=0.05,
        requests_per_second=50.0,
    )


@pytest.fixture
def cli_env(monkeypatch, tmp_path, eutils_server, db_url):
    """The `tracker` command pointed at the local server and a test database, quick retries."""
    fast = tmp_path / "fast.toml"
    fast.write_text("[pubmed]\nbackoff_base = 0.01\nbackoff_max = 0.05\n"
                    "requests_per_second = 50\n")
    monkeypatch.setenv("TRACKER_CONFIG", str(fast))
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    return eutils_server


ZONES = ("America/New_York", "Asia/Kolkata")


@pytest.fixture(params=ZONES)
def local_zone(request):
    """The machine's local zone set to a non-UTC zone for the test, restored afterwards."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = request.param
    time.tzset()
    yield ZoneInfo(request.param)
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()
