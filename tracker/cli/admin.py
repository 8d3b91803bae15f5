"""Setting up: `tracker init` and `tracker config`."""

from __future__ import annotations

import json
from datetime import datetime

import click
from rich.table import Table

from tracker.cli.app import App, err, out, pass_app, wait_option
from tracker.cli.baseline import print_references


@click.command()
@click.option("--skip-references", is_flag=True,
              help="Do not resolve the seed references to PMIDs now (needs PubMed).")
@wait_option
@pass_app
def init(app: App, skip_references: bool, wait: float) -> None:
    """Create or migrate the database and load the baseline (therapies and references).

    Safe to run again: it only adds what is missing and resolves references not yet resolved.
    """
    from tracker.ingest import initialise
    from tracker.store import run_lock

    baseline = app.baseline
    client = None if skip_references else app.client()
    revision = app.db.migrate()  # atomic, and serialised by the database itself
    with run_lock(app.db, "init", wait=wait):
        summary = initialise(app.db, baseline, client=client, now=datetime.now())
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


@click.command("config")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def show_config(app: App, as_json: bool) -> None:
    """Print the effective settings (secrets masked) and where they came from."""
    shown = app.settings.masked()
    if as_json:
        out.print_json(json.dumps(shown))
        return
    table = Table("setting", "value")
    for key, value in shown.items():
        table.add_row(key, "" if value is None else str(value))
    out.print(table)
