"""The garbage collector set for the tracker's work.

A command allocates many long-lived objects (modules, table metadata, templates, the level
model) and makes few reference cycles, so Python's default of a young collection every 700
allocations mostly goes over objects that are still alive: 0.1 s of a one-week report. Young
objects are collected every YOUNG_OBJECTS allocations instead, and while a poll writes its
batches the objects alive at its start are frozen out of collection altogether.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_OBJECTS = 10_000  # allocations between young collections (Python's default: 700)

_settled = {"depth": 0, "threshold": gc.get_threshold()}
_settled_lock = threading.Lock()


def collect_in_larger_rounds() -> None:
    """Young collections every YOUNG_OBJECTS allocations at least, for the whole process."""
    threshold = gc.get_threshold()
    gc.set_threshold(max(YOUNG_OBJECTS, threshold[0]), *threshold[1:])


@contextmanager
def settled_heap() -> Iterator[None]:
    """The objects alive now frozen out of collection (gc.freeze), young collections in larger
    rounds; the collector is put back as it was when the outermost such block ends. In a
    poll, collections that went through every imported module's objects were 8% of the
    writing process's time."""
    with _settled_lock:
        _settled["depth"] += 1
        if _settled["depth"] == 1:
            _settled["threshold"] = gc.get_threshold()
            gc.freeze()
            collect_in_larger_rounds()
    try:
        yield
    finally:
        with _settled_lock:
            _settled["depth"] -= 1
            if _settled["depth"] == 0:
                gc.set_threshold(*_settled["threshold"])
                gc.unfreeze()
