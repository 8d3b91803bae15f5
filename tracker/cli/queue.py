"""`tracker queue`: the flagged papers a reviewer includes, excludes or defers."""

from __future__ import annotations

import csv
import io
import json
import sys
from contextlib import contextmanager
from datetime import date

import click
from rich.markup import escape

from tracker.cli.app import DAY, App, csv_cell, out, pass_app, short_title
from tracker.clock import local_stamp, utc_now
from tracker.text import one_line


def rule_settings(app: App):
    from tracker.review import rule_settings as make

    s = app.settings
    return make(app.baseline.start_date, s.review_min_confidence, s.review_rules_off)


@contextmanager
def synced_session(app: App):
    """One transaction in which the flags were first brought in step with the stored papers."""
    from tracker.review import sync_flags

    rules = rule_settings(app)
    app.db.require_current()
    with app.db.session() as session:
        sync_flags(session, app.baseline, rules, utc_now())
        yield session


def check_reason(ctx, param, value: str | None) -> str | None:
    """--reason is checked when given, so `--help` need not import the review package."""
    from tracker.review import REASONS

    if value is not None and value not in REASONS:
        raise click.BadParameter(f"{value!r} is not a reason code; choose from: "
                                 f"{', '.join(REASONS)}", ctx, param)
    return value


@click.group()
def queue() -> None:
    """Review flagged papers: list, show, decide (include/exclude/defer), undo, export, stats.

    Rules flag new RCTs and systematic reviews, a therapy's first paper at a level, notices
    (retraction, expression of concern, erratum), possible duplicates, doubtful relevance and
    low-confidence levels; see [review] in tracker.toml to switch rules off.
    """


@queue.command("list")
@click.option("--therapy", metavar="ID", help="Only papers found for this therapy.")
@click.option("--reason", callback=check_reason, metavar="CODE",
              help="Only papers flagged for this reason code.")
@click.option("--status", type=click.Choice(["open", "decided", "all"]), default="open",
              show_default=True, help="open: waiting or deferred; decided: included/excluded.")
@click.option("--order", type=click.Choice(["oldest", "strongest"]), default="oldest",
              show_default=True, help="Oldest waiting first, or strongest evidence first.")
@click.option("--search", metavar="TEXT",
              help="Only papers whose title, PMID, first author or DOI contain TEXT "
                   "(any case; accents count).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table",
              show_default=True, help="json and csv are for scripts.")
@pass_app
def queue_list(app: App, therapy, reason, status, order, search, fmt) -> None:
    """List the queue with each paper's reasons and status."""
    from tracker.review import queue_rows

    if therapy:
        app.check_therapies((therapy,))
    with synced_session(app) as session:
        rows = queue_rows(session, therapy=therapy, reason=reason, status=status, order=order,
                          search=search)
    if fmt == "json":
        sys.stdout.write(json.dumps([r.to_dict() for r in rows], indent=2) + "\n")
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["pmid", "title", "therapies", "reasons", "status", "level",
                         "decided_by", "decided_at"])
        for r in rows:
            d = r.to_dict()
            writer.writerow([d["pmid"], csv_cell(d["title"]), " ".join(d["therapies"]),
                             " ".join(d["reasons"]), d["status"], d["level"],
                             d["decided_by"] or "", d["decided_at"] or ""])
        sys.stdout.write(buffer.getvalue())
        return
    if not rows:
        out.print(f"The queue is empty ({status}).")
        return
    from rich.table import Table

    table = Table("PMID", "title", "therapies", "reasons", "status / level")
    table.columns[0].no_wrap = True
    table.columns[0].min_width = 8
    table.columns[1].ratio = 1
    table.columns[1].min_width = 16
    for column in table.columns[2:]:
        column.overflow = "fold"  # ids and codes are wrapped, never cut
    for r in rows:
        table.add_row(r.pmid, short_title(r.title, 60), escape(", ".join(r.therapies)),
                      "\n".join(r.reasons), f"{r.status}\n{r.level}")
    out.print(table)
    out.print(f"{len(rows)} paper{'s' if len(rows) != 1 else ''} ({status}).")


@queue.command("show")
@click.argument("pmid")
@pass_app
def queue_show(app: App, pmid: str) -> None:
    """Show one paper: level and provenance, flag reasons, decision and its history."""
    from tracker.review import paper_view

    with synced_session(app) as session:
        view = paper_view(session, pmid)
        p = view.paper
        out.print(f"[bold]PMID {p.pmid}[/bold]  {escape(one_line(p.title or '(no title)'))}")
        out.print(f"Therapies: {escape(', '.join(view.therapies)) or '-'}")
        reason = escape(one_line(p.level_reason or ""))
        out.print(f"Level: {p.level} from {p.level_source} "
                  f"(confidence {p.level_confidence or 0:.2f}): {reason}")
        out.print(f"Status: {view.status}")
        if view.decision:
            d = view.decision
            why = "; ".join(x for x in (d.reason, d.note) if x)
            out.print(f"Decision: {d.decision} by {escape(d.reviewer)} at "
                      f"{local_stamp(d.decided_at)}"
                      + (f" ({escape(one_line(why))})" if why else ""))
        out.print("Reasons in the queue:" if view.flags else "Reasons in the queue: none")
        for flag in view.flags:
            out.print(f"  {flag.reason}: {escape(one_line(flag.detail or ''))}")
        out.print("History:")
        for h in view.history:
            who = f" by {escape(h.who)}" if h.who else ""
            detail = f" - {escape(one_line(h.detail))}" if h.detail else ""
            out.print(f"  {local_stamp(h.at)} {h.what}{who}{detail}")


@queue.command("decide")
@click.argument("pmid")
@click.argument("decision", type=click.Choice(["include", "exclude", "defer"]))
@click.option("--reason", "reason", metavar="R",
              help="Exclusion reason, one of [review] exclusion_reasons (needed to exclude).")
@click.option("--note", metavar="N", help="Free text kept with the decision.")
@click.option("--reviewer", default=None, metavar="NAME",
              help="Who decides (default: $USER).")
@pass_app
def queue_decide(app: App, pmid, decision, reason, note, reviewer) -> None:
    """Include, exclude (with a reason) or defer PMID; every decision is kept in its history."""
    import getpass

    from tracker.review import decide

    reviewer = reviewer or getpass.getuser()
    with synced_session(app) as session:
        paper = decide(session, pmid, decision, reviewer=reviewer, now=utc_now(),
                       reason=reason, note=note, reasons=app.settings.exclusion_reasons)
        shown = paper.pmid if paper.pmid == pmid else f"{paper.pmid} (canonical record of {pmid})"
        out.print(f"PMID {shown}: {paper.inclusion} by {escape(reviewer)}.")


@queue.command("undo")
@click.argument("pmid")
@click.option("--reviewer", default=None, metavar="NAME", help="Who undoes (default: $USER).")
@pass_app
def queue_undo(app: App, pmid, reviewer) -> None:
    """Undo the newest decision on PMID; the one before it (or none) applies again."""
    import getpass

    from tracker.review import undo

    with synced_session(app) as session:
        paper = undo(session, pmid, reviewer=reviewer or getpass.getuser(), now=utc_now())
        out.print(f"PMID {paper.pmid}: now {paper.inclusion}.")


@queue.command("export")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default="-",
              show_default=True, help="CSV file to write; '-' for stdout.")
@pass_app
def queue_export(app: App, output: str) -> None:
    """Export every tracked paper as CSV (pmid, title, abstract, doi, ..., included 0/1) for
    ASReview or Rayyan."""
    from tracker.review import export_rows, to_csv

    app.db.require_current()
    with app.db.session() as session:
        text = to_csv(export_rows(session))
    if output == "-":
        sys.stdout.write(text)
    else:
        with open(output, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        out.print(f"Exported to {escape(output)}")


@queue.command("stats")
@click.option("--since", type=DAY, help="First day (default: the baseline date).")
@click.option("--until", type=DAY, help="Last day (default: today).")
@click.option("--period", type=click.Choice(["week", "month", "none"]), default="none",
              show_default=True, help="Also break the window into weeks or months.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True)
@pass_app
def queue_stats(app: App, since, until, period, fmt) -> None:
    """PRISMA-style counts: identified, duplicates removed, screened, excluded, included."""
    from tracker.errors import ConfigError
    from tracker.evidence import periods
    from tracker.review import load_screened, polled_through, prisma_counts

    until = until or date.today()
    since = since or app.baseline.start_date
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    ids = [t.id for t in app.baseline.therapies]
    with synced_session(app) as session:
        rows, marks = load_screened(session, window=(since, until)), polled_through(session)
    windows = [(since, until)] + (periods(since, until, period) if period != "none" else [])
    results = [prisma_counts(rows, ids, marks, a, b) for a, b in windows]
    if fmt == "json":
        payload = {"window": results[0], "periods": results[1:]}
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return
    from rich.table import Table

    for result in results:
        table = Table("therapy", "identified", "dupl.", "screened", "excl.", "incl.",
                      "waiting", title=f"{result['since']} to {result['until']}")
        table.columns[0].overflow = "fold"
        table.columns[1].min_width = len("not polled")
        for key, counts in [*result["by_therapy"].items(), ("all", result["total"])]:
            if counts is None:
                table.add_row(key, "not polled", "", "", "", "", "")
                continue
            table.add_row(key, *(str(counts[f]) for f in (
                "identified", "duplicates_removed", "screened", "excluded", "included",
                "awaiting")))
        out.print(table)
        if result["total"] and result["total"]["excluded_by_reason"]:
            out.print("Excluded by reason: " + escape(", ".join(
                f"{k} {v}" for k, v in result["total"]["excluded_by_reason"].items())))
