"""Database connection and schema migrations (Alembic), behind one small object."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from tracker.config import mask_url_password
from tracker.errors import DatabaseUnavailableError, StoreError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SCHEMA_HEAD = "0014"  # the newest migration (tests/test_migrations.py keeps the two equal)
VERSION_TABLE = "alembic_version"


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


@dataclass(frozen=True)
class PoolSettings:
    """Connection pool of a server database (PostgreSQL); SQLite keeps SQLAlchemy's defaults."""

    size: int = 5
    max_overflow: int = 10
    timeout: float = 30.0  # seconds to wait for a free connection
    recycle: int = 1800  # seconds before a connection is replaced
    connect_timeout: int = 10  # seconds to wait for the server to answer


def _server_placeholders(connect_args: dict) -> dict:
    """psycopg engine options: statements carry PostgreSQL's own $1, $2 placeholders to the
    server (psycopg's RawCursor) instead of %(name)s ones psycopg rewrites on each execution;
    a poll's 200-row INSERT has some 12,000 of them and rewriting them cost more than the
    insert itself."""
    import psycopg

    return {"paramstyle": "numeric_dollar",
            "connect_args": {**connect_args, "cursor_factory": psycopg.RawCursor}}


def make_engine(url: str, pool: PoolSettings | None = None) -> Engine:
    pool = pool or PoolSettings()
    try:
        options = {}
        if make_url(url).get_backend_name() != "sqlite":
            # pre-ping: a connection the server closed (restart, idle timeout) is replaced
            # before use instead of failing the command that drew it from the pool
            options = {
                "pool_pre_ping": True, "pool_size": pool.size, "max_overflow": pool.max_overflow,
                "pool_timeout": pool.timeout, "pool_recycle": pool.recycle,
                "connect_args": {"connect_timeout": pool.connect_timeout},
            }
            if make_url(url).get_driver_name() == "psycopg":
                options.update(_server_placeholders(options["connect_args"]))
        engine = create_engine(url, future=True, **options)
    except (SQLAlchemyError, ImportError, ValueError) as exc:
        shown = mask_url_password(url)
        if isinstance(exc, ImportError | ArgumentError) and "postgres" in url:
            raise StoreError(f"cannot use database URL {shown!r}: {mask_url_password(str(exc))} "
                             "(install the driver: pip install 'trd-tracker[postgres]')") from None
        raise StoreError(f"cannot use database URL {shown!r}: {mask_url_password(str(exc))}"
                         ) from None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        event.listen(engine, "handle_error", _unavailable_as_tracker_error(engine.url))
    return engine


def _unavailable_as_tracker_error(url: URL):
    """A failure to connect (server down, wrong password, no such database) or a connection
    lost mid-command becomes one line that names the server, never the password."""

    def handle_error(context) -> None:
        if context.is_pre_ping:
            return  # the pool replaces a dead connection it was about to hand out
        if context.connection is not None and not context.is_disconnect:
            return  # an error inside a working connection: the caller reports it
        raise unavailable(url, context.original_exception) from None

    return handle_error


def unavailable(url: URL, error: BaseException) -> DatabaseUnavailableError:
    reason = " ".join(str(error).split())
    if url.password:
        reason = reason.replace(str(url.password), "***")
    advice = "check that the server is running and the URL, user and password are right"
    if f'database "{url.database}" does not exist' in reason:
        advice = f"create it first: createdb {url.database}"
    shown = url.render_as_string(hide_password=True)
    return DatabaseUnavailableError(f"database {shown} is unavailable: {reason[:300]} ({advice})")


def alembic_config(engine: Engine):
    from alembic.config import Config  # Alembic loads for migrations only, not every command

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


class Database:
    def __init__(self, url: str, pool: PoolSettings | None = None):
        self.url = url
        self.engine = make_engine(url, pool)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def migrate(self) -> str:
        """Create or upgrade the schema to the newest revision; returns that revision.

        One transaction on both backends: a kill at any moment leaves the old schema or the new
        one. A database file this call created is removed again if the migration fails.
        """
        path = self.sqlite_file
        existed = path is None or path.exists()
        engine = self._migration_engine()
        from alembic import command

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
        self.refresh_statistics()
        return self.head_revision()

    def refresh_statistics(self) -> None:
        """Give SQLite's planner fresh table statistics (ANALYZE: 0.3 s at 100,000 papers):
        without them it looks each counted paper up in its long row instead of in the narrow
        index that covers a count. A sampled ANALYZE (analysis_limit) misjudged how many papers
        are canonical and led it astray the same way. Best effort: a run that wrote its papers
        has succeeded whatever happens here. PostgreSQL's autovacuum does this itself."""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self.engine.begin() as connection:
                connection.exec_driver_sql("ANALYZE")
        except SQLAlchemyError as exc:
            log.warning("table statistics not refreshed: %s", str(exc).splitlines()[0])

    def _migration_engine(self) -> Engine:
        if self.engine.dialect.name != "sqlite" or self.sqlite_file is None:
            return self.engine  # PostgreSQL runs DDL in transactions; in-memory has one link
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
        """The newest revision among the migration scripts (SCHEMA_HEAD, which a test keeps
        equal to it, spares the commands that only check the schema loading them)."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(alembic_config(self.engine)).get_current_head()

    def current_revision(self) -> str | None:
        """The revision Alembic recorded in the database, None before `tracker init`. Read
        with one SELECT: Alembic's MigrationContext takes 0.2 s to import, on every command."""
        path = self.sqlite_file
        if path is not None and not path.exists():
            return None  # connecting would create an empty file
        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table(VERSION_TABLE):
                    return None
                return connection.execute(
                    text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot open database {self.display_url}: "
                             f"{str(exc).splitlines()[0]}") from None

    def require_current(self) -> None:
        """Refuse to work on a database that `tracker init` has not brought up to date."""
        current = self.current_revision()
        if current is None:
            raise StoreError(f"database {self.display_url} is not initialised: run `tracker init`")
        if current != SCHEMA_HEAD:
            raise StoreError(
                f"database {self.display_url} is at schema {current}, this tracker needs "
                f"{SCHEMA_HEAD}: run `tracker init` to migrate"
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
