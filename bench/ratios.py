"""One line per measured figure, the same in every bench: what, against which anchor, the ratio,
the goal and whether it is met. `bench/bench_all.py` collects the lines into one table.

A bench calls `ratio_line(...)`; it prints the line and, when BENCH_RESULTS names a file, appends
the figure to it as one JSON object per line.
"""

from __future__ import annotations

import compileall
import json
import os
from pathlib import Path

INFORMATIONAL = "informational"  # a figure shown beside the others, with no goal of its own


def ratio_line(row: str, *, value: float, anchor: float, unit: str, goal: str, met: bool,
               detail: str = "") -> float:
    """Print `row: value vs anchor = ratio (goal ...: met)`; return the ratio.

    `row` names the figure as the performance table does ("ingest vs naive loop, 10k");
    `value` and `anchor` are in `unit`; the ratio is value / anchor.
    """
    ratio = value / anchor if anchor else float("inf")
    verdict = f"goal {goal}: {'met' if met else 'NOT met'}" if goal != INFORMATIONAL else goal
    print(f"  {row}: {value:,.3g} {unit} vs {anchor:,.3g} {unit} = {ratio:.2f}x "
          f"({verdict}){'  ' + detail if detail else ''}", flush=True)
    path = os.environ.get("BENCH_RESULTS")
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps({"row": row, "value": value, "anchor": anchor, "unit": unit,
                                  "ratio": ratio, "goal": goal, "met": met,
                                  "detail": detail}) + "\n")
    return ratio


def compile_tracker() -> None:
    """Write the tracker's bytecode, as its first import (or pip, installing it) does. A machine
    that sets PYTHONDONTWRITEBYTECODE never keeps it, and every CLI run there compiled the
    tracker's modules from source again (about 0.1 s), which no user's install does."""
    compileall.compile_dir(Path(__file__).resolve().parents[1] / "tracker", quiet=1)
