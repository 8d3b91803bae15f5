"""PostgreSQL for the tests: the server TRACKER_TEST_POSTGRES_URL names, or a throwaway cluster
started from the installed binaries in a temporary directory; one fresh database per test."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

URL_VARIABLE = "TRACKER_TEST_POSTGRES_URL"
INSTALL_HINT = (
    "PostgreSQL tests need a server: set TRACKER_TEST_POSTGRES_URL "
    "(e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test) or install PostgreSQL "
    "(apt-get install postgresql, or bash scripts/system-deps.sh)"
)
DATABASE_PREFIX = "trd_test_"


class PostgresUnavailable(Exception):
    """No server to test against; the message says what to install or set."""


class PostgresServer:
    """A server the tests may create and drop databases on, reached through an admin URL."""

    def __init__(self, admin_url: str, cluster: LocalCluster | None = None):
        self.admin_url = admin_url
        self.cluster = cluster
        self._admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self._template: str | None = None  # a database migrated to head, copied per test

    def check(self) -> None:
        try:
            with self._admin.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            shown = make_url(self.admin_url).render_as_string(hide_password=True)
            raise PostgresUnavailable(
                f"cannot reach PostgreSQL at {shown} ({str(exc).splitlines()[0]}); {INSTALL_HINT}"
            ) from None

    def create_database(self, migrated: bool = False) -> str:
        """A new database, empty or already at the newest schema; returns its URL.

        Migrated databases are copies of one migrated once per session: copying is faster
        than running the migrations for every test.
        """
        template = ""
        if migrated:
            if self._template is None:
                self._template = self._migrated_template()
            template = f' TEMPLATE "{self._template}"'
        name = f"{DATABASE_PREFIX}{uuid.uuid4().hex[:12]}"
        with self._admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
        return self._url(name)

    def _migrated_template(self) -> str:
        from tracker.store import Database

        url = self.create_database()
        database = Database(url)
        database.migrate()
        database.dispose()  # a template must have no open connection when it is copied
        return make_url(url).database

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def drop_database(self, url: str) -> None:
        """Drop a test database, closing any connection a test left open."""
        name = make_url(url).database
        assert name and name.startswith(DATABASE_PREFIX), name
        with self._admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    def stop(self) -> None:
        if self._template is not None:
            self.drop_database(self._url(self._template))
        self._admin.dispose()
        if self.cluster is not None:
            self.cluster.stop()


def find_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: on PATH, or the newest Debian/Ubuntu install."""
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name), reverse=True
    ) + ["/usr/local/pgsql/bin"]
    for candidate in candidates:
        if (Path(candidate) / "initdb").is_file() and (Path(candidate) / "pg_ctl").is_file():
            return Path(candidate)
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LocalCluster:
    """A PostgreSQL cluster in a temporary directory, on a free loopback port, trust auth.

    PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user.
    """

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.directory = Path(tempfile.mkdtemp(prefix="trd-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser")
            if runuser is None:
                raise PostgresUnavailable(f"running as root without runuser; {INSTALL_HINT}")
            self._run_as = [runuser, "-u", "postgres", "--"]
            shutil.chown(self.directory, "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *argv: str) -> None:
        done = subprocess.run([*self._run_as, *argv], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(
                f"{Path(argv[0]).name} failed ({done.stderr.strip()[:300]}); {INSTALL_HINT}"
            )

    def start(self) -> LocalCluster:
        self._run(str(self.binaries / "initdb"), "-D", str(self.data), "-U", "postgres",
                  "--auth=trust", "-E", "UTF8", "--no-sync")
        options = (f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")
        self._run(str(self.binaries / "pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.directory / "server.log"), "-w", "start")
        return self

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            subprocess.run([*self._run_as, str(self.binaries / "pg_ctl"), "-D", str(self.data),
                            "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_server(url: str | None) -> PostgresServer:
    """The named server when a URL is given, else a local cluster from the installed binaries."""
    if url:
        server = PostgresServer(url)
    else:
        binaries = find_binaries()
        if binaries is None:
            raise PostgresUnavailable(f"{URL_VARIABLE} is not set and no initdb found; "
                                      f"{INSTALL_HINT}")
        cluster = LocalCluster(binaries).start()
        server = PostgresServer(cluster.url, cluster)
    try:
        server.check()
    except PostgresUnavailable:
        server.stop()
        raise
    return server
