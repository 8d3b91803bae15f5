"""Report benchmark: build the evidence report over N stored papers on SQLite and PostgreSQL.

Stores N synthetic records (linked round-robin to the baseline's therapies, snapshots rebuilt as
a poll does), then times building the report for the whole year (the database queries) and
rendering it as HTML and JSON, best of three.

    python bench/bench_report.py [--records 5000] [--db sqlite|postgresql|both]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import scratch_postgres  # noqa: E402

SINCE, UNTIL = date(2025, 3, 1), date(2026, 2, 28)


def fill(url: str, n: int) -> None:
    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir
    from tracker.demo.synth import synthetic_records
    from tracker.evidence import rebuild_snapshots
    from tracker.ingest import link_therapies, sync_therapies, upsert_records
    from tracker.store import Database

    baseline = load_baseline(default_seeds_dir())
    ids = [t.id for t in baseline.therapies]
    db = Database(url)
    db.migrate()
    now = datetime(2026, 3, 1)
    with db.session() as session:
        sync_therapies(session, baseline)
    records = list(synthetic_records(n))
    for start in range(0, n, 500):
        with db.session() as session:
            result = upsert_records(session, records[start:start + 500], run_id=None, now=now)
            link_therapies(session, [(ids[int(pmid) % len(ids)], paper_id)
                                     for pmid, paper_id in result.new.items()],
                           run_id=None, now=now)
    with db.session() as session:
        rebuild_snapshots(session, baseline, until=UNTIL)
    db.dispose()


def time_report(url: str) -> tuple[float, float, int]:
    """Best-of-three seconds to build the report and to render it (HTML + JSON); paper count."""
    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir
    from tracker.report import build_report, render
    from tracker.store import Database

    baseline = load_baseline(default_seeds_dir())
    db = Database(url)
    builds, renders, papers = [], [], 0
    for _ in range(3):
        started = time.perf_counter()
        with db.session() as session:
            report = build_report(session, baseline, since=SINCE, until=UNTIL,
                                  generated_at=datetime(2026, 3, 1))
        builds.append(time.perf_counter() - started)
        started = time.perf_counter()
        html, as_json = render(report, "html"), render(report, "json")
        renders.append(time.perf_counter() - started)
        papers = as_json.count('"pmid"')
        assert html
    db.dispose()
    return min(builds), min(renders), papers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=5000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"report over {args.records:,} stored synthetic papers, {SINCE} to {UNTIL}")
    print(f"{'backend':<12}{'fill s':>10}{'build s':>10}{'render s':>10}{'pmids in JSON':>15}")
    for backend in backends:
        with tempfile.TemporaryDirectory() as folder:
            url, drop = f"sqlite:///{folder}/bench.db", None
            if backend == "postgresql":
                url, drop = scratch_postgres(args.postgres_url)
            try:
                started = time.perf_counter()
                fill(url, args.records)
                filled = time.perf_counter() - started
                build, rendering, papers = time_report(url)
            finally:
                if drop:
                    drop()
        print(f"{backend:<12}{filled:>10.1f}{build:>10.2f}{rendering:>10.2f}{papers:>15,}")


if __name__ == "__main__":
    main()
