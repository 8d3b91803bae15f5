"""`tracker db copy`: move an install from one database to another (SQLite <-> PostgreSQL)."""

from __future__ import annotations

import json

import click

from tracker.cli.app import App, out, pass_app, pool_settings, progress_bar, wait_option


@click.group("db")
def db() -> None:
    """Work on the database as a whole."""


@db.command("copy")
@click.option("--from", "source_url", required=True, metavar="URL",
              help="Database to copy from, at the newest schema (run `tracker init` on it first).")
@click.option("--to", "target_url", required=True, metavar="URL",
              help="Database to copy into; created or migrated to the newest schema.")
@click.option("--force", is_flag=True,
              help="Replace the rows of a target that is not empty (refused otherwise).")
@click.option("--batch-size", default=1000, show_default=True, type=click.IntRange(1, 10000),
              help="Rows per INSERT.")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table", show_default=True, help="json: one object for scripts.")
@wait_option
@pass_app
def copy(app: App, source_url: str, target_url: str, force: bool, batch_size: int,
         output_format: str, wait: float) -> None:
    """Copy every paper, link, decision, run and watermark from --from to --to.

    \b
    Example:
      tracker db copy --from sqlite:///tracker.db \\
        --to postgresql+psycopg://tracker@db.example.org/tracker

    Each table is copied in one transaction while the source's run lock keeps polls out; at the
    end every table's row count and checksum must match on both sides, or the command fails
    (exit 1) saying which tables differ. A target with rows is refused (exit 1) unless --force;
    a server that is down or refuses the credentials exits 6.
    """
    from tracker.store import Database
    from tracker.store.copy import copy_database

    pool = pool_settings(app.settings)
    source, target = Database(source_url, pool), Database(target_url, pool)
    try:
        with progress_bar("Copying") as bar:
            tasks: dict[str, int] = {}

            def advance(table: str, done: int, total: int) -> None:
                if table not in tasks:
                    tasks[table] = bar.add_task(table, total=total)
                bar.update(tasks[table], completed=done)

            copied = copy_database(source, target, force=force, batch_size=batch_size,
                                   progress=advance, wait=wait)
    finally:
        source.dispose()
        target.dispose()
    if output_format == "json":
        out.print_json(json.dumps({
            "from": source.display_url, "to": target.display_url, "verified": True,
            "tables": [{"table": t.table, "rows": t.rows, "checksum": t.checksum}
                       for t in copied],
        }))
        return
    from rich.table import Table

    table = Table("table", "rows", "sha256 (first 16)", title="Copied and verified")
    for t in copied:
        table.add_row(t.table, str(t.rows), t.checksum[:16])
    out.print(table)
    out.print(f"Copied {sum(t.rows for t in copied)} rows from {source.display_url} to "
              f"{target.display_url}; counts and checksums match.")
