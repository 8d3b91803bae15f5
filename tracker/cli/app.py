"""What every command shares: the lazily built App, option types, consoles, progress bars."""

from __future__ import annotations

from datetime import date

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tracker.baseline import Baseline, load_baseline
from tracker.config import Settings, load_settings
from tracker.errors import ConfigError
from tracker.store import Database, PoolSettings
from tracker.text import one_line

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
        """Validate --therapy options before any work, so a typo changes nothing."""
        for therapy_id in therapy_ids:
            self.baseline.therapy(therapy_id)
        return list(therapy_ids) or None


def pool_settings(settings: Settings) -> PoolSettings:
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


def progress_bar(description: str):
    """A rich progress bar on a terminal; silent when stderr is a file or a pipe."""
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, disable=not err.is_terminal, transient=True,
    )



def short_title(title: str, width: int = 70) -> str:
    """A paper title for a table: shortened, never read as rich markup (titles are untrusted)."""
    title = one_line(title)  # no terminal controls or bidi overrides reach the screen
    return escape(title if len(title) <= width else title[: width - 1] + "…")
