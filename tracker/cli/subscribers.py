"""`tracker subscribers`: who receives the digest, for which therapies and how often."""

from __future__ import annotations

import json

import click

from tracker.cli.app import App, out, pass_app
from tracker.clock import utc_now


@click.group()
def subscribers() -> None:
    """Manage the digest's subscribers (stored in the database)."""


@subscribers.command("add")
@click.argument("email")
@click.option("--therapy", "therapy_ids", multiple=True, metavar="ID",
              help="Only this therapy (repeatable; default every therapy). "
                   "`tracker therapies` lists the ids.")
@click.option("--format", "fmt", type=click.Choice(["html", "text"]), default="html",
              show_default=True, help="HTML with a plain-text alternative, or plain text only.")
@click.option("--frequency", type=click.Choice(["weekly", "monthly"]), default="weekly",
              show_default=True, help="A digest per calendar week (Monday to Sunday) or month.")
@click.option("--max-items", type=int, default=20, show_default=True,
              help="Papers listed at most; the strongest evidence first, the rest counted.")
@click.option("--send-if-empty/--no-send-if-empty", default=False, show_default=True,
              help="Send a digest even when nothing is new in the period.")
@pass_app
def add(app: App, email: str, therapy_ids, fmt: str, frequency: str, max_items: int,
        send_if_empty: bool) -> None:
    """Subscribe EMAIL to the digest, or change an existing subscription."""
    from tracker.digest import add_subscriber, normalise_address
    from tracker.digest.subscribers import check_subscription

    normalise_address(email)  # bad input is refused before the database is touched
    check_subscription(app.baseline, therapy_ids, fmt, frequency, max_items)
    app.db.require_current()
    with app.db.session() as session:
        subscriber, created = add_subscriber(
            session, app.baseline, email, therapies=therapy_ids, fmt=fmt, frequency=frequency,
            max_items=max_items, send_if_empty=send_if_empty, now=utc_now(),
        )
    scope = ", ".join(subscriber.therapies) or "every therapy"
    out.print(f"{'Added' if created else 'Updated'} {subscriber.email}: {subscriber.frequency}, "
              f"{subscriber.format}, at most {subscriber.max_items} papers, {scope}.",
              markup=False)


@subscribers.command("list")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table",
              show_default=True, help="A table for people, JSON for scripts.")
@pass_app
def list_(app: App, fmt: str) -> None:
    """List the subscribers and their settings."""
    from tracker.digest import list_subscribers

    app.db.require_current()
    with app.db.session() as session:
        rows = list_subscribers(session)
    if fmt == "json":
        click.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    from rich.table import Table

    table = Table("e-mail", "frequency", "format", "max items", "if empty", "therapies",
                  title=f"{len(rows)} subscriber{'' if len(rows) == 1 else 's'}")
    table.columns[0].overflow = "fold"
    table.columns[5].overflow = "fold"
    for r in rows:
        table.add_row(r.email, r.frequency, r.format, str(r.max_items),
                      "send" if r.send_if_empty else "skip", ", ".join(r.therapies) or "all")
    out.print(table)


@subscribers.command("remove")
@click.argument("email")
@pass_app
def remove(app: App, email: str) -> None:
    """Unsubscribe EMAIL (its past deliveries stay on record)."""
    from tracker.digest import remove_subscriber

    app.db.require_current()
    with app.db.session() as session:
        remove_subscriber(session, email)
    out.print(f"Removed {email.strip()}.", markup=False)
