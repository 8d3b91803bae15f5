"""Shared fixtures: a clean environment, a fresh migrated database, the baseline, a local
E-utilities server on loopback and settings pointing at it."""

from __future__ import annotations

import os
from datetime import date

import pytest

from tracker.baseline.seeds import load_baseline
from tracker.config import default_seeds_dir, load_settings
from tracker.store.database import Database


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
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'tracker.db'}"


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
