"""`tracker digest`: send the e-mailed digest, or look at it first."""

from __future__ import annotations

import base64
import json
import sys
from contextlib import nullcontext
from datetime import date
from pathlib import Path

import click

from tracker.cli.app import DAY, App, out, pass_app, progress_bar, wait_option
from tracker.clock import utc_now
from tracker.errors import ConfigError, MailError

EXIT_DELIVERY_FAILED = MailError.exit_code


@click.group()
def digest() -> None:
    """The digest e-mail: each subscriber's evidence changes for the last week or month."""


@digest.command("send")
@click.option("--period", type=click.Choice(["week", "month"]),
              help="Only subscribers of this frequency (default: every subscriber).")
@click.option("--dry-run", is_flag=True, help="Write .eml files to --out; send and record nothing.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the dry run's .eml files.")
@click.option("--today", type=DAY, help="Send as if today were this day (default: today).")
@click.option("--resend-unconfirmed", is_flag=True,
              help="Send again the digests a stopped run may or may not have sent "
                   "(same Message-ID; check the mail log first).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table for people, JSON for scripts.")
@wait_option
@pass_app
def send(app: App, period: str | None, dry_run: bool, out_dir: Path | None, today: date | None,
         resend_unconfirmed: bool, fmt: str, wait: float) -> None:
    """Send each subscriber the digest for their last complete week or month, once.

    A digest already sent for a period is never sent again; one that failed is retried on the
    next run. Exit code 7 when a delivery failed (`tracker status` lists it).
    """
    from tracker.digest import SmtpSender, send_digests
    from tracker.review import sync_from_settings
    from tracker.store import run_lock

    if dry_run and out_dir is None:
        raise ConfigError("--dry-run writes .eml files: give the folder with --out DIR")
    if out_dir is not None and not dry_run:
        raise ConfigError("--out is for --dry-run only")
    app.db.require_current()
    lock = nullcontext() if dry_run else run_lock(app.db, "digest", wait=wait)  # dry run: reads
    with lock, progress_bar("Digests") as bar:
        if not dry_run:  # the digest counts the papers waiting in the review queue
            with app.db.session() as session:
                sync_from_settings(session, app.baseline, app.settings, utc_now())
        task = bar.add_task("Building and sending digests", total=None)
        results = send_digests(
            app.db, app.baseline, sender_address=app.settings.smtp_from,
            send=None if dry_run else SmtpSender(app.settings).send, today=today or date.today(),
            period=period, dry_run=dry_run, out_dir=out_dir,
            resend_unconfirmed=resend_unconfirmed,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        print_results(results)
    if any(r.status == "failed" for r in results):
        sys.exit(EXIT_DELIVERY_FAILED)


def print_results(results) -> None:
    if not results:
        out.print("No subscribers: add one with `tracker subscribers add EMAIL`.")
        return
    from rich.table import Table

    table = Table("subscriber", "period", "status", "Message-ID / file / error")
    table.columns[0].overflow = "fold"
    table.columns[3].overflow = "fold"
    for r in results:
        detail = r.error or (str(r.path) if r.path else r.message_id) or ""
        table.add_row(r.email, f"{r.since} – {r.until}", r.status, detail)
    out.print(table, markup=False)


@digest.command("preview")
@click.option("--email", help="The subscriber to preview for (default: every therapy, weekly).")
@click.option("--period", type=click.Choice(["week", "month"]), default="week", show_default=True,
              help="The period when no --email is given.")
@click.option("--today", type=DAY, help="Preview as if today were this day (default: today).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("digest-preview.html"), show_default=True,
              help="The HTML file to write.")
@pass_app
def preview(app: App, email: str | None, period: str, today: date | None, output: Path) -> None:
    """Write the digest's HTML part to a file, to open in a browser; nothing is sent."""
    from tracker.digest import SubscriberInfo, digest_for, find, last_complete_period, render_html
    from tracker.digest.message import chart_png
    from tracker.digest.subscribers import FREQUENCIES, info

    app.db.require_current()
    with app.db.session() as session:
        if email:
            row = find(session, email)
            if row is None:
                raise ConfigError(f"no subscriber {email!r}: `tracker subscribers list` shows them")
            subscriber = info(row)
        else:
            frequency = FREQUENCIES[0] if period == "week" else FREQUENCIES[1]
            subscriber = SubscriberInfo("preview@example.org", (), "html", frequency, 20, True)
        since, until = last_complete_period(today or date.today(), subscriber.period)
        data = digest_for(session, app.baseline, subscriber, since, until, utc_now())
    html = render_html(data, chart_cid="chart")
    image = base64.b64encode(chart_png(data)).decode("ascii")
    html = html.replace('src="cid:chart"', f'src="data:image/png;base64,{image}"')
    output.write_text(html, encoding="utf-8")
    out.print(f"Digest preview for {since} – {until} written to {output}", markup=False)


def print_attention(app: App) -> None:
    """For `tracker status`: digests that failed (retried next run) or may not have left."""
    from tracker.digest import attention

    rows = attention(app.db)
    if not rows:
        return
    out.print("\nDigest deliveries needing attention:")
    for row in rows:
        out.print(f"  {row.subscriber_email} {row.period_start} – {row.period_end}: {row.status} "
                  f"after {row.attempts} attempt(s); Message-ID {row.message_id}"
                  + (f"; {row.error}" if row.error else ""), markup=False, soft_wrap=True)
