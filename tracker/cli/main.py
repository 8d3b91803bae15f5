"""The `tracker` command: a thin layer that parses options, calls the library, prints results.

Every library error becomes one line on stderr and a non-zero exit code; nothing here decides
anything a library function could.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from tracker import __version__
from tracker.cli import (
    admin,
    baseline,
    classifier,
    collect,
    db,
    demo,
    digest,
    duplicates,
    feed,
    jobs,
    queue,
    reports,
    serve,
    subscribers,
    users,
)
from tracker.cli.app import App
from tracker.errors import LockedError, PubMedError, QueryRejectedError, TrackerError
from tracker.heap import collect_in_larger_rounds
from tracker.text import one_line


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


for command in (
    admin.init, admin.show_config, baseline.therapies, baseline.references,
    collect.poll, collect.refresh, collect.reclassify, collect.status, reports.report,
    duplicates.duplicates, demo.demo, classifier.classifier, queue.queue, users.users,
    serve.serve, subscribers.subscribers, digest.digest, feed.feed, jobs.schedule,
    jobs.jobs_group, db.db,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Entry point: one clear line on stderr for every error, and a documented exit code."""
    collect_in_larger_rounds()
    try:
        cli.main(args=argv, prog_name="tracker", standalone_mode=False)
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - every error gets its line
        line, code = describe_error(exc)
        sys.stderr.write(f"tracker: {line}\n")
        if code == INTERNAL_ERROR and os.environ.get("TRACKER_TRACEBACK"):
            traceback.print_exc()
        sys.exit(code)


INTERNAL_ERROR = 70


def describe_error(exc: BaseException) -> tuple[str, int]:
    """The one place that maps an error to its stderr line and exit code (see tracker.errors)."""
    if isinstance(exc, click.exceptions.Abort | KeyboardInterrupt):
        return "interrupted; committed work is kept, rerun to continue", 130
    if isinstance(exc, click.UsageError):
        command = exc.ctx.command_path if exc.ctx else "tracker"
        return f"error: {one_line(exc.format_message())} (see `{command} --help`)", 2
    if isinstance(exc, click.ClickException):
        return f"error: {one_line(exc.format_message())}", exc.exit_code
    if isinstance(exc, LockedError):
        return f"locked: {one_line(str(exc))}", exc.exit_code
    if isinstance(exc, PubMedError) and not isinstance(exc, QueryRejectedError):
        return f"PubMed error: {one_line(str(exc))}", exc.exit_code
    if isinstance(exc, TrackerError):
        return f"error: {one_line(str(exc))}", exc.exit_code
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if exc.filename else ""
        return one_line(f"error: cannot use{where}: {exc.strerror or exc}"), 1
    return (f"internal error: {type(exc).__name__}: {one_line(str(exc))} (a bug; set "
            "TRACKER_TRACEBACK=1 to see where, and please report it)", INTERNAL_ERROR)
