"""`tracker demo`: the real pipeline against a local E-utilities server holding demo records."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from tracker.baseline import load_baseline
from tracker.clock import local, utc_now
from tracker.config import Settings, validate
from tracker.demo.data import FIRST_POLL_UNTIL, REPORT_SINCE, SECOND_POLL_UNTIL, demo_waves
from tracker.demo.server import EutilsServer
from tracker.ingest import PollSummary, backfill_history, initialise, poll, refresh
from tracker.pubmed.eutils import EutilsClient
from tracker.report import FORMATS, build_report, write
from tracker.store import Database, Paper


@dataclass
class DemoResult:
    html: Path
    others: list[Path]
    requests: int
    config: Path  # tracker.toml in the demo folder: `cd` there and every command uses demo.db


def write_demo_config(workdir: Path, settings: Settings) -> Path:
    """A tracker.toml pointing at the demo database, so the demo can be explored afterwards."""
    path = workdir / "tracker.toml"
    path.write_text(
        "# Written by `tracker demo`: run tracker commands in this folder to explore the demo\n"
        "# database (tracker therapies, tracker status, tracker report ...).\n"
        "[database]\n"
        f"url = {json.dumps(settings.database_url)}\n\n"
        "[paths]\n"
        f"seeds = {json.dumps(str(Path(settings.seeds_dir).resolve()))}\n"
        f"reports = {json.dumps(str(Path(settings.reports_dir).resolve()))}\n",
        encoding="utf-8",
    )
    return path


def _describe(summary: PollSummary) -> str:
    busy = [p for p in summary.therapies if p.found]
    lines = [f"  {p.therapy.id:<20} {p.found:>3} found, {p.new_papers:>3} new" for p in busy]
    lines.append(
        f"  run {summary.run_id}: {summary.status}, {summary.new_papers} new papers, "
        f"{summary.fetched} records fetched, {summary.duplicates} duplicate link(s)"
    )
    return "\n".join(lines)


def mark_demo_papers(session) -> int:
    """Every paper in the demo's own database came from the demo: say so on each, so reports
    carry the DEMO banner whatever their window (not judged by a PMID range real PMIDs will
    reach one day)."""
    return session.execute(update(Paper).values(is_demo=True)).rowcount


def run_demo(
    workdir: Path, *, seeds_dir: Path, echo: Callable[[str], None] = print
) -> DemoResult:
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    first_wave, second_wave = demo_waves()
    baseline = load_baseline(seeds_dir)
    with EutilsServer(first_wave, today=SECOND_POLL_UNTIL) as server:
        settings = Settings(
            database_url=f"sqlite:///{(workdir / 'demo.db').resolve()}",
            eutils_url=server.url,
            email="demo@trd-tracker.invalid",
            requests_per_second=10.0,
            seeds_dir=seeds_dir,
            reports_dir=workdir / "reports",
            source="demo",
        )
        validate(settings)
        echo(f"Demo: local E-utilities server at {server.url} with {len(first_wave)} demo records")
        db = Database(settings.database_url)
        client = EutilsClient(settings)
        db.migrate()
        init = initialise(db, baseline, client=client, now=utc_now())
        found = sum(1 for r in init.references if r.pmid)
        unmatched = [r.key for r in init.references if not r.matches]
        echo(f"init: {len(baseline.therapies)} therapies; {found}/{len(init.references)} "
             f"references resolved; {len(unmatched)} match no tracked therapy")
        before = len(server.requests)
        history = backfill_history(db, client, baseline,
                                   today=baseline.start_date - timedelta(days=1),
                                   batch_size=settings.batch_size, period=settings.period)
        echo(f"history before the baseline ({baseline.start_date}): "
             f"{history.new_papers} papers from {len(server.requests) - before} requests")

        echo(f"poll through {FIRST_POLL_UNTIL}:")
        echo(_describe(poll(db, client, baseline, until=FIRST_POLL_UNTIL,
                            today=FIRST_POLL_UNTIL, batch_size=settings.batch_size,
                            period=settings.period)))

        server.add_records(second_wave)
        echo(f"{len(second_wave)} new or revised records appear in the demo PubMed")
        echo(f"poll through {SECOND_POLL_UNTIL}:")
        echo(_describe(poll(db, client, baseline, until=SECOND_POLL_UNTIL,
                            today=SECOND_POLL_UNTIL, batch_size=settings.batch_size,
                            period=settings.period)))

        refreshed = refresh(db, client, baseline, since=FIRST_POLL_UNTIL,
                            until=SECOND_POLL_UNTIL, today=SECOND_POLL_UNTIL,
                            period=settings.period)
        echo(f"refresh: {refreshed.describe()}")
        requests = len(server.requests)

    with db.session() as session:
        mark_demo_papers(session)

    with db.session() as session:
        report = build_report(session, baseline, since=REPORT_SINCE, until=SECOND_POLL_UNTIL,
                              period=settings.period, generated_at=local(utc_now()))
    paths = [write(report, fmt, None, settings.reports_dir) for fmt in FORMATS]
    db.dispose()
    echo(f"{requests} requests to the E-utilities server in all")
    config = write_demo_config(workdir, settings)
    return DemoResult(html=paths[0].resolve(), others=[p.resolve() for p in paths[1:]],
                      requests=requests, config=config.resolve())
