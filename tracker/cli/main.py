"""The `tracker` command: a thin layer that parses options, calls the library, prints results.

Every library error becomes one line on stderr and a non-zero exit code; nothing here decides
anything a library function could.
"""

from __future__ import annotations

import sys

import click

from tracker import __version__
from tracker.cli import admin, baseline, collect, db, demo, duplicates, reports
from tracker.cli.app import App, err
from tracker.errors import PubMedError, TrackerError


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
    duplicates.duplicates, demo.demo, db.db,
):
    cli.add_command(command)


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
