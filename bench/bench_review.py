"""Benchmark the review queue: flag sync and queue listing over a store of synthetic papers.

    .venv/bin/python bench/bench_review.py [--papers 10000]

Stores the papers (each linked to a therapy in turn), then times the first flag sync (every flag
raised), a second one (nothing to change), and listing the open queue.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tracker.baseline import load_baseline  # noqa: E402
from tracker.config import default_seeds_dir  # noqa: E402
from tracker.demo.synth import synthetic_records  # noqa: E402
from tracker.evidence import link_notices  # noqa: E402
from tracker.ingest import link_therapies, sync_therapies, upsert_records  # noqa: E402
from tracker.review import queue_rows, rule_settings, sync_flags  # noqa: E402
from tracker.store import Database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=10_000)
    args = parser.parse_args()
    baseline = load_baseline(default_seeds_dir())
    therapies = [t.id for t in baseline.therapies]
    now = datetime(2026, 3, 1)
    with tempfile.TemporaryDirectory() as folder:
        db = Database(f"sqlite:///{folder}/bench.db")
        db.migrate()
        records = list(synthetic_records(args.papers, seed=7))
        with db.session() as session:
            sync_therapies(session, baseline)
            ids = upsert_records(session, records, run_id=None, now=now).ids
            link_therapies(session, [(therapies[i % len(therapies)], ids[r.pmid])
                                     for i, r in enumerate(records)], run_id=None, now=now)
            link_notices(session, ids.values(), None, now)
        rules = rule_settings(baseline.start_date, 0.75, ())
        for label in ("first sync (raises every flag)", "second sync (nothing changes)"):
            started = time.perf_counter()
            with db.session() as session:
                summary = sync_flags(session, baseline, rules, now)
            print(f"{label}: {time.perf_counter() - started:.2f} s, "
                  f"{summary.raised} raised, {summary.cleared} cleared")
        started = time.perf_counter()
        with db.session() as session:
            rows = queue_rows(session, status="open")
        print(f"list the open queue: {time.perf_counter() - started:.2f} s, {len(rows)} papers "
              f"of {args.papers}")
        db.dispose()


if __name__ == "__main__":
    main()
