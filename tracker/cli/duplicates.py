"""`tracker duplicates`: review the papers PubMed may hold twice."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Table

from tracker.cli.app import App, out, pass_app, short_title

LINK_ID = click.IntRange(1, 2**63 - 1)  # a database integer; anything larger is a typo


@click.group()
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
                      f"{short_title(r.title)}\n{short_title(r.other_title)}", r.decided_by or "")
    out.print(table if rows else "No duplicate links.")


def _decide(app: App, link_id: int, decision: str, who: str, note: str | None) -> None:
    from tracker.evidence import decide

    app.db.require_current()
    with app.db.session() as session:
        link = decide(session, link_id, decision, who=who, note=note, now=datetime.now())
        out.print(f"Link {link.id} {link.status}.")


@duplicates.command("confirm")
@click.argument("link_id", type=LINK_ID)
@click.option("--by", "who", default="reviewer", show_default=True, help="Who decides.")
@click.option("--note", help="Why.")
@pass_app
def duplicates_confirm(app: App, link_id: int, who: str, note: str | None) -> None:
    """Confirm LINK_ID: the two papers count as one from now on."""
    _decide(app, link_id, "confirm", who, note)


@duplicates.command("reject")
@click.argument("link_id", type=LINK_ID)
@click.option("--by", "who", default="reviewer", show_default=True, help="Who decides.")
@click.option("--note", help="Why.")
@pass_app
def duplicates_reject(app: App, link_id: int, who: str, note: str | None) -> None:
    """Reject LINK_ID: the two papers stay apart for good."""
    _decide(app, link_id, "reject", who, note)
