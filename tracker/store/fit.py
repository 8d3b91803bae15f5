"""Text cut to the length its column declares.

SQLite stores a string of any length in a VARCHAR(n) column; PostgreSQL refuses the whole INSERT.
A record from PubMed with an unusually long journal name or pagination must store the same way on
both, so values are cut (ending in "…") before they are written.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table

ELLIPSIS = "…"


def fit_to_columns(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """The values with every string longer than its column's declared length cut to fit."""
    fitted = dict(values)
    for name, value in values.items():
        column = table.columns.get(name)
        if column is None or not isinstance(value, str) or not isinstance(column.type, String):
            continue
        length = column.type.length
        if length is not None and len(value) > length:
            fitted[name] = value[: length - 1] + ELLIPSIS
    return fitted
