"""The `tracker` command: a thin layer that parses options, calls the library, prints results.

Every library error becomes one line on stderr and a non-zero exit code; nothing here decides
anything a library function could.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import func, select

from tracker import __version__
from tracker.baseline import Baseline, load_baseline
from tracker.config import Settings, load_settings
from tracker.errors import ConfigError, PubMedError, TrackerError
from tracker.store import Database

out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class App:
    """What a command needs, built on first use: settings, baseline, database, PubMed client."""

    def __init__(self, config_path: str | None, database_url: str | None):
        self.config_path = config_path
        self.database_url = database_url
        self._settings: Settings | None = None
        self._baseline: Baseline | None = None
        self._db: Database | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(self.config_path, database_url=self.database_url)
        return self._settings

    @property
    def baseline(self) -> Baseline:
        if self._baseline is None:
            self._baseline = load_baseline(self.settings.seeds_dir)
        return self._baseline

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = Database(self.settings.database_url)
        return self._db

    def client(self):
        """A PubMed client; NCBI's usage rules want a contact address on every request."""
        from tracker.pubmed.eutils import EutilsClient

        if self.settings.talks_to_ncbi and not self.settings.email:
            raise ConfigError(
                "NCBI asks every client for a contact e-mail: set NCBI_EMAIL or "
                "[pubmed] email in tracker.toml"
            )
        return EutilsClient(self.settings)

    def check_therapies(self, therapy_ids: tuple[str, ...]) -> list[str] | None:
        """Validate --therapy options before any work, so a typo changes nothing."""
        for therapy_id in therapy_ids:
            self.baseline.therapy(therapy_id)
        return list(therapy_ids) or None


class Day(click.ParamType):
    """A calendar day written YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD (e.g. 2025-06-01)",
                      param, ctx)


DAY = Day()
pass_app = click.make_pass_decorator(App)


def progress_bar(description: str):
    """A rich progress bar on a terminal; silent when stderr is a file or a pipe."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, disable=not err.is_terminal, transient=True,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "config_path", metavar="PATH", envvar="TRACKER_CONFIG",
              help="tracker.toml to read (default: ./tracker.toml if present).")
@click.option("--database-url", metavar="URL",
              help="Database to use, overriding config and TRACKER_DATABASE_URL.")
@click.version_option(__version__, prog_name="trd-tracker")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, database_url: str | None) -> None:
    """Follow the PubMed literature on treatment-resistant depression, therapy by therapy.

    Start with `tracker init`, then `tracker poll` for new papers and `tracker report` for what
    changed. `tracker demo` runs the whole pipeline offline on demo data.
    """
    ctx.obj = App(config_path, database_url)


@cli.command()
@click.option("--skip-references", is_flag=True,
              help="Do not resolve the seed references to PMIDs now (needs PubMed).")
@pass_app
def init(app: App, skip_references: bool) -> None:
    """Create or migrate the database and load the baseline (therapies and references).

    Safe to run again: it only adds what is missing and resolves references not yet resolved.
    """
    from tracker.ingest import initialise

    baseline = app.baseline
    client = None if skip_references else app.client()
    revision = app.db.migrate()
    summary = initialise(app.db, baseline, client=client, now=datetime.now())
    out.print(f"Database {app.db.display_url} at schema {revision}.")
    out.print(f"Baseline: {len(baseline.therapies)} therapies, {len(baseline.references)} "
              f"references ({summary.changed} rows added or updated).")
    if summary.reference_error:
        err.print(f"warning: references not resolved ({summary.reference_error}); "
                  "`tracker init` will try again")
    if summary.references:
        _print_references(summary.references, baseline)


def _print_references(statuses, baseline: Baseline) -> None:
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


@cli.command()
@pass_app
def references(app: App) -> None:
    """List the seed documents' references: PMID, resolution, which therapy each is about."""
    from tracker.ingest import reference_statuses

    app.db.require_current()
    with app.db.session() as session:
        statuses = reference_statuses(session)
    _print_references(statuses, app.baseline)


@cli.command("config")
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


@cli.command()
@pass_app
def therapies(app: App) -> None:
    """List the tracked therapies with their paper counts and watermarks."""
    from tracker.store import Paper, TherapyPaper, Watermark

    app.db.require_current()
    with app.db.session() as session:
        counts = dict(session.execute(
            select(TherapyPaper.therapy_id, func.count())
            .join(Paper, Paper.id == TherapyPaper.paper_id)
            .where(Paper.canonical_id.is_(None), Paper.deleted.is_(False))
            .group_by(TherapyPaper.therapy_id)
        ).all())
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    table = Table("id", "therapy", "category", "status", "papers", "polled through")
    for t in app.baseline.therapies:
        mark = marks.get(t.id)
        table.add_row(t.id, t.name, t.category, t.status, str(counts.get(t.id, 0)),
                      mark.isoformat() if mark else "never")
    out.print(table)


@cli.command()
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


@cli.command()
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
    for t in app.baseline.therapies:
        mark = marks.get(t.id)
        marks_table.add_row(t.id, mark.isoformat() if mark else "never")
    out.print(marks_table)


@cli.command()
@pass_app
def reclassify(app: App) -> None:
    """Re-derive every paper's evidence level from its stored record (no network)."""
    from tracker.evidence import reclassify_all

    app.db.require_current()
    with app.db.session() as session:
        counts = reclassify_all(session, now=datetime.now())
    out.print(f"Reclassified {counts['papers']} papers; {counts['changed']} changed level.")


@cli.command()
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


@cli.command()
@click.option("--since", type=DAY, help="First day of the period. Default: --until minus 6 days.")
@click.option("--until", type=DAY, help="Last day of the period. Default: today.")
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable).")
@click.option("--format", "fmt", default="html", show_default=True,
              type=click.Choice(["html", "md", "txt", "json", "ris", "csv"]),
              help="Report format; ris and csv export the period's papers.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="File to write (default: under the reports folder). '-' for stdout.")
@pass_app
def report(app: App, since, until, therapy_ids, fmt: str, output: Path | None) -> None:
    """Report how the evidence for each therapy changed in a period."""
    from tracker import report as render
    from tracker.report import build_report

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
        text = render.export(data, fmt) if fmt in ("ris", "csv") else render.render(data, fmt)
        sys.stdout.write(text)
        return
    path = render.write(data, fmt, output, app.settings.reports_dir)
    out.print(f"Report written to {path}")


@cli.group()
def duplicates() -> None:
    """Review papers that PubMed may hold twice."""


@duplicates.command("list")
@click.option("--status", type=click.Choice(["possible", "confirmed", "rejected"]),
              help="Only links with this status.")
@pass_app
def duplicates_list(app: App, status: str | None) -> None:
    """List duplicate links with their score and reason."""
    from tracker.evidence import list_links

    app.db.require_current()
    with app.db.session() as session:
        rows = list_links(session, status)
    table = Table("id", "status", "kind", "score", "PMIDs", "titles", "decided by")
    for r in rows:
        table.add_row(str(r.id), r.status, r.kind, f"{r.score:.0f}", f"{r.pmid}\n{r.other_pmid}",
                      f"{_short(r.title)}\n{_short(r.other_title)}", r.decided_by or "")
    out.print(table if rows else "No duplicate links.")


def _short(title: str, width: int = 70) -> str:
    """A paper title for a table: shortened, never read as rich markup (titles are untrusted)."""
    return escape(title if len(title) <= width else title[: width - 1] + "…")


def _decide(app: App, link_id: int, decision: str, who: str, note: str | None) -> None:
    from tracker.evidence import decide

    app.db.require_current()
    with app.db.session() as session:
        link = decide(session, link_id, decision, who=who, note=note, now=datetime.now())
        out.print(f"Link {link.id} {link.status}.")


@duplicates.command("confirm")
@click.argument("link_id", type=int)
@click.option("--by", "who", default="reviewer", show_default=True, help="Who decides.")
@click.option("--note", help="Why.")
@pass_app
def duplicates_confirm(app: App, link_id: int, who: str, note: str | None) -> None:
    """Confirm LINK_ID: the two papers count as one from now on."""
    _decide(app, link_id, "confirm", who, note)


@duplicates.command("reject")
@click.argument("link_id", type=int)
@click.option("--by", "who", default="reviewer", show_default=True, help="Who decides.")
@click.option("--note", help="Why.")
@pass_app
def duplicates_reject(app: App, link_id: int, who: str, note: str | None) -> None:
    """Reject LINK_ID: the two papers stay apart for good."""
    _decide(app, link_id, "reject", who, note)


@cli.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-output"), show_default=True,
              help="Folder for the demo database and reports (recreated on each run).")
@pass_app
def demo(app: App, workdir: Path) -> None:
    """Run the whole pipeline offline: a local E-utilities server on demo records, init, two
    polls with new records appearing in between, a refresh, then reports."""
    from tracker.demo.run import run_demo

    result = run_demo(workdir, seeds_dir=app.settings.seeds_dir, echo=out.print)
    out.print(f"\nDemo report: {result.html}\nAlso: {', '.join(str(p) for p in result.others)}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: one clear line on stderr for every error, and a meaningful exit code."""
    try:
        cli.main(args=argv, prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        err.print("tracker: aborted")
        sys.exit(130)
    except click.UsageError as exc:
        command = exc.ctx.command_path if exc.ctx else "tracker"
        sys.stderr.write(f"tracker: error: {exc.format_message()} (see `{command} --help`)\n")
        sys.exit(2)
    except click.ClickException as exc:
        sys.stderr.write(f"tracker: error: {exc.format_message()}\n")
        sys.exit(exc.exit_code)
    except PubMedError as exc:
        sys.stderr.write(f"tracker: PubMed error: {_one_line(exc)}\n")
        sys.exit(3)
    except TrackerError as exc:
        sys.stderr.write(f"tracker: error: {_one_line(exc)}\n")
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("tracker: interrupted; committed work is kept, rerun to continue\n")
        sys.exit(130)


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())
