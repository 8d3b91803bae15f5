"""Does duplicate detection stay linear when many titles are nearly the same?

    .venv/bin/python bench/bench_dedupe_scaling.py [--sizes 1000,2000,4000] [--runs 3]

Series of reports share one title but for a number ("... cohort 17", "... cohort 18"): every one
is a near-identical candidate of every other, yet none is a duplicate. For each size N, N such
records (a few authors, a few years, as a series has) go through find_duplicates into an empty
index, as a backfill stores them; the CPU time per record should not grow with N. The anchor is
the smallest size: the bench prints CPU per record at each size and the largest/smallest ratio
(goal: at most 1.5x from 1k to 4k; a scorer that compares every pair gives ~4x).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ratios import ratio_line  # noqa: E402

from tracker.evidence.duplicate_match import DuplicateIndex, find_duplicates, fingerprint  # noqa: E402
from tracker.records import Author, PaperRecord, PartialDate, PublicationType  # noqa: E402

TITLES = (
    "Esketamine nasal spray in treatment-resistant depression: real-world cohort {n}",
    "Repetitive transcranial magnetic stimulation for resistant depression, site {n} outcomes",
    "Ketamine infusion clinic audit {n}: response and remission in treatment-resistant depression",
)
AUTHORS = ("Smith", "Garcia", "Tanaka", "Novak", "Okafor", "Lindqvist")
GOAL = 1.5


def series(count: int) -> list[PaperRecord]:
    """count records whose titles differ only by a number; no two are duplicates."""
    return [
        PaperRecord(
            pmid=str(30_000_000 + n),
            title=TITLES[n % len(TITLES)].format(n=n // len(TITLES) + 1),
            authors=(Author(last_name=AUTHORS[n % len(AUTHORS)], initials="J"),),
            pub_date=PartialDate(year=2020 + n % 4),
            publication_types=(PublicationType("D016428", "Journal Article"),),
        )
        for n in range(count)
    ]


def cpu_per_record(count: int) -> tuple[float, int, int]:
    """CPU seconds per record to check and index count records; comparisons; matches."""
    fingerprints = [fingerprint(n, record) for n, record in enumerate(series(count))]
    index = DuplicateIndex()
    started = time.process_time()
    found = find_duplicates(fingerprints, index)
    return (time.process_time() - started) / count, index.comparisons, len(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,2000,4000",
                        help="comma-separated record counts (default 1000,2000,4000)")
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the median counts")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print("duplicate detection on titles that differ only by a number (CPU time, median of "
          f"{args.runs})")
    print(f"{'N':>6} {'ms/record':>10} {'comparisons/record':>19} {'matches':>8}")
    per_record = {}
    for count in sizes:
        runs = [cpu_per_record(count) for _ in range(args.runs)]
        per_record[count] = statistics.median(run[0] for run in runs)
        _, comparisons, matches = runs[0]
        print(f"{count:>6} {per_record[count] * 1000:>10.3f} {comparisons / count:>19.1f} "
              f"{matches:>8}", flush=True)
    smallest, largest = min(sizes), max(sizes)
    ratio = per_record[largest] / per_record[smallest]
    ratio_line(f"duplicate detection CPU per record, {largest // 1000}k vs {smallest // 1000}k "
               "near-identical titles", value=per_record[largest] * 1000,
               anchor=per_record[smallest] * 1000, unit="ms/record", goal=f"<= {GOAL:g}x",
               met=ratio <= GOAL, detail=f"median of {args.runs}")


if __name__ == "__main__":
    main()
