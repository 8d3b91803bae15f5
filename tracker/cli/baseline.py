"""The baseline as stored: `tracker therapies` and `tracker references`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, Column, format_option, out, pass_app, print_listing
from tracker.clock import local_iso

if TYPE_CHECKING:
    from tracker.baseline import Baseline

THERAPY_COLUMNS = (
    Column("id", "id", "id"), Column("name", "therapy"), Column("category", "category"),
    Column("status", "status"), Column("papers", "papers", "num"),
    Column("tracked", "tracked", "num"), Column("counted", "counted", "num"),
    Column("polled_through", "polled through", "id"),
)
THERAPY_TABLE_COLUMNS = (
    *THERAPY_COLUMNS[:4], Column("tracked_counted", "tracked / counted", "id"),
    THERAPY_COLUMNS[-1],
)
DROPPED_COLUMNS = (
    Column("therapy", "therapy", "id"), Column("pmid", "PMID", "id"), Column("rule", "rule", "id"),
    Column("reason", "why dropped"), Column("title", "title", "short"),
    Column("screened_at", "screened", "id"),
)
REFERENCE_COLUMNS = (
    Column("key", "reference", "id"), Column("pmid", "PMID", "id"),
    Column("resolution", "resolved"), Column("matches", "about tracked therapy"),
    Column("context", "cited for"),
)


@click.command()
@click.option("--dropped", is_flag=True,
              help="List the papers the post-filters dropped from a therapy, with the reason, "
                   "so a reviewer can check each filter.")
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="With --dropped: only this therapy (repeatable).")
@format_option
@pass_app
def therapies(app: App, dropped: bool, therapy_ids, fmt: str) -> None:
    """List the tracked therapies (then the pathways, polled like them): papers tracked /
    counted, and how far each was polled.

    "tracked" is every paper the therapy's searches found; "counted" follows the report's
    counting rule (no notices, retracted, deleted, excluded, duplicate or post-filtered papers).
    The id column is what --therapy takes (an alias such as rTMS works too). JSON and CSV give
    `papers` (the counted ones, as the report counts them), `tracked` and `counted`.

    With --dropped, list instead the papers a therapy's query found that a post-filter set
    aside (ketamine by another route, LSD the statistics test, an SSRI patients merely kept
    taking...): they are stored, not counted, and shown here with the rule and the reason.
    """
    from sqlalchemy import select

    from tracker.evidence import link_tags
    from tracker.report.counting import tracked_and_counted
    from tracker.store import Watermark

    selected = app.check_therapies(therapy_ids)
    app.db.require_current()
    if dropped:
        print_dropped(app, selected, fmt)
        return
    targets = app.baseline.targets  # the therapies, then the pathways polled like them
    ids = [t.id for t in targets]
    with app.db.session() as session:
        counts = tracked_and_counted(session, ids)
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    rows = []
    for t in targets:
        mark = marks.get(t.id)
        tracked, counted = counts[t.id]
        rows.append({
            "id": t.id, "name": t.name, "category": t.category, "status": t.status,
            "papers": counted, "tracked": tracked, "counted": counted,
            "tracked_counted": f"{tracked} / {counted}", "aliases": list(t.aliases),
            "polled_through": mark.isoformat() if mark else ("never" if fmt == "table" else None),
        })
    if fmt == "json":
        for row in rows:
            del row["tracked_counted"]
    columns = THERAPY_TABLE_COLUMNS if fmt == "table" else THERAPY_COLUMNS
    print_listing(fmt, columns, rows, empty="No therapies in the baseline.")
    if fmt == "table":
        with app.db.session() as session:
            tags = link_tags(session)
        for therapy_id, counted in sorted(tags.items()):
            variants = ", ".join(f"{n} {tag}" for tag, n in sorted(counted.items()))
            out.print(f"{therapy_id}: {variants}")


def print_dropped(app: App, therapy_ids, fmt: str) -> None:
    from tracker.evidence import dropped_links

    with app.db.session() as session:
        rows = [{
            "therapy": r.therapy_id, "pmid": r.pmid, "title": r.title, "rule": r.rule,
            "reason": r.reason, "screened_at": local_iso(r.screened_at),
        } for r in dropped_links(session, therapy_ids)]
    print_listing(fmt, DROPPED_COLUMNS, rows, title="Papers found by a therapy's query and "
                  "dropped by a post-filter", empty="No paper has been dropped by a post-filter.")
    if fmt == "table" and rows:
        out.print(f"{len(rows)} dropped link(s). Each paper stays stored; "
                  "only its link to that therapy is not counted.")


@click.command()
@format_option
@pass_app
def references(app: App, fmt: str) -> None:
    """List the seed documents' references: PMID, resolution, which therapy each is about."""
    from tracker.ingest import reference_statuses

    app.db.require_current()
    with app.db.session() as session:
        statuses = reference_statuses(session)
    print_references(statuses, app.baseline, fmt)


def print_references(statuses, baseline: Baseline, fmt: str = "table") -> None:
    known = {t.id for t in baseline.therapies}
    rows = [{
        "key": s.key, "pmid": s.pmid, "resolution": s.resolution,
        "resolved_by": s.resolved_by,
        "matches": [m for m in s.matches if m in known],
        "context": s.context or "",
    } for s in statuses]
    if fmt != "table":
        print_listing(fmt, REFERENCE_COLUMNS, rows)
        return
    for row in rows:
        row["pmid"] = row["pmid"] or "—"
        row["resolution"] += f" ({row['resolved_by']})" if row["resolved_by"] else ""
        row["matches"] = ", ".join(row["matches"]) or "none"
    print_listing(fmt, REFERENCE_COLUMNS, rows, title="Seed-document references",
                  empty="No references in the baseline.")
    unmatched = [s for s in statuses if not s.matches]
    if unmatched:
        out.print(f"{len(unmatched)} reference(s) match none of the tracked therapies: "
                  + ", ".join(s.key for s in unmatched))
