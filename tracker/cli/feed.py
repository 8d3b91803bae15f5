"""`tracker feed`: Atom feeds a reader, or a Slack/Teams RSS integration, can follow."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import click

from tracker.cli.app import DAY, App, out, pass_app
from tracker.clock import utc_now
from tracker.errors import ConfigError

DEFAULT_DAYS = 90


@click.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the feeds (default: feeds/ under the reports folder).")
@click.option("--since", type=DAY, help=f"First day (default: {DEFAULT_DAYS} days before --until).")
@click.option("--until", type=DAY, help="Last day (default: today).")
@click.option("--base-url", metavar="URL",
              help="Where the feeds will be served, for each feed's self link.")
@pass_app
def feed(app: App, out_dir: Path | None, since: date | None, until: date | None,
         base_url: str | None) -> None:
    """Write one Atom feed per therapy (THERAPY_ID.xml) and one for all (all.xml).

    Entries are the window's new papers with their evidence level, evidence events and
    retractions or other notices; their ids are stable, so rebuilding never repeats an entry.
    """
    from tracker.feed import build_feeds, feed_entries, write_feeds

    until = until or date.today()
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    if base_url and not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"--base-url {base_url!r} must start with http:// or https://")
    app.db.require_current()
    now = utc_now()
    with app.db.session() as session:
        entries = feed_entries(session, app.baseline, since=since, until=until,
                               period=app.settings.period, generated_at=now)
    feeds = build_feeds(app.baseline, entries, generated_at=now, base_url=base_url)
    paths = write_feeds(feeds, out_dir or app.settings.reports_dir / "feeds")
    out.print(f"{len(paths)} Atom feeds ({len(entries)} entries, {since} to {until}) written to "
              f"{paths[0].parent}", markup=False)
