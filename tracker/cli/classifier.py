"""`tracker classifier`: train the level model on the store's indexed papers, and show it."""

from __future__ import annotations

import json
from contextlib import nullcontext
from typing import TYPE_CHECKING

import click

from tracker.cli.app import App, err, out, pass_app
from tracker.clock import local_iso, utc_now
from tracker.config import FEWEST_PER_LEVEL, MIN_PER_LEVEL

if TYPE_CHECKING:
    from rich.table import Table

FORMATS = click.Choice(["text", "json"])


@click.group()
def classifier() -> None:
    """The level model that helps the text rules on papers MEDLINE has not indexed yet.

    `train` fits it on the store's indexed papers (their publication types are the labels);
    `show` says which model is current and how it scored. Without a trained model the rules
    decide alone. `tracker reclassify` applies the current model to stored papers.
    """


@classifier.command("train")
@click.option("--min-per-level", type=click.IntRange(min=FEWEST_PER_LEVEL), default=MIN_PER_LEVEL,
              show_default=True,
              help="Indexed papers a level needs before the model learns it.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
              help="json prints the scores for scripts.")
@pass_app
def train(app: App, min_per_level: int, fmt: str) -> None:
    """Fit the level model on indexed papers, score it on held-out ones, save it as current.

    A fifth of the indexed papers are held out; their publication types are hidden and the
    model, the rules, and both together are scored on them (precision and recall per level).
    Refuses, saving nothing, when fewer than two levels have --min-per-level indexed papers.
    """
    from tracker.evidence import train_and_save

    app.db.require_current()
    waiting = (err.status("Training the level model…") if err.is_terminal and fmt == "text"
               else nullcontext())
    with waiting:
        report = train_and_save(app.db, now=utc_now(), min_per_level=min_per_level)
    if fmt == "json":
        click.echo(json.dumps(report.as_dict(), indent=2))
        return
    out.print(f"Saved level model {report.version}: trained on {report.training_size} indexed "
              f"papers, scored on {report.held_out_size} held out (publication types hidden); "
              f"{report.size_bytes:,} bytes.")
    if report.skipped_levels:
        out.print(f"Not learnt (fewer than {min_per_level} indexed papers): "
                  f"{', '.join(report.skipped_levels)}.")
    out.print(scores_table(report.scores))


@classifier.command("show")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True,
              help="json prints the current model's record for scripts.")
@pass_app
def show(app: App, fmt: str) -> None:
    """Show the current level model: version, when trained, sizes and held-out scores."""
    from tracker.evidence import current_model_row

    app.db.require_current()
    with app.db.session() as session:
        row = current_model_row(session)
        shown = None if row is None else {
            "version": row.version, "trained_at": local_iso(row.trained_at),
            "training_size": row.training_size, "held_out_size": row.held_out_size,
            "levels": row.levels, "counts": row.counts, "rules_version": row.rules_version,
            "size_bytes": row.size_bytes, "scores": row.scores,
        }
    if fmt == "json":
        click.echo(json.dumps({"model": shown}, indent=2))
        return
    if shown is None:
        out.print("No trained level model: the rules decide alone. "
                  "Run `tracker classifier train` to fit one.")
        return
    trained_at = shown["trained_at"][:16].replace("T", " ")
    out.print(f"Level model {shown['version']}, trained {trained_at} on "
              f"{shown['training_size']} indexed papers, scored on {shown['held_out_size']} "
              f"held out; {shown['size_bytes']:,} bytes.")
    out.print(scores_table(shown["scores"]))


def scores_table(scores: dict) -> Table:
    """Held-out precision / recall per level for the model, the rules and both."""
    from rich.table import Table

    table = Table("level", "papers", "model P / R", "rules P / R", "both P / R",
                  title="Held-out scores (publication types hidden)")
    model_levels = scores["model"]["levels"]
    for level, figures in model_levels.items():
        table.add_row(level, str(figures["support"]),
                      *(_pr(scores[who]["levels"][level]) for who in ("model", "rules",
                                                                      "combined")))
    table.add_row("accuracy", "", *(_figure(scores[who]["accuracy"])
                                    for who in ("model", "rules", "combined")))
    return table


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def _pr(figures: dict) -> str:
    return f"{_figure(figures['precision'])} / {_figure(figures['recall'])}"
