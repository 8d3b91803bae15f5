"""The baseline as stored: `tracker therapies` and `tracker references`."""

from __future__ import annotations

import json

import click
from rich.markup import escape
from rich.table import Table
from sqlalchemy import func, select

from tracker.baseline import Baseline
from tracker.cli.app import App, out, pass_app, short_title
from tracker.evidence import dropped_links, link_tags


@click.command()
@click.option("--dropped", is_flag=True,
              help="List the papers the post-filters dropped from a therapy, with the reason, "
                   "so a reviewer can check each filter.")
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="With --dropped: only this therapy (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True,
              help="json: one object per therapy (or dropped paper), for scripts.")
@pass_app
def therapies(app: App, dropped: bool, therapy_ids, fmt: str) -> None:
    """List the tracked therapies with their paper counts and watermarks.

    With --dropped, list instead the papers a therapy's query found that a post-filter set
    aside (ketamine by another route, LSD the statistics test, an SSRI patients merely kept
    taking...): they are stored, not counted, and shown here with the rule and the reason.
    """
    from tracker.store import Paper, TherapyPaper, Watermark

    selected = app.check_therapies(therapy_ids)
    app.db.require_current()
    if dropped:
        print_dropped(app, selected, fmt)
        return
    with app.db.session() as session:
        counts = dict(session.execute(
            select(TherapyPaper.therapy_id, func.count())
            .join(Paper, Paper.id == TherapyPaper.paper_id)
            .where(Paper.canonical_id.is_(None), Paper.deleted.is_(False))
            .group_by(TherapyPaper.therapy_id)
        ).all())
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    if fmt == "json":
        click.echo(json.dumps([
            {"id": t.id, "name": t.name, "category": t.category, "status": t.status,
             "papers": counts.get(t.id, 0),
             "polled_through": marks[t.id].isoformat() if t.id in marks else None}
            for t in app.baseline.targets
        ], indent=2, ensure_ascii=False))
        return
    table = Table("id", "therapy", "category", "status", "papers", "polled through")
    for column in (table.columns[0], table.columns[4], table.columns[5]):
        column.no_wrap = True  # ids and dates are never cut
    for t in app.baseline.targets:  # the therapies, then the pathways polled like them
        mark = marks.get(t.id)
        table.add_row(t.id, t.name, t.category, t.status, str(counts.get(t.id, 0)),
                      mark.isoformat() if mark else "never")
    out.print(table)
    with app.db.session() as session:
        tags = link_tags(session)
    for therapy_id, counted in sorted(tags.items()):
        variants = ", ".join(f"{n} {tag}" for tag, n in sorted(counted.items()))
        out.print(f"{therapy_id}: {variants}")


def print_dropped(app: App, therapy_ids, fmt: str) -> None:
    with app.db.session() as session:
        rows = dropped_links(session, therapy_ids)
    if fmt == "json":
        click.echo(json.dumps([
            {"therapy": r.therapy_id, "pmid": r.pmid, "title": r.title, "rule": r.rule,
             "reason": r.reason, "screened_at": r.screened_at.isoformat(timespec="seconds")}
            for r in rows
        ], indent=2, ensure_ascii=False))
        return
    if not rows:
        out.print("No paper has been dropped by a post-filter.")
        return
    table = Table("therapy", "PMID", "rule", "why dropped", "title",
                  title="Papers found by a therapy's query and dropped by a post-filter")
    table.columns[1].no_wrap = table.columns[2].no_wrap = True  # PMIDs and rule names whole
    for r in rows:
        table.add_row(r.therapy_id, r.pmid, r.rule, escape(clean(r.reason)),
                      short_title(clean(r.title)))
    out.print(table)
    out.print(f"{len(rows)} dropped link(s). Each paper stays stored; "
              "only its link to that therapy is not counted.")


def clean(text: str) -> str:
    """Control characters out, before a terminal (titles are untrusted)."""
    return "".join(ch if ch.isprintable() else " " for ch in text)


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
