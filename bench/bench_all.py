"""Every performance figure in one run: runs each bench (as `make bench` does), then prints one
table of what was measured, against which anchor, the ratio and whether its goal is met.

    .venv/bin/python bench/bench_all.py [--db sqlite|postgresql|both] [--only startup,report]

Each bench prints its figures through bench/ratios.py as it goes; this script only collects them
(BENCH_RESULTS names the file they are appended to) and adds the wall time of each bench, so the
whole run can be kept under its budget (15 minutes on the 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ratios import INFORMATIONAL, compile_tracker  # noqa: E402

HERE = Path(__file__).resolve().parent
BUDGET_SECONDS = 15 * 60


def benches(db: str) -> list[list[str]]:
    """The benches of the performance table, in the order of its rows, then the quality ones."""
    return [
        ["bench_parse.py"],
        ["bench_ingest.py", "--db", db],
        ["bench_dedupe_scaling.py"],
        ["bench_requests.py", "--strategy", "poll", "--sizes", "12000"],
        ["bench_report.py", "--db", db],
        ["bench_startup.py"],
        ["bench_requests.py", "--sizes", "1000,10000"],
        ["bench_classify.py"],
        ["bench_dedupe.py"],
        ["bench_model.py"],
        ["bench_queries.py", "--extra"],
    ]


def run(command: list[str], results: Path) -> tuple[int, float]:
    print(f"\n$ python bench/{' '.join(command)}", flush=True)
    started = time.perf_counter()
    env = {**os.environ, "BENCH_RESULTS": str(results)}
    code = subprocess.run([sys.executable, str(HERE / command[0]), *command[1:]],
                          env=env, cwd=HERE.parent).returncode
    return code, time.perf_counter() - started


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    out = Table(title="Performance figures (value / anchor)")
    for name, justify in (("figure", "left"), ("value", "right"), ("anchor", "right"),
                          ("ratio", "right"), ("goal", "left"), ("", "left")):
        out.add_column(name, justify=justify, overflow="fold")
    for row in rows:
        out.add_row(row["row"], f"{row['value']:,.3g} {row['unit']}",
                    f"{row['anchor']:,.3g} {row['unit']}", f"{row['ratio']:.2f}x", row["goal"],
                    "" if row["goal"] == INFORMATIONAL else "met" if row["met"] else "NOT met")
    Console(width=160).print(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both",
                        help="backends for the ingest and report benches (default both)")
    parser.add_argument("--only", default="",
                        help="comma-separated parts of bench names to run (default: all)")
    args = parser.parse_args(argv)
    compile_tracker()  # the bytecode an installed copy has
    started = time.perf_counter()
    failed, walls = [], []
    with tempfile.TemporaryDirectory() as tmp:
        results = Path(tmp) / "results.jsonl"
        results.touch()
        wanted = [part for part in args.only.split(",") if part]
        for command in benches(args.db):
            if wanted and not any(part in command[0] for part in wanted):
                continue
            code, wall = run(command, results)
            walls.append((" ".join(command), wall))
            if code:
                failed.append(" ".join(command))
        rows = [json.loads(line) for line in results.read_text().splitlines() if line]
    print()
    if rows:
        print_table(rows)
    total = time.perf_counter() - started
    print("wall time per bench: " + ", ".join(f"{name} {wall:.0f} s" for name, wall in walls))
    print(f"total {total / 60:.1f} min (budget {BUDGET_SECONDS // 60} min: "
          f"{'met' if total <= BUDGET_SECONDS else 'NOT met'})")
    if failed:
        print("benches that failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
