"""Ingest benchmark: parse, classify, deduplicate and store N PubMed records in SQLite and/or
PostgreSQL.

Prints records/s for raw lxml iterparse (the floor), for tracker's streaming parser, and end to end
(parse + classify + dedupe + upsert + therapy links, committed in batches as a poll does), plus the
peak memory of each stage, measured in a fresh subprocess so stages do not share a heap.

    python bench/bench_ingest.py [--records 50000] [--batch 200] [--db sqlite|postgresql|both]

PostgreSQL: a scratch database is created (and dropped) on the server --postgres-url names
(default: TRACKER_TEST_POSTGRES_URL, else postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path


def make_file(path: Path, n: int) -> None:
    from tracker.demo.synth import synthetic_records
    from tracker.pubmed.xmlwrite import write_articleset

    with path.open("wb") as out:
        write_articleset(synthetic_records(n), out)


def stage_floor(path: Path, _batch: int, _url: str = "") -> int:
    from lxml import etree

    count = 0
    for _, element in etree.iterparse(str(path), events=("end",),
                                      tag=("PubmedArticle", "PubmedBookArticle"),
                                      resolve_entities=False, no_network=True, load_dtd=False):
        count += 1
        element.clear()
        while element.getprevious() is not None:
            del element.getparent()[0]
    return count


def stage_parse(path: Path, _batch: int, _url: str = "") -> int:
    from tracker.pubmed.parse import iter_records
    from tracker.records import PaperRecord

    return sum(1 for item in iter_records(path) if isinstance(item, PaperRecord))


def stage_store(path: Path, batch_size: int, url: str = "") -> int:
    from tracker.evidence import DuplicateFinder
    from tracker.ingest import link_therapies, upsert_records
    from tracker.pubmed.parse import iter_records
    from tracker.records import PaperRecord
    from tracker.store import Database, Therapy

    with tempfile.TemporaryDirectory() as folder:
        db = Database(url or f"sqlite:///{folder}/bench.db")
        db.migrate()
        with db.session() as session:
            session.add(Therapy(id="bench", name="bench", category="x", status="x", query="x"))
        with db.session() as session:
            finder = DuplicateFinder(session)
        count = 0
        batch: list[PaperRecord] = []

        def commit(batch):
            now = datetime.now()
            with db.session() as session:
                result = upsert_records(session, batch, run_id=None, now=now)
                link_therapies(session, [("bench", i) for i in result.ids.values()],
                               run_id=None, now=now)
                finder.detect(session, list(result.new.values()), now)

        for record in iter_records(path):
            if not isinstance(record, PaperRecord):
                continue
            batch.append(record)
            count += 1
            if len(batch) >= batch_size:
                commit(batch)
                batch = []
        if batch:
            commit(batch)
        db.dispose()
    return count


STAGES = {"floor": stage_floor, "parse": stage_parse, "store": stage_store}


def run_stage(name: str, path: Path, batch: int, url: str = "") -> dict:
    """One stage in a child process: its own wall time and peak resident memory."""
    code = (
        "import json, resource, sys, time; sys.path.insert(0, 'bench');"
        "import bench_ingest as b; from pathlib import Path;"
        "t = time.perf_counter();"
        f"n = b.STAGES[{name!r}](Path({str(path)!r}), {batch}, {url!r});"
        "s = time.perf_counter() - t;"
        "print(json.dumps({'n': n, 'seconds': s,"
        " 'peak_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"stage {name} failed:\n{done.stderr[-3000:]}")
    output = done.stdout
    return json.loads(output.strip().splitlines()[-1])


def scratch_postgres(admin_url: str):
    """A new empty PostgreSQL database on the server admin_url names; returns (url, drop)."""
    import uuid

    from sqlalchemy import create_engine, make_url, text

    name = f"trd_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="sqlite",
                        help="backend(s) for the end-to-end stage")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "efetch.xml"
        started = time.perf_counter()
        make_file(path, args.records)
        size_mb = path.stat().st_size / 1e6
        print(f"{args.records:,} synthetic PubMed records, {size_mb:.0f} MB of EFetch XML "
              f"(made in {time.perf_counter() - started:.1f} s)")
        print(f"{'stage':<44}{'records/s':>12}{'seconds':>10}{'peak MB':>10}")
        stages = [
            ("floor", "lxml iterparse, no field extraction (floor)", "sqlite"),
            ("parse", "tracker.pubmed.parse.iter_records", "sqlite"),
        ] + [
            ("store", f"end to end into {'SQLite' if b == 'sqlite' else 'PostgreSQL'} "
             "(classify, dedupe)", b) for b in backends
        ]
        counted = set()
        for name, label, backend in stages:
            url, drop = "", None
            if name == "store" and backend == "postgresql":
                url, drop = scratch_postgres(args.postgres_url)
            try:
                figures = run_stage(name, path, args.batch, url)
            finally:
                if drop:
                    drop()
            counted.add(figures["n"])
            assert len(counted) == 1, f"stages disagree on the record count: {counted}"
            rate = figures["n"] / figures["seconds"]
            print(f"{label:<44}{rate:>12,.0f}{figures['seconds']:>10.1f}"
                  f"{figures['peak_mb']:>10.0f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"(peak MB: the stage process's maximum resident set, interpreter included; "
          f"this driver: {own} MB)")


if __name__ == "__main__":
    main()
