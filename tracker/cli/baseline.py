"""The baseline as stored: `tracker therapies` and `tracker references`."""

from __future__ import annotations

import click
from rich.table import Table
from sqlalchemy import select

from tracker.baseline import Baseline
from tracker.cli.app import App, out, pass_app


@click.command()
@pass_app
def therapies(app: App) -> None:
    """List the tracked therapies: papers tracked / counted, and how far each was polled.

    "tracked" is every paper the therapy's searches found; "counted" follows the report's
    counting rule (no notices, retracted, deleted, excluded or duplicate papers).
    """
    from tracker.report.counting import tracked_and_counted
    from tracker.store import Watermark

    app.db.require_current()
    ids = [t.id for t in app.baseline.therapies]
    with app.db.session() as session:
        counts = tracked_and_counted(session, ids)
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    table = Table()
    table.add_column("id", no_wrap=True)
    for heading in ("therapy", "category", "status"):
        table.add_column(heading)
    table.add_column("tracked / counted", justify="right", no_wrap=True)
    table.add_column("polled through", no_wrap=True)
    for t in app.baseline.therapies:
        mark = marks.get(t.id)
        tracked, counted = counts[t.id]
        table.add_row(t.id, t.name, t.category, t.status, f"{tracked} / {counted}",
                      mark.isoformat() if mark else "never")
    out.print(table)


@click.command()
@pass_app
def references(app: App) -> None:
    """List the seed documents' references: PMID, resolution, which therapy each is about."""
    from tracker.ingest import reference_statuses

    app.db.require_current()
    with app.db.session() as session:
        statuses = reference_statuses(session)
    print_references(statuses, app.baseline)


def print_references(statuses, baseline: Baseline) -> None:
    names = {t.id: t.id for t in baseline.therapies}
    table = Table(title="Seed-document references", show_lines=False)
    for column in ("reference", "PMID", "resolved", "about tracked therapy", "cited for"):
        table.add_column(column)
    for s in statuses:
        matches = ", ".join(names[m] for m in s.matches if m in names)
        table.add_row(
            s.key, s.pmid or "—",
            s.resolution + (f" ({s.resolved_by})" if s.resolved_by else ""),
            matches or "[bold red]none[/]", s.context or "",
        )
    out.print(table)
    unmatched = [s for s in statuses if not s.matches]
    if unmatched:
        out.print(f"{len(unmatched)} reference(s) match none of the tracked therapies: "
                  + ", ".join(s.key for s in unmatched))
