"""Database connection and schema migrations (Alembic), behind one small object."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from tracker.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_transactional_ddl(dbapi_connection, record) -> None:
    """The sqlite3 driver commits each CREATE TABLE on its own; taking transactions out of its
    hands (and beginning them in the `begin` event) makes a whole migration one transaction."""
    dbapi_connection.isolation_level = None
    _sqlite_pragmas(dbapi_connection, record)


def _begin_immediate(connection) -> None:
    """Take SQLite's write lock at once, so two migrations queue instead of interleaving."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    try:
        engine = create_engine(url, future=True)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        raise StoreError(f"cannot use database URL {url!r}: {exc}") from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> str:
        """Create or upgrade the schema to the newest revision; returns that revision.

        One transaction on both backends: a kill at any moment leaves the old schema or the new
        one. A database file this call created is removed again if the migration fails.
        """
        path = self.sqlite_file
        existed = path is None or path.exists()
        engine = self._migration_engine()
        try:
            command.upgrade(alembic_config(engine), "head")
        except (SQLAlchemyError, OSError) as exc:
            if not existed:
                engine.dispose()
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
                    leftover.unlink(missing_ok=True)
            raise StoreError(f"cannot migrate {self.display_url}: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from None
        finally:
            if engine is not self.engine:
                engine.dispose()
        return self.head_revision()

    def _migration_engine(self) -> Engine:
        if self.engine.dialect.name != "sqlite":
            return self.engine  # PostgreSQL runs DDL inside transactions already
        engine = create_engine(self.engine.url, poolclass=NullPool)
        event.listen(engine, "connect", _sqlite_transactional_ddl)
        event.listen(engine, "begin", _begin_immediate)
        return engine

    @property
    def sqlite_file(self) -> Path | None:
        """The file of an SQLite database, None for other backends and in-memory databases."""
        if self.engine.dialect.name != "sqlite":
            return None
        name = self.engine.url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return None
        return Path(name)

    def head_revision(self) -> str:
        return ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()

    def current_revision(self) -> str | None:
        path = self.sqlite_file
        if path is not None and not path.exists():
            return None  # connecting would create an empty file
        try:
            with self.engine.connect() as connection:
                return MigrationContext.configure(connection).get_current_revision()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {self.display_url}: "
                             f"{str(exc).splitlines()[0]}") from None

    def require_current(self) -> None:
        """Refuse to work on a database that `tracker init` has not brought up to date."""
        current = self.current_revision()
        if current is None:
            raise StoreError(f"database {self.display_url} is not initialised: run `tracker init`")
        if current != self.head_revision():
            raise StoreError(
                f"database {self.display_url} is at schema {current}, this tracker needs "
                f"{self.head_revision()}: run `tracker init` to migrate"
            )

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        self.engine.dispose()
