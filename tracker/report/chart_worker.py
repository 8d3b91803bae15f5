"""The HTML report's charts, drawn in a process forked before the report is built.

Importing matplotlib and drawing one chart per therapy take about as long as reading the
database and building the report, and need neither: a process forked before the database is
opened imports matplotlib meanwhile, then draws the charts from a copy of the report without
its paper lists. Where fork is missing, or the process breaks, the charts are drawn here.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from tracker.report import formats  # noqa: F401  (imported before the fork, not in both)
from tracker.report.build import Report


def _import_charts() -> None:
    import tracker.report.charts  # noqa: F401  (matplotlib: the slow part of starting)


def _draw(report: Report, scale: str):
    from tracker.report.charts import trend_charts

    return trend_charts(report, scale)


def chart_view(report: Report) -> Report:
    """The report as the charts read it: trends and levels, no papers (cheap to send)."""
    return replace(
        report, excluded=(), references=(), alerts=(), pathways=(),
        therapies=tuple(replace(s, highlights=(), others=(), notices=(), events=())
                        for s in report.therapies),
    )


class ChartWorker:
    """Start it first, then build the report, then `draw`; `close` when done (a context
    manager does)."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        if "fork" in multiprocessing.get_all_start_methods():
            self._pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"),
                                             initializer=_import_charts)
            self._pool.submit(int)  # the process starts, and imports, now

    def draw(self, report: Report, scale: str):
        if self._pool is not None:
            try:
                return self._pool.submit(_draw, chart_view(report), scale).result()
            except BrokenProcessPool:
                pass  # the process died (killed, say): draw them here
        return _draw(report, scale)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def __enter__(self) -> ChartWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
