"""INSERT ... ON CONFLICT DO NOTHING, in the dialect of the connection at hand.

Two processes may store the same new paper at once (two pollers, a poll beside a refresh). On
PostgreSQL the second INSERT of a unique key waits for the first transaction and then fails;
skipping the row instead lets the second writer carry on and read the row the first one stored.
"""

from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tracker.errors import StoreError

INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def insert_skipping_conflicts(session: Session, table: Table):
    """An INSERT for `table` that skips rows whose unique key is already stored."""
    dialect = session.get_bind().dialect.name
    if dialect not in INSERTS:
        raise StoreError(f"database backend {dialect!r} is not supported (SQLite or PostgreSQL)")
    return INSERTS[dialect](table).on_conflict_do_nothing()
