"""`tracker duplicates`: review the papers PubMed may hold twice."""

from __future__ import annotations

import click

from tracker.cli.app import App, Column, format_option, out, pass_app, print_listing
from tracker.clock import utc_now

LINK_ID = click.IntRange(1, 2**63 - 1)  # a database integer; anything larger is a typo


@click.group()
def duplicates() -> None:
    """Review papers that PubMed may hold twice."""


DUPLICATE_COLUMNS = (
    Column("id", "id", "id"), Column("status", "status"), Column("kind", "kind"),
    Column("score", "score", "num"), Column("pmid", "PMID", "id"),
    Column("other_pmid", "other PMID", "id"), Column("title", "title", "short"),
    Column("other_title", "other title", "short"), Column("decided_by", "decided by"),
)


@duplicates.command("list")
@click.option("--status", type=click.Choice(["possible", "confirmed", "rejected"]),
              help="Only links with this status.")
@format_option
@pass_app
def duplicates_list(app: App, status: str | None, fmt: str) -> None:
    """List duplicate links with their score and reason.

    Confirm or reject one with `tracker duplicates confirm ID` or `reject ID`.
    """
    from tracker.evidence import list_links

    app.db.require_current()
    with app.db.session() as session:
        rows = list_links(session, status)
    print_listing(fmt, DUPLICATE_COLUMNS, [{
        "id": r.id, "status": r.status, "kind": r.kind,
        "score": f"{r.score:.0f}" if fmt == "table" else r.score, "pmid": r.pmid,
        "other_pmid": r.other_pmid, "title": r.title, "other_title": r.other_title,
        "decided_by": r.decided_by, "reason": r.reason,
    } for r in rows], empty="No duplicate links.")


def _decide(app: App, link_id: int, decision: str, who: str, note: str | None) -> None:
    from tracker.evidence import decide

    app.db.require_current()
    with app.db.session() as session:
        link = decide(session, link_id, decision, who=who, note=note, now=utc_now())
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
