"""`tracker report`: a period's evidence report in any format."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path

import click

from tracker.cli.app import DAY, App, out, pass_app
from tracker.errors import ConfigError


@click.command()
@click.option("--since", type=DAY, help="First day of the period. Default: --until minus 6 days.")
@click.option("--until", type=DAY, help="Last day of the period. Default: today.")
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable): an id from `tracker therapies` or an alias.")
@click.option("--format", "fmt", default="html", show_default=True,
              type=click.Choice(["html", "md", "txt", "json", "ris", "bib", "csv"]),
              help="Report format; ris (Zotero, EndNote), bib (BibTeX) and csv (screening "
                   "tools, spreadsheets) export the period's papers.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: under the reports folder). '-' for stdout.")
@click.option("--chart-scale", type=click.Choice(["own", "shared"]), default="own",
              show_default=True,
              help="HTML charts: each fitted to its therapy, or one y-scale shared by all so "
                   "therapies compare at a glance.")
@pass_app
def report(app: App, since, until, therapy_ids, fmt: str, output: Path | None,
           chart_scale: str) -> None:
    """Report how the evidence for each therapy changed in a period."""
    from tracker.report import EXPORTS, build_report, export, render, write

    selected = app.check_therapies(therapy_ids)
    until = until or date.today()
    since = since or date.fromordinal(until.toordinal() - 6)
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    app.db.require_current()
    with app.db.session() as session:
        data = build_report(session, app.baseline, since=since, until=until,
                            therapy_ids=selected, period=app.settings.period,
                            generated_at=datetime.now())
    if output is not None and str(output) == "-":
        text = export(data, fmt) if fmt in EXPORTS else render(data, fmt, chart_scale=chart_scale)
        sys.stdout.write(text)
        return
    path = write(data, fmt, output, app.settings.reports_dir, chart_scale=chart_scale)
    out.print(f"Report written to {path}")
