"""`tracker users`: the reviewers who may log in to the review page."""

from __future__ import annotations

import sys

import click
from rich.markup import escape

from tracker.cli.app import App, out, pass_app
from tracker.clock import utc_now


@click.group()
def users() -> None:
    """Manage the reviewers who may log in to `tracker serve`."""


@users.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of stdin instead of prompting.")
@pass_app
def users_add(app: App, name: str, password_stdin: bool) -> None:
    """Add reviewer NAME (or set a new password); only an argon2 hash is stored."""
    from tracker.review import add_reviewer

    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    app.db.require_current()
    with app.db.session() as session:
        add_reviewer(session, name, password, utc_now())
    out.print(f"Reviewer {escape(name)} can log in.")
