"""How long `tracker --help` takes to start, against the floor of starting Python at all.

Runs `python -c pass` (the anchor) and `tracker --help` interleaved, so a noisy machine slows both
alike, and prints the medians and their ratio (goal: at most 6x).

    .venv/bin/python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ratios import compile_tracker, ratio_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ANCHOR = [sys.executable, "-c", "pass"]
HELP = [sys.executable, "-c", "from tracker.cli import main; main(['--help'])"]
GOAL = 6.0


def wall(argv: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each (default 15)")
    args = parser.parse_args(argv)
    compile_tracker()  # the bytecode an installed copy has
    wall(HELP)  # the first run fills the file cache; it is not counted
    anchor, tracker = [], []
    for _ in range(args.runs):
        anchor.append(wall(ANCHOR))
        tracker.append(wall(HELP))
    floor, help_time = statistics.median(anchor), statistics.median(tracker)
    print(f"startup, median of {args.runs} interleaved runs")
    ratio_line("tracker --help vs python -c pass", value=help_time * 1000, anchor=floor * 1000,
               unit="ms", goal=f"<= {GOAL:g}x", met=help_time / floor <= GOAL)


if __name__ == "__main__":
    main()
