"""Report benchmark: `tracker report` end to end at two database sizes, on SQLite and PostgreSQL.

Fills a database with N synthetic papers by bulk inserts (fast: no ingest), the same few dozen
papers in one ISO week and the rest spread over the ten years before it, then runs the CLI as a
user does:

- the one-week HTML report at each size: its time minus `tracker --help` start-up must stay under
  1 s, and the larger database's time over the smaller's (flatness) at most 1.3x;
- the all-time report (every day since 2000) at each size: under 3 s;
- the peak memory (RSS) of each run, larger size over smaller.

    python bench/bench_report.py [--sizes 10000,100000] [--db sqlite|postgresql|both]
                                 [--keep DIR]

--keep DIR keeps the filled SQLite databases in DIR and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import zlib
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import scratch_postgres  # noqa: E402
from ratios import INFORMATIONAL, compile_tracker, ratio_line  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRACKER = str(Path(sys.executable).with_name("tracker"))
WEEK = (date(2026, 2, 16), date(2026, 2, 22))  # Monday to Sunday
ALL_TIME = (date(2000, 1, 1), WEEK[1])
HISTORY_START = date(2016, 1, 1)
IN_WEEK = 60  # papers in the reported week, whatever the database size
LEVELS = ("systematic_review", "rct", "observational", "case_report", "narrative_review",
          "preclinical", "unclassified")
BATCH = 2000


def paper_row(number: int, day: date, now: datetime) -> dict:
    """One stored paper as big as a real one: abstract, authors, MeSH and its compressed XML."""
    pmid = str(30_000_000 + number)
    text = f"Synthetic abstract sentence {number} about treatment-resistant depression. " * 12
    xml = (f"<PubmedArticle><PMID>{pmid}</PMID><ISSN>1234-{number % 10_000:04d}</ISSN>"
           f"<AbstractText>{text}</AbstractText></PubmedArticle>").encode()
    return {
        "pmid": pmid, "title": f"Synthetic paper {number} on ketamine and esketamine",
        "abstract": [{"label": "BACKGROUND", "category": "BACKGROUND", "text": text}],
        "authors": [{"last": f"Author{number % 997}", "initials": "AB", "fore": "Alex"},
                    {"last": f"Second{number % 991}", "initials": "CD", "fore": "Casey"}],
        "first_author": f"Author{number % 997}", "journal": "Journal of Synthetic Psychiatry",
        "journal_abbrev": "J Synth Psychiatry", "pub_date": day, "pub_date_text": day.isoformat(),
        "pub_year": day.year, "entrez_date": day, "pubmed_date": day,
        "publication_types": [["D016428", "Journal Article"]],
        "mesh": [{"descriptor": "Depressive Disorder, Treatment-Resistant", "ui": "D061218",
                  "major": True, "qualifiers": []}],
        "raw_xml": zlib.compress(xml), "level": LEVELS[number % len(LEVELS)],
        "level_source": "publication_type", "level_confidence": 0.9,
        "level_reason": "publication type Journal Article", "title_norm": f"synthetic {number}",
        "first_seen_at": now, "updated_at": now,
    }


def fill(url: str, size: int) -> None:
    """`size` papers linked round-robin to the therapies: IN_WEEK in the week, the rest before."""
    from sqlalchemy import insert, select, text

    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir
    from tracker.ingest import sync_therapies
    from tracker.store import Database, Paper, TherapyPaper

    baseline = load_baseline(default_seeds_dir())
    ids = [t.id for t in baseline.therapies]
    db = Database(url)
    db.migrate()
    now = datetime(2026, 3, 1)
    history_days = (WEEK[0] - HISTORY_START).days
    with db.session() as session:
        sync_therapies(session, baseline)
    for start in range(0, size, BATCH):
        numbers = range(start, min(start + BATCH, size))
        rows = []
        for number in numbers:
            if number < IN_WEEK:
                day = WEEK[0] + timedelta(days=number % 7)
            else:
                day = HISTORY_START + timedelta(days=number * 7919 % history_days)
            rows.append(paper_row(number, day, now))
        with db.session() as session:
            session.execute(insert(Paper), rows)
            paper_ids = dict(session.execute(
                select(Paper.pmid, Paper.id).where(Paper.pmid.in_([r["pmid"] for r in rows]))
            ).all())
            links = [{"therapy_id": ids[number % len(ids)],
                      "paper_id": paper_ids[str(30_000_000 + number)], "first_found_at": now}
                     for number in numbers]
            session.execute(insert(TherapyPaper), links)
    if db.engine.dialect.name == "postgresql":
        # as autovacuum soon does after a bulk load (PostgreSQL 13 on vacuums after inserts
        # too): statistics, and the visibility map that lets a count read only the index
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
    db.refresh_statistics()  # SQLite: as the end of every poll does
    db.dispose()


def run_cli(argv: list[str], env: dict) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one CLI run."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} failed ({process.returncode})")
    return seconds, usage.ru_maxrss / 1024


def best_run(argv: list[str], env: dict, runs: int) -> tuple[float, float]:
    """Best time of `runs` runs, with the peak RSS of the fastest."""
    return min(run_cli(argv, env) for _ in range(runs))


def report_argv(window: tuple[date, date], output: Path) -> list[str]:
    return [TRACKER, "report", "--since", window[0].isoformat(), "--until",
            window[1].isoformat(), "--format", "html", "--output", str(output)]


def measure(url: str, folder: Path, runs: int) -> dict[str, tuple[float, float]]:
    env = {**os.environ, "TRACKER_DATABASE_URL": url, "TRACKER_REPORTS_DIR": str(folder)}
    return {
        "week": best_run(report_argv(WEEK, folder / "week.html"), env, runs),
        "all": best_run(report_argv(ALL_TIME, folder / "all.html"), env, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="database sizes in papers, comma-separated (default 10000,100000)")
    parser.add_argument("--runs", type=int, default=3, help="one-week runs per size (best of)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--keep", type=Path, help="keep filled SQLite databases here and "
                        "reuse them (the fill takes longer than the reports)")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "TRACKER_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
    args = parser.parse_args()
    compile_tracker()  # the bytecode an installed copy has
    sizes = sorted(int(s) for s in args.sizes.split(","))
    backends = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    startup = min(run_cli([TRACKER, "--help"], dict(os.environ))[0] for _ in range(5))
    print(f"tracker report, {IN_WEEK} papers in the week {WEEK[0]} to {WEEK[1]}, the rest "
          f"before it; tracker --help start-up {startup:.2f} s")
    for backend in backends:
        results: dict[int, dict[str, tuple[float, float]]] = {}
        for size in sizes:
            with tempfile.TemporaryDirectory() as name:
                folder = Path(name)
                url, drop = f"sqlite:///{folder}/bench.db", None
                kept = None
                if backend == "postgresql":
                    url, drop = scratch_postgres(args.postgres_url)
                elif args.keep:
                    args.keep.mkdir(parents=True, exist_ok=True)
                    kept = args.keep / f"bench-{size}.db"
                    url = f"sqlite:///{kept}"
                try:
                    started = time.perf_counter()
                    if kept is None:
                        fill(url, size)
                    elif not kept.exists():  # filled under another name: no half-filled reuse
                        partial = kept.with_suffix(".part")
                        partial.unlink(missing_ok=True)
                        fill(f"sqlite:///{partial}", size)
                        partial.rename(kept)
                    filled = time.perf_counter() - started
                    results[size] = measure(url, folder, args.runs)
                finally:
                    if drop:
                        drop()
            week, _ = results[size]["week"]
            print(f"{backend}, {size:,} papers (filled in {filled:.1f} s)")
            ratio_line(f"report one week html vs start-up, {backend} {size // 1000}k",
                       value=week, anchor=startup, unit="s", goal="value - anchor < 1 s",
                       met=week - startup < 1.0)
            all_time, _ = results[size]["all"]
            ratio_line(f"report all-time html vs start-up, {backend} {size // 1000}k",
                       value=all_time, anchor=startup, unit="s", goal="value < 3 s",
                       met=all_time < 3.0)
        small, large = results[sizes[0]], results[sizes[-1]]
        scale = f"{sizes[-1] // 1000}k vs {sizes[0] // 1000}k"
        ratio_line(f"report one week html time, {backend} {scale}", value=large["week"][0],
                   anchor=small["week"][0], unit="s", goal="<= 1.3x",
                   met=large["week"][0] <= 1.3 * small["week"][0])
        ratio_line(f"report one week html peak RSS, {backend} {scale}", value=large["week"][1],
                   anchor=small["week"][1], unit="MiB", goal="<= 1.3x",
                   met=large["week"][1] <= 1.3 * small["week"][1])
        ratio_line(f"report all-time html peak RSS, {backend} {scale}", value=large["all"][1],
                   anchor=small["all"][1], unit="MiB", goal=INFORMATIONAL, met=True)


if __name__ == "__main__":
    main()
