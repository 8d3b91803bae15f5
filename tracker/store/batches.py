"""Long lists bound into a statement a batch at a time.

PostgreSQL takes at most 65,535 bound parameters in one statement (SQLite, 32,766 by default);
a `column.in_(values)` binds one per value, so a list that grows with the store (PMIDs, paper
ids) is sent in batches of IN_BATCH. Many-row inserts go through executemany, which SQLAlchemy
already splits under each backend's limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from sqlalchemy import Connection, Select
from sqlalchemy.orm import Session

MAX_PARAMETERS = 65_535  # PostgreSQL's limit for one statement
IN_BATCH = 500  # values in one IN (...): far under the limit with room for a query's others

T = TypeVar("T")


def batches(items: Iterable[T], size: int = IN_BATCH) -> Iterator[list[T]]:
    """The items in lists of at most `size`, in order."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def rows_in_batches(session: Session | Connection, query: Callable[[list[T]], Select],
                    items: Iterable[T]) -> Iterator:
    """The rows of `query(batch)` for each batch of the items, one batch after another.

    Given the session's connection rather than the session, plain column rows come back without
    the ORM's row handling (and without flushing the session first)."""
    for batch in batches(items):
        yield from session.execute(query(batch))


def scalars_in_batches(session: Session, query: Callable[[list[T]], Select],
                       items: Iterable[T]) -> Iterator:
    """Like rows_in_batches, the first column (or the ORM object) of each row."""
    for batch in batches(items):
        yield from session.scalars(query(batch))
