"""Setting up: `tracker init` and `tracker config`."""

from __future__ import annotations

import json
from datetime import date

import click

from tracker.cli.app import App, err, out, pass_app, progress_bar, wait_option
from tracker.cli.baseline import print_references
from tracker.clock import utc_now


@click.command()
@click.option("--skip-references", is_flag=True,
              help="Do not contact PubMed now: no reference resolution, no history backfill "
                   "(the first poll backfills instead).")
@click.option("--no-history", is_flag=True,
              help="Do not backfill each therapy's whole PubMed history; polls then start new "
                   "therapies at the baseline date and 'first RCT' means first since tracking "
                   "began.")
@wait_option
@pass_app
def init(app: App, skip_references: bool, no_history: bool, wait: float) -> None:
    """Create or migrate the database, load the baseline (therapies and references), and
    backfill each therapy's whole PubMed history.

    Safe to run again: it only adds what is missing, resolves references not yet resolved and
    backfills only therapies whose history was never searched (e.g. one added to seeds/).
    """
    from tracker.ingest import initialise, set_history
    from tracker.store import run_lock

    baseline = app.baseline
    client = None if skip_references else app.client()
    revision = app.db.migrate()  # atomic, and serialised by the database itself
    with run_lock(app.db, "init", wait=wait):
        set_history(app.db, not no_history)
        summary = initialise(app.db, baseline, client=client, now=utc_now())
    out.print(f"Database {app.db.display_url} at schema {revision}.")
    out.print(f"Baseline: {len(baseline.therapies)} therapies, {len(baseline.references)} "
              f"references ({summary.changed} rows added or updated).")
    for line in summary.repaired:
        err.print(f"repaired: {line}")
    if summary.reference_error:
        err.print(f"warning: references not resolved ({summary.reference_error}); "
                  "`tracker init` will try again")
    if summary.references:
        print_references(summary.references, baseline)
    if client is not None and not no_history:
        with run_lock(app.db, "init", wait=wait):
            backfill(app, client)


def backfill(app: App, client) -> None:
    """Each therapy's whole history, with a progress bar and what it cost in requests."""
    from tracker.errors import PubMedError, QueryRejectedError
    from tracker.ingest import backfill_history

    before = client.transport.stats.requests
    with progress_bar("History") as bar:
        task = bar.add_task("Backfilling history", total=None)

        def advance(step: int, total: int) -> None:
            bar.update(task, advance=step, total=total)

        try:
            result = backfill_history(app.db, client, app.baseline, today=date.today(),
                                      batch_size=app.settings.batch_size, progress=advance,
                                      period=app.settings.period)
        except QueryRejectedError:
            raise
        except PubMedError as exc:  # what was committed stays; the rest comes next time
            err.print(f"warning: history not fully backfilled ({exc}); run `tracker init` "
                      "again to carry on")
            return
    if result is None:
        out.print("History: every therapy's whole PubMed history is already searched.")
        return
    found = sum(p.found for p in result.therapies)
    pathways = sum(1 for p in result.therapies if p.therapy.id.startswith("pathway:"))
    searched = f"{len(result.therapies) - pathways} therapies" + (
        f" and {pathways} pathways" if pathways else "")
    out.print(f"History: {searched} searched back to the start of "
              f"PubMed: {found} records found, {result.new_papers} new papers stored, "
              f"{client.transport.stats.requests - before} requests (run {result.run_id}).")


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def show_config(app: App, as_json: bool) -> None:
    """Print the effective settings (secrets masked) and where they came from."""
    shown = app.settings.masked()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    from rich.table import Table

    table = Table("setting", "value")
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    out.print(table)
