"""Batches written one behind: the next batch's columns are derived on another core meanwhile.

Deriving a paper's columns (classification, duplicate fingerprint, compressed XML) needs no
database and costs about as much as writing the batch does, so while one batch is written a
worker process derives the next. Batches are still written one at a time and in order, each with
exactly the columns upsert_records would derive itself; with a single batch no process is
started.

For its length the garbage collector leaves alone the objects alive when it began (the modules,
the level model) and collects new objects in larger rounds (tracker.heap.settled_heap).

What crosses to the worker is cheap to send: each record's own XML, which the worker parses
again (pickling the parsed records cost the writing process more than the parse costs the
worker, which has time to spare), and the level model only when it is not the one sent last.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack

from tracker import evidence
from tracker.heap import settled_heap
from tracker.ingest.papers import DerivedColumns, derive_columns
from tracker.pubmed.parse import record_from_raw
from tracker.records import PaperRecord
from tracker.store import Database

Write = Callable[[list[PaperRecord], DerivedColumns | None], None]


def _exit_with_parent(parent: int) -> None:
    """In the worker: end when the poll's process is gone (killed, say), rather than wait on
    forever holding its output streams open."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


class _SameModel:
    """Sent in place of the level model when the worker holds it already."""


_worker_model = None  # in the worker: the level model it was sent last
_NOTHING_SENT = object()  # no model (not even None) went to the worker yet


def _sendable(record: PaperRecord) -> bytes | PaperRecord:
    """The record's own XML, or the record itself when it has none (built, not parsed)."""
    return record.raw_xml or record


def _derive_from_xml(sent: list[bytes | PaperRecord], model) -> DerivedColumns:
    """In the worker: derive_columns of the records, parsed again from their own XML."""
    global _worker_model
    if not isinstance(model, _SameModel):
        _worker_model = model
    records = [record_from_raw(item) if isinstance(item, bytes) else item for item in sent]
    return derive_columns(records, _worker_model)


class BatchesAhead:
    """Takes batches in order and writes each through `write`, one batch behind the last taken.

    Use as a context manager; leaving it writes the batch still pending, even when fetching the
    next one failed (as each full batch was written before that), and stops the worker.
    """

    def __init__(self, db: Database, write: Write):
        self._db = db
        self._write = write
        self._pool: ProcessPoolExecutor | None = None
        self._pending: tuple[list[PaperRecord], Future | None] | None = None
        self._model_sent = _NOTHING_SENT  # the model the worker holds

    def add(self, batch: list[PaperRecord]) -> None:
        """Start deriving this batch's columns, then write the batch before it."""
        if self._pending is None:  # nothing to overlap with yet: derived when written
            self._pending = (batch, None)
            return
        if self._pool is None:  # fork: the worker starts with the modules already imported
            import multiprocessing

            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_exit_with_parent,
                                             initargs=(os.getpid(),))
        with self._db.session() as session:
            model = evidence.load_current_model(session)
        sent = _SameModel() if self._model_sent is model else model
        self._model_sent = model
        future = self._pool.submit(_derive_from_xml, [_sendable(r) for r in batch], sent)
        self._write_pending()
        self._pending = (batch, future)

    def _write_pending(self) -> None:
        batch, future = self._pending
        self._pending = None
        self._write(batch, future.result() if future is not None else None)

    def __enter__(self) -> BatchesAhead:
        self._held = ExitStack()
        self._held.enter_context(settled_heap())
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        try:
            if self._pending is not None:
                self._write_pending()
        finally:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
            self._held.close()
