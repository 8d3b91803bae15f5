"""Papers coming in: `tracker poll`, `refresh`, `reclassify` and `status`."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import date, datetime

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import select

from tracker.cli.app import DAY, App, err, out, pass_app, progress_bar, wait_option
from tracker.errors import IncompleteRunError
from tracker.text import one_line


@click.command()
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable). `tracker therapies` lists the ids.")
@click.option("--since", type=DAY, help="First day (PubMed create date). Default: the watermark.")
@click.option("--until", type=DAY,
              help="Last day. Default: today; a later day is clamped to today.")
@click.option("--dry-run", is_flag=True,
              help="Show each query as PubMed translates it and the count; fetch nothing.")
@wait_option
@pass_app
def poll(app: App, therapy_ids, since: date | None, until: date | None, dry_run: bool,
         wait: float) -> None:
    """Ask PubMed for papers new since each therapy's watermark and store them.

    Each therapy's window starts at its last polled day (re-covered, so late additions that day
    are not missed) and ends today. Papers found by several therapies are fetched and stored once.
    """
    from tracker.ingest import poll as run_poll
    from tracker.store import run_lock

    selected = app.check_therapies(therapy_ids)
    app.db.require_current()
    lock = nullcontext() if dry_run else run_lock(app.db, "poll", wait=wait)  # dry run: reads
    with lock, progress_bar("Fetching") as bar:
        task = bar.add_task("Fetching new records", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        summary = run_poll(
            app.db, app.client(), app.baseline, therapy_ids=selected, since=since, until=until,
            dry_run=dry_run, batch_size=app.settings.batch_size, progress=advance,
            period=app.settings.period,
        )
    if dry_run:
        table = Table("therapy", "window", "count", "query as PubMed translated it")
        for p in summary.therapies:
            table.add_row(p.therapy.id, f"{p.start} – {p.end}", str(p.found),
                          p.search.translation if p.search else "")
        out.print(table)
        return
    for note in summary.notes:
        err.print(f"note: {escape(note)}")
    for p in summary.therapies:
        line = (f"{p.therapy.id:<20} {p.start} – {p.end}: {p.found} found, "
                f"{p.new_papers} new papers, {p.new_links} new links")
        if p.missing:
            line += f", {len(p.missing)} not returned by PubMed (window kept for next poll)"
        out.print(line)
    out.print(f"Run {summary.run_id}: {summary.status}; fetched {summary.fetched} records, "
              f"{summary.new_papers} new papers, {summary.duplicates} duplicate link(s), "
              f"{summary.deleted} deleted.")
    if summary.status == "incomplete":
        missing = sum(len(p.missing) for p in summary.therapies)
        raise IncompleteRunError(
            f"run {summary.run_id} is incomplete: PubMed listed {missing} record(s) it did not "
            "return; their windows are kept and the next poll asks again"
        )


@click.command()
@click.option("--runs", default=10, show_default=True, type=click.IntRange(1, 100000),
              help="How many recent runs to show.")
@pass_app
def status(app: App, runs: int) -> None:
    """Show the last runs and each therapy's watermark."""
    from tracker.store import Run, Watermark, lock_is_live

    app.db.require_current()
    alive = lock_is_live(app.db)  # a `running` run with no live lock holder was killed
    with app.db.session() as session:
        rows = session.scalars(select(Run).order_by(Run.id.desc()).limit(runs)).all()
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    table = Table("run", "kind", "started", "finished", "status", "new papers", "error",
                  title="Recent runs")
    for r in rows:
        table.add_row(
            str(r.id), r.kind, f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            f"{r.finished_at:%H:%M:%S}" if r.finished_at else "—",
            "interrupted" if r.status == "running" and not alive else r.status,
            str((r.counts or {}).get("new_papers", "")), escape(one_line(r.error or "")[:80]),
        )
    out.print(table)
    marks_table = Table("therapy", "polled through", title="Watermarks")
    for t in app.baseline.therapies:
        mark = marks.get(t.id)
        marks_table.add_row(t.id, mark.isoformat() if mark else "never")
    out.print(marks_table)


@click.command()
@wait_option
@pass_app
def reclassify(app: App, wait: float) -> None:
    """Re-derive every paper's evidence level from its stored record (no network)."""
    from tracker.evidence import reclassify_all
    from tracker.store import run_lock

    app.db.require_current()
    with run_lock(app.db, "reclassify", wait=wait), app.db.session() as session:
        counts = reclassify_all(session, now=datetime.now())
    out.print(f"Reclassified {counts['papers']} papers; {counts['changed']} changed level.")


@click.command()
@click.option("--since", type=DAY, help="Modified since this day. Default: the last refresh.")
@click.option("--until", type=DAY, help="Last day. Default: today.")
@wait_option
@pass_app
def refresh(app: App, since: date | None, until: date | None, wait: float) -> None:
    """Re-fetch tracked records PubMed has modified or not yet indexed; record what changed."""
    from tracker.ingest import refresh as run_refresh
    from tracker.store import run_lock

    app.db.require_current()
    with run_lock(app.db, "refresh", wait=wait), progress_bar("Refreshing") as bar:
        task = bar.add_task("Re-fetching records", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        summary = run_refresh(app.db, app.client(), app.baseline, since=since, until=until,
                              today=date.today(), progress=advance, period=app.settings.period)
    out.print(summary.describe())
    if summary.status == "incomplete":
        raise IncompleteRunError(
            f"run {summary.run_id} is incomplete: PubMed did not return {len(summary.missing)} "
            "tracked record(s); the next refresh asks again"
        )
