"""Papers coming in: `tracker poll`, `refresh`, `reclassify` and `status`."""

from __future__ import annotations

from datetime import date, datetime

import click
from rich.table import Table
from sqlalchemy import select

from tracker.cli.app import DAY, App, out, pass_app, progress_bar


@click.command()
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable). `tracker therapies` lists the ids.")
@click.option("--since", type=DAY, help="First day (PubMed create date). Default: the watermark.")
@click.option("--until", type=DAY, help="Last day. Default: today.")
@click.option("--dry-run", is_flag=True,
              help="Show each query as PubMed translates it and the count; fetch nothing.")
@pass_app
def poll(app: App, therapy_ids, since: date | None, until: date | None, dry_run: bool) -> None:
    """Ask PubMed for papers new since each therapy's watermark and store them.

    Each therapy's window starts at its last polled day (re-covered, so late additions that day
    are not missed) and ends today. Papers found by several therapies are fetched and stored once.
    """
    from tracker.ingest import poll as run_poll

    selected = app.check_therapies(therapy_ids)
    app.db.require_current()
    with progress_bar("Fetching") as bar:
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
    for p in summary.therapies:
        line = (f"{p.therapy.id:<20} {p.start} – {p.end}: {p.found} found, "
                f"{p.new_papers} new papers, {p.new_links} new links")
        if p.missing:
            line += f", {len(p.missing)} not returned by PubMed (window kept for next poll)"
        out.print(line)
    out.print(f"Run {summary.run_id}: {summary.status}; fetched {summary.fetched} records, "
              f"{summary.new_papers} new papers, {summary.duplicates} duplicate link(s), "
              f"{summary.deleted} deleted.")


@click.command()
@click.option("--runs", default=10, show_default=True, help="How many recent runs to show.")
@pass_app
def status(app: App, runs: int) -> None:
    """Show the last runs and each therapy's watermark."""
    from tracker.store import Run, Watermark

    app.db.require_current()
    with app.db.session() as session:
        rows = session.scalars(select(Run).order_by(Run.id.desc()).limit(runs)).all()
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    table = Table("run", "kind", "started", "finished", "status", "new papers", "error",
                  title="Recent runs")
    for r in rows:
        table.add_row(
            str(r.id), r.kind, f"{r.started_at:%Y-%m-%d %H:%M:%S}",
            f"{r.finished_at:%H:%M:%S}" if r.finished_at else "—",
            r.status, str((r.counts or {}).get("new_papers", "")), (r.error or "")[:80],
        )
    out.print(table)
    marks_table = Table("therapy", "polled through", title="Watermarks")
    for t in app.baseline.targets:  # therapies, then pathways
        mark = marks.get(t.id)
        marks_table.add_row(t.id, mark.isoformat() if mark else "never")
    out.print(marks_table)


@click.command()
@pass_app
def reclassify(app: App) -> None:
    """Re-derive every paper's evidence level from its stored record (no network).

    The post-filters are applied again to every stored therapy link, so a changed rule drops or
    restores links (each visible in `tracker therapies --dropped`).
    """
    from tracker.evidence import reclassify_all, rescreen_links

    app.db.require_current()
    with app.db.session() as session:
        counts = reclassify_all(session, now=datetime.now())
        screened = rescreen_links(session, app.baseline.targets, now=datetime.now())
    out.print(f"Reclassified {counts['papers']} papers; {counts['changed']} changed level.")
    out.print(f"Post-filters: {screened['dropped']} link(s) dropped, "
              f"{screened['restored']} restored.")


@click.command()
@click.option("--since", type=DAY, help="Modified since this day. Default: the last refresh.")
@click.option("--until", type=DAY, help="Last day. Default: today.")
@pass_app
def refresh(app: App, since: date | None, until: date | None) -> None:
    """Re-fetch tracked records PubMed has modified or not yet indexed; record what changed."""
    from tracker.ingest import refresh as run_refresh

    app.db.require_current()
    with progress_bar("Refreshing") as bar:
        task = bar.add_task("Re-fetching records", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        summary = run_refresh(app.db, app.client(), app.baseline, since=since, until=until,
                              today=date.today(), progress=advance, period=app.settings.period)
    out.print(summary.describe())
