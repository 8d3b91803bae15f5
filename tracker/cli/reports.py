"""`tracker report`: a period's evidence report in any format."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import click

from tracker.cli.app import DAY, App, out, pass_app
from tracker.clock import local, utc_now

LIMITED = ("html", "md", "txt")  # the formats people read; scripts and exports get every paper


@click.command()
@click.option("--period", "unit", type=click.Choice(["week", "month", "quarter", "year"]),
              help="A calendar period (ISO week, month, quarter, year), compared with the one "
                   "before. Alone: the last complete one up to the last poll; with --since or "
                   "--until: the one holding that day. Default unit: [report] period.")
@click.option("--since", type=DAY, help="First day of a custom window. Default: --until minus "
                                        "6 days.")
@click.option("--until", type=DAY, help="Last day of a custom window. Default: today.")
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
@click.option("--max-listed", type=click.IntRange(min=0), metavar="N",
              help="HTML, Markdown and text: list at most N papers of each evidence level in "
                   "each therapy (the most recent) and say how many more there are; 0 lists "
                   "all. Default: [report] max_listed, 50. Counts, charts, JSON and the "
                   "exports always cover every paper.")
@pass_app
def report(app: App, unit, since, until, therapy_ids, fmt: str, output: Path | None,
           chart_scale: str, max_listed: int) -> None:
    """Report how the evidence for each therapy changed in a period.

    Without options: the last complete calendar period (ISO week, or the unit set by [report]
    period) that ends on or before the last poll. Days never polled are shown as "not polled",
    never as zero.
    """
    from tracker.evidence import coverage
    from tracker.report import EXPORTS, build_report, export, render, write
    from tracker.report.windows import choose_window

    selected = app.check_therapies(therapy_ids)
    today = date.today()
    app.db.require_current()
    with app.db.session() as session:
        ids = [t.id for t in app.baseline.select(selected)]
        last_poll = coverage(session, ids, today, today).polled_through
        window = choose_window(since=since, until=until, unit=unit,
                               default_unit=app.settings.period, last_poll=last_poll,
                               today=today)
        step = app.settings.period if window.unit == "custom" else window.step
        data = build_report(session, app.baseline, since=window.since, until=window.until,
                            therapy_ids=selected, period=step, generated_at=local(utc_now()),
                            with_issns=fmt in EXPORTS,
                            list_limit=list_limit(app, max_listed, fmt))
    if output is not None and str(output) == "-":
        text = export(data, fmt) if fmt in EXPORTS else render(data, fmt, chart_scale=chart_scale)
        sys.stdout.write(text)
        return
    path = write(data, fmt, output, app.settings.reports_dir, chart_scale=chart_scale)
    out.print(f"Report written to {path}")


def list_limit(app: App, max_listed: int | None, fmt: str) -> int | None:
    """How many papers of a level the report lists per therapy; None: all of them."""
    limit = app.settings.max_listed if max_listed is None else max_listed
    return limit if limit and fmt in LIMITED else None
