"""Text cut to the length its column declares.

SQLite stores a string of any length in a VARCHAR(n) column; PostgreSQL refuses the whole INSERT.
A record from PubMed with an unusually long journal name or pagination must store the same way on
both, so values are cut (ending in "…") before they are written.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import String, Table

ELLIPSIS = "…"


def fit_to_columns(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """The values with every string longer than its column's declared length cut to fit."""
    fitted = dict(values)
    for name, length in _declared_lengths(table):
        value = values.get(name)
        if isinstance(value, str) and len(value) > length:
            fitted[name] = value[: length - 1] + ELLIPSIS
    return fitted


@cache
def _declared_lengths(table: Table) -> tuple[tuple[str, int], ...]:
    """(column name, length) of the table's string columns that declare a length; a paper
    batch fits thousands of rows to one table."""
    return tuple(
        (column.name, column.type.length) for column in table.columns
        if isinstance(column.type, String) and column.type.length is not None
    )
