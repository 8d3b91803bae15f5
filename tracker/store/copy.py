"""Moving an install between databases (SQLite to PostgreSQL and back), verified table by table.

Every table the models define is copied parents first, in batches, inside one transaction per
table; at the end each table's row count and a checksum of its rows must agree on both sides.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Table, bindparam, func, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url

from tracker.errors import StoreError
from tracker.store.database import Database
from tracker.store.locks import run_lock
from tracker.store.models import Base

# who holds the run lock is the state of running processes, not of the install; the kept day
# counts are the target's own, made by its triggers as the papers and their links arrive
NOT_COPIED = {"run_locks", "counted_days"}

# progress(table name, rows copied so far, rows in the table)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCopy:
    table: str
    rows: int
    checksum: str  # sha256 over the table's rows, the same on both backends when they agree


def copy_database(
    source: Database,
    target: Database,
    *,
    force: bool = False,
    batch_size: int = 1000,
    progress: Progress | None = None,
    wait: float = 0.0,
) -> list[TableCopy]:
    """Copy every row of `source` into `target` (created or migrated to the newest schema).

    Refuses a target holding rows unless `force`, in which case its rows are replaced.
    Holds the source's run lock, so no poll or refresh writes to it while it is read.
    Raises StoreError when a table's count or checksum differs after the copy.
    """
    require_existing_file(source)
    source.require_current()
    if source.display_url == target.display_url:
        raise StoreError("--from and --to name the same database")
    with run_lock(source, "db copy", wait=wait):
        occupied = {name: n for name, n in row_counts(target).items() if n}
        if occupied and not force:
            listed = ", ".join(f"{name} ({n})" for name, n in sorted(occupied.items()))
            raise StoreError(f"target {target.display_url} is not empty: {listed}; "
                             "copy into an empty database, or pass --force to replace its rows")
        target.migrate()
        tables = copied_tables()
        if occupied:
            with target.engine.begin() as connection:
                for table in reversed(tables):
                    connection.execute(table.delete())
        with source.engine.connect() as reader:
            for table in tables:
                with target.engine.begin() as writer:
                    _copy_table(reader, writer, table, batch_size, progress)
        return verify(source, target)


def copied_tables() -> list[Table]:
    """The install's tables, parents before the tables that refer to them."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


def require_existing_file(database: Database) -> None:
    """A missing SQLite source file is an error, never a new empty file."""
    url = make_url(database.url)
    on_disk = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
    if on_disk and not Path(url.database).is_file():
        raise StoreError(f"source database file {url.database} does not exist")


def row_counts(database: Database) -> dict[str, int]:
    """Rows in each of the models' tables that exist in the database (none: an empty dict)."""
    with database.engine.connect() as connection:
        present = set(inspect(connection).get_table_names())
        return {
            table.name: connection.scalar(select(func.count()).select_from(table))
            for table in copied_tables() if table.name in present
        }


def _copy_table(reader: Connection, writer: Connection, table: Table, batch_size: int,
                progress: Progress | None) -> None:
    total = reader.scalar(select(func.count()).select_from(table))
    # a column pointing into its own table (papers.canonical_id) is filled in once every row
    # of the table is there, so a row may refer to one copied after it
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    primary = [column.name for column in table.primary_key.columns]
    later: list[dict] = []
    done = 0
    if progress:
        progress(table.name, 0, total)
    result = reader.execution_options(stream_results=True, yield_per=batch_size).execute(
        select(table).order_by(*table.primary_key.columns)
    )
    for batch in result.mappings().partitions(batch_size):
        rows = [dict(row) for row in batch]
        for row in rows:
            if any(row[name] is not None for name in self_refs):
                later.append({**{f"pk_{k}": row[k] for k in primary},
                              **{name: row[name] for name in self_refs}})
                row.update({name: None for name in self_refs})
        writer.execute(insert(table), rows)
        done += len(rows)
        if progress:
            progress(table.name, done, total)
    if later:
        statement = update(table).where(
            *[table.c[k] == bindparam(f"pk_{k}") for k in primary]
        ).values({name: bindparam(name) for name in self_refs})
        writer.execute(statement, later)
    _advance_sequences(writer, table)


def _advance_sequences(connection: Connection, table: Table) -> None:
    """PostgreSQL: rows copied with their ids leave the id sequence behind; move it past them."""
    if connection.dialect.name != "postgresql":
        return
    column = table.autoincrement_column
    if column is None:
        return
    quoted = connection.dialect.identifier_preparer.quote(table.name)
    connection.execute(
        text(f"SELECT setval(pg_get_serial_sequence(:table, :column), "
             f"COALESCE(MAX({column.name}), 1), MAX({column.name}) IS NOT NULL) FROM {quoted}"),
        {"table": quoted, "column": column.name},
    )


def table_checksums(database: Database) -> list[TableCopy]:
    """Each table's row count and a checksum that ignores row order and backend types."""
    found = []
    with database.engine.connect() as connection:
        for table in copied_tables():
            digests = sorted(
                hashlib.sha256(_canonical(row).encode()).digest()
                for row in connection.execute(select(table)).mappings()
            )
            checksum = hashlib.sha256(b"".join(digests)).hexdigest()
            found.append(TableCopy(table.name, len(digests), checksum))
    return found


def verify(source: Database, target: Database) -> list[TableCopy]:
    """The source's counts and checksums, after checking the target has the same."""
    expected = table_checksums(source)
    actual = {t.table: t for t in table_checksums(target)}
    wrong = [t.table for t in expected if actual.get(t.table) != t]
    if wrong:
        raise StoreError(f"copy not verified: row counts or checksums differ in {', '.join(wrong)}")
    return expected


def _canonical(row) -> str:
    return json.dumps({key: _plain(value) for key, value in row.items()}, sort_keys=True)


def _plain(value):
    """A column value as the same JSON on SQLite and PostgreSQL."""
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return value
