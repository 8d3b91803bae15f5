"""What every command shares: the lazily built App, option types, consoles, progress bars."""

from __future__ import annotations

import csv
import json
import sys
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from tracker.config import Settings, load_settings
from tracker.errors import ConfigError
from tracker.text import formula_safe, one_line

if TYPE_CHECKING:  # the store pulls in SQLAlchemy and Alembic: imported where used
    from tracker.baseline import Baseline
    from tracker.store import Database, PoolSettings

# rich wraps long lines at the console width; a pipe or a cron mail has no width, so lines
# written there stay whole (soft_wrap) instead of breaking mid-sentence at 80 columns.
out = Console(highlight=False, soft_wrap=not sys.stdout.isatty())
err = Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())


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
            from tracker.baseline import load_baseline

            self._baseline = load_baseline(self.settings.seeds_dir,
                                           extra_therapies=self.settings.extra_therapies)
        return self._baseline

    @property
    def db(self) -> Database:
        if self._db is None:
            from tracker.store import Database

            self._db = Database(self.settings.database_url, pool_settings(self.settings))
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
        """Validate --therapy options (ids or aliases) before any work, so a typo changes nothing.

        Returns the therapies' ids, each once, in the order given.
        """
        ids = [self.baseline.therapy(therapy_id).id for therapy_id in therapy_ids]
        return list(dict.fromkeys(ids)) or None


def pool_settings(settings: Settings) -> PoolSettings:
    from tracker.store import PoolSettings

    return PoolSettings(size=settings.pool_size, max_overflow=settings.max_overflow,
                        timeout=settings.pool_timeout, recycle=settings.pool_recycle,
                        connect_timeout=settings.connect_timeout)


class Day(click.ParamType):
    """A calendar day written YYYY-MM-DD."""

    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx):
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not a date; write it as YYYY-MM-DD (e.g. 2025-06-01)",
                      param, ctx)
        if not FIRST_DAY <= day <= LAST_DAY:
            self.fail(f"{value} is outside the days PubMed can date ({FIRST_DAY} to {LAST_DAY})",
                      param, ctx)
        return day


FIRST_DAY, LAST_DAY = date(1700, 1, 1), date(2999, 12, 31)  # room for windows either side


DAY = Day()
pass_app = click.make_pass_decorator(App)

DEFAULT_WAIT = 300.0  # seconds a writing run waits for another to finish

wait_option = click.option(
    "--wait", type=click.FloatRange(0, 86400), default=DEFAULT_WAIT, show_default=True,
    metavar="SECONDS",
    help="If another poll, refresh, init or reclassify is writing to the database, wait this "
         "long for it, then give up (exit code 5). 0: give up at once.",
)


def progress_bar(description: str, disable: bool = False):
    """A rich progress bar on a terminal; silent when stderr is a file or a pipe."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, disable=disable or not err.is_terminal,
        transient=True,
    )


def short_title(title: str, width: int = 70) -> str:
    """A paper title for a table: shortened, never read as rich markup (titles are untrusted)."""
    title = one_line(title)  # no terminal controls or bidi overrides reach the screen
    return escape(title if len(title) <= width else title[: width - 1] + "…")


# --- listings: one table for people, JSON or CSV for scripts -------------------------------------

LISTING_FORMATS = ("table", "json", "csv")
SHORT_WIDTH = 70  # a "short" column's text in a table; JSON and CSV keep it whole


def format_option(command):
    """The `--format table|json|csv` option every listing command takes."""
    return click.option(
        "--format", "fmt", type=click.Choice(LISTING_FORMATS), default="table",
        show_default=True,
        help="table for reading; json or csv for scripts (full values, nothing shortened).",
    )(command)


@dataclass(frozen=True)
class Column:
    """One column of a listing: its key in JSON and CSV, its header and how a table shows it.

    kind "id": never shortened nor wrapped (people copy ids); "text": wraps to fit;
    "short": cut to SHORT_WIDTH characters in the table only, then wrapped like text;
    "num": right-aligned.
    """

    key: str
    header: str
    kind: str = "text"


def plain(value: object) -> str:
    """A value as one line of terminal-safe text (titles and errors are untrusted)."""
    if value is None:
        return ""
    return one_line(value)


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def listing_table(columns: tuple[Column, ...], rows: list[dict], title: str | None = None):
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        values = [plain(row.get(column.key)) for row in rows]
        if column.kind == "id":
            widest = max([len(column.header), *map(len, values)])
            table.add_column(column.header, no_wrap=True, min_width=widest)
        elif column.kind == "num":
            table.add_column(column.header, justify="right", no_wrap=True)
        else:
            table.add_column(column.header, overflow="fold")
    for row in rows:
        table.add_row(*(table_cell(row.get(c.key), c) for c in columns))
    return table


def table_cell(value: object, column: Column) -> str:
    """Terminal-safe text, escaped so that a title such as "[bold]..." is text, not markup."""
    text = plain(value)
    return escape(cut(text, SHORT_WIDTH) if column.kind == "short" else text)


PIPE_WIDTH = 160  # a table written to a pipe or file: no terminal says how wide it may be


def print_table(table) -> None:
    """A table at the terminal's width; to a pipe or file as wide as it needs (up to PIPE_WIDTH,
    more when its ids need it), so no id is cut and short rows stay whole."""
    if out.is_terminal:
        out.print(table)
        return
    from rich.measure import Measurement

    measured = Measurement.get(out, out.options.update_width(10_000), table)
    width = max(out.width, min(measured.maximum, PIPE_WIDTH), measured.minimum)
    Console(file=out.file, width=width, highlight=False, no_color=True).print(table)


def csv_cell(value: object) -> object:
    """A CSV cell a spreadsheet will not run as a formula; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(map(str, value))
    return formula_safe(value) if isinstance(value, str) else value


def print_listing(
    fmt: str, columns: tuple[Column, ...], rows: list[dict], *, title: str | None = None,
    empty: str = "Nothing to list.",
) -> None:
    """Rows (plain dicts keyed by the columns' keys) as a table, JSON or CSV on stdout."""
    if fmt == "json":
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([c.key for c in columns])
        writer.writerows([csv_cell(row.get(c.key)) for c in columns] for row in rows)
    elif rows:
        print_table(listing_table(columns, rows, title))
    else:
        out.print(empty)
