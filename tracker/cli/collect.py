"""Papers coming in: `tracker poll`, `refresh`, `reclassify` and `status`."""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext
from datetime import date

import click
from rich.markup import escape

from tracker.cli import digest
from tracker.cli.app import (
    DAY,
    App,
    Column,
    err,
    format_option,
    out,
    pass_app,
    print_listing,
    progress_bar,
    wait_option,
)
from tracker.clock import local, local_iso, offset, utc_now
from tracker.errors import IncompleteRunError
from tracker.text import one_line

DRY_RUN_COLUMNS = (
    Column("therapy", "therapy", "id"), Column("window", "window", "id"),
    Column("count", "count", "num"), Column("translation", "query as PubMed translated it"),
)


@click.command()
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable): an id from `tracker therapies` or an alias "
                   "such as rTMS.")
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
    # a dry run only searches: no fetch bar for records it will never fetch
    with lock, progress_bar("Fetching", disable=dry_run) as bar:
        task = bar.add_task("Fetching new records", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        summary = run_poll(
            app.db, app.client(), app.baseline, therapy_ids=selected, since=since, until=until,
            dry_run=dry_run, batch_size=app.settings.batch_size, progress=advance,
            period=app.settings.period,
        )
    if dry_run:
        print_listing("table", DRY_RUN_COLUMNS, [{
            "therapy": p.therapy.id, "window": window_text(p), "count": p.found,
            "translation": p.search.translation if p.search else "",
        } for p in summary.therapies])
        return
    for note in summary.notes:
        err.print(f"note: {escape(note)}")
    for p in summary.therapies:
        line = (f"{p.therapy.id:<20} {window_text(p)}: {p.found} found, "
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


RUN_COLUMNS = (
    Column("id", "run", "id"), Column("kind", "kind"), Column("started_at", "started", "id"),
    Column("finished_at", "finished", "id"), Column("status", "status"),
    Column("new_papers", "new papers", "num"), Column("error", "error", "short"),
)
WATERMARK_COLUMNS = (Column("therapy", "therapy", "id"),
                     Column("polled_through", "polled through", "id"))


def window_text(plan) -> str:
    """A poll's window; a search with no lower bound is the therapy's whole history."""
    from tracker.ingest.poll import HISTORY_START

    if plan.start <= HISTORY_START:
        return f"whole history to {plan.end}"
    return f"{plan.start} – {plan.end}"


@click.command()
@click.option("--runs", default=10, show_default=True, type=click.IntRange(1, 100000),
              help="How many recent runs to show.")
@format_option
@pass_app
def status(app: App, runs: int, fmt: str) -> None:
    """Show the last runs and each therapy's watermark.

    A run still marked running that no live process holds the run lock for was killed: it shows
    as interrupted. JSON gives {"runs": [...], "watermarks": [...]}; CSV gives the runs (the
    watermarks are in `tracker therapies --format csv`).
    """
    from sqlalchemy import select

    from tracker.store import Run, Watermark, lock_is_live

    app.db.require_current()
    alive = lock_is_live(app.db)  # a `running` run with no live lock holder was killed
    with app.db.session() as session:
        rows = session.scalars(select(Run).order_by(Run.id.desc()).limit(runs)).all()
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    table_view = fmt == "table"
    run_rows = [{
        "id": r.id, "kind": r.kind,
        "started_at": f"{local(r.started_at):%Y-%m-%d %H:%M:%S}" if table_view
        else local_iso(r.started_at),
        "finished_at": (f"{local(r.finished_at):%H:%M:%S}" if table_view
                        else local_iso(r.finished_at))
        if r.finished_at else ("—" if table_view else None),
        "status": "interrupted" if r.status == "running" and not alive else r.status,
        "new_papers": (r.counts or {}).get("new_papers"),
        "error": one_line(r.error or "") or None,
    } for r in rows]
    mark_rows = [{
        "therapy": t.id,
        "polled_through": marks[t.id].isoformat() if marks.get(t.id)
        else ("never" if table_view else None),
    } for t in app.baseline.targets]  # therapies, then pathways
    if fmt == "json":
        sys.stdout.write(json.dumps({"runs": run_rows, "watermarks": mark_rows}, indent=2,
                                    ensure_ascii=False) + "\n")
        return
    print_listing(fmt, RUN_COLUMNS, run_rows, empty="No runs yet.",
                  title=f"Recent runs (local time, {offset(local(utc_now()))})")
    if table_view:
        print_listing(fmt, WATERMARK_COLUMNS, mark_rows, title="Watermarks")
    if table_view:
        digest.print_attention(app)


@click.command()
@wait_option
@pass_app
def reclassify(app: App, wait: float) -> None:
    """Re-derive every paper's evidence level from its stored record (no network).

    Papers not yet indexed get the current level model's reading too (`tracker classifier
    train`); without a trained model the rules decide alone. The post-filters are applied again
    to every stored therapy link, so a changed rule drops or restores links (each visible in
    `tracker therapies --dropped`).
    """
    from tracker.evidence import reclassify_all, rescreen_links
    from tracker.store import run_lock

    app.db.require_current()
    with run_lock(app.db, "reclassify", wait=wait), app.db.session() as session:
        counts = reclassify_all(session, now=utc_now())
        screened = rescreen_links(session, app.baseline.targets, now=utc_now())
    out.print(f"Reclassified {counts['papers']} papers; {counts['changed']} changed level.")
    if counts["model_version"] is None:
        out.print("No trained level model: the rules decided alone.")
    else:
        out.print(f"Level model {counts['model_version']}: rules alone {counts['rules']}, "
                  f"rules with the model {counts['rules_and_model']}, model alone "
                  f"{counts['model']}; {counts['disagreements']} disagreement(s).")
    out.print(f"Post-filters: {screened['dropped']} link(s) dropped, "
              f"{screened['restored']} restored.")


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
