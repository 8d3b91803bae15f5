"""The stored columns of papers a batch has just written, without reading them back.

A poll's upsert holds every column it wrote for its new and updated papers; screening, duplicate
detection and notice linking read a few of them right after. `paper_rows` answers from what was
written and reads only the other papers (unchanged ones) from the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.store import Paper, rows_in_batches


def paper_rows(session: Session, columns: tuple, paper_ids: Iterable[int],
               written: Mapping[int, Mapping] | None = None) -> list:
    """Rows of the given Paper columns (Paper.id among them) for the ids, in id order: from
    `written` (paper id -> the columns an upsert wrote) where it has them, else from the store."""
    written = written or {}
    ids = sorted(set(paper_ids))
    names = [column.key for column in columns]
    rows = [SimpleNamespace(**{name: written[i][name] for name in names})
            for i in ids if i in written]
    rows += rows_in_batches(session, lambda batch: select(*columns).where(Paper.id.in_(batch)),
                            [i for i in ids if i not in written])
    return sorted(rows, key=lambda row: row.id)
