"""`tracker demo`: the whole pipeline offline on demo data."""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from tracker.cli.app import App, out, pass_app


@click.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("demo-output"), show_default=True,
              help="Folder for the demo database and reports (recreated on each run).")
@pass_app
def demo(app: App, workdir: Path) -> None:
    """Run the whole pipeline offline: a local E-utilities server on demo records, init, two
    polls with new records appearing in between, a refresh, then reports."""
    from tracker.demo.run import run_demo

    result = run_demo(workdir, seeds_dir=app.settings.seeds_dir, echo=out.print)
    out.print(f"\nDemo report: {result.html}\nAlso: {', '.join(str(p) for p in result.others)}")
    out.print(f"Explore the demo database: cd {shlex.quote(str(workdir))} && tracker therapies "
              f"(settings in {result.config.name}; also tracker status, references, report)")
