"""INSERT ... ON CONFLICT DO NOTHING, in the dialect of the connection at hand.

Two processes may store the same new paper at once (two pollers, a poll beside a refresh). On
PostgreSQL the second INSERT of a unique key waits for the first transaction and then fails;
skipping the row instead lets the second writer carry on and read the row the first one stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import JSON, Connection, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.errors import StoreError
from tracker.store.database import unavailable
from tracker.store.models import SerialisedJSON

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_skipping_conflicts(session: Session, table: Table):
    """An INSERT for `table` that skips rows whose unique key is already stored."""
    dialect = session.get_bind().dialect.name
    if dialect not in INSERTS:
        raise StoreError(f"database backend {dialect!r} is not supported (SQLite or PostgreSQL)")
    return INSERTS[dialect](table).on_conflict_do_nothing()


def insert_new_rows(session: Session, table: Table, rows: list[dict], *,
                    serialised: Iterable[str] = (), returning: Sequence[str]) -> list[tuple]:
    """INSERT ... ON CONFLICT DO NOTHING of many rows, in their order, giving back the
    `returning` columns of the rows inserted. Every row gives the same columns, and a column
    they leave out takes its default; the JSON columns named in `serialised` come as json.dumps
    text (SerialisedJSON).

    On PostgreSQL the rows are copied (COPY) into a temporary table and inserted from it: a
    poll's 200-paper INSERT ... VALUES has some 11,000 parameters, and binding them cost the
    server about twice and the client three times what the copy does."""
    if not rows:
        return []
    serialised = frozenset(serialised)
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        statement = insert_skipping_conflicts(session, table).values(
            {name: bindparam(name, type_=SerialisedJSON()) for name in serialised}
        ).returning(*(table.c[name] for name in returning))
        return [tuple(row) for row in session.execute(statement, rows).all()]
    return _copied_in(connection, table, rows, serialised, returning)


def _copied_in(connection: Connection, table: Table, rows: list[dict],
               serialised: frozenset[str], returning: Sequence[str]) -> list[tuple]:
    dialect = connection.dialect
    given = set(rows[0])
    columns = [column for column in table.columns
               if column.name in given or column.default is not None]
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column.name) for column in columns)
    # one temporary table per column list, so a connection kept across a migration that
    # changed the table never copies into the old shape
    digest = hashlib.sha1(names.encode(), usedforsecurity=False).hexdigest()[:10]
    incoming = quote(f"incoming_{table.name}_{digest}")
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {incoming} ON COMMIT DELETE ROWS AS "
        f"SELECT {names}, 0 AS copy_order FROM {quote(table.name)} WITH NO DATA")
    values = [_copy_value(column, dialect, serialised) for column in columns]
    driver = connection.connection.driver_connection
    cursor = driver.cursor()
    try:
        with cursor.copy(f"COPY {incoming} ({names}, copy_order) FROM STDIN") as copy:
            for order, row in enumerate(rows):
                copy.write_row([value(row) for value in values] + [order])
    except Exception as exc:  # the driver's own: lost connections are said as elsewhere
        if driver.broken or driver.closed:
            raise unavailable(connection.engine.url, exc) from None
        raise
    finally:
        cursor.close()
    inserted = connection.exec_driver_sql(
        f"INSERT INTO {quote(table.name)} ({names}) SELECT {names} FROM {incoming} "
        f"ORDER BY copy_order ON CONFLICT DO NOTHING "
        f"RETURNING {', '.join(quote(name) for name in returning)}").all()
    connection.exec_driver_sql(f"DELETE FROM {incoming}")  # a second call in this transaction
    return [tuple(row) for row in inserted]


def _copy_value(column, dialect, serialised: frozenset[str]):
    """A function of a row giving the column's value as its type binds it: a value the row
    leaves out is the column's default; JSON not given serialised is serialised here."""
    name, default = column.name, column.default
    is_json = isinstance(column.type, JSON)
    process = None if is_json else column.type.dialect_impl(dialect).bind_processor(dialect)

    def value(row: dict):
        if name in row:
            found = row[name]
            if is_json and name not in serialised:
                found = json.dumps(found)
        elif default is not None and default.is_callable:
            found = default.arg(None)
            found = json.dumps(found) if is_json else found
        elif default is not None and default.is_scalar:
            found = json.dumps(default.arg) if is_json else default.arg
        else:
            found = None
        return process(found) if process is not None and found is not None else found

    return value
