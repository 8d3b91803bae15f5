"""The digest's trend chart: small multiples in one PNG, for mail clients (they show no SVG).

Uses matplotlib's Figure with the Agg canvas directly (no pyplot state, no display), so the same
data gives the same picture; colours, drawn therapies and dates are the report charts' own.
"""

from __future__ import annotations

import io
import math

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator

from tracker.report import Report
from tracker.report.charts import LEVEL_COLOURS, drawn, tick_days

COLUMNS = 3
TITLE_CHARS = 40


def short_name(name: str) -> str:
    """Panel titles must fit a third of the figure's width."""
    return name if len(name) <= TITLE_CHARS else name[: TITLE_CHARS - 1].rstrip() + "\u2026"


def trend_png(report: Report, *, dpi: int = 100) -> bytes:
    """Small multiples, one panel per therapy: stacked cumulative counts by level."""
    # therapies without a single counted paper would be empty panels: the page lists them instead
    sections = [s for s in report.therapies if drawn(s)] or list(report.therapies[:1])
    columns = min(COLUMNS, max(1, len(sections)))
    rows = max(1, math.ceil(len(sections) / columns))
    # two columns wide at least: the title and the legend do not fit one panel
    figure = Figure(figsize=(3.4 * max(columns, 2), 2.3 * rows + 0.8), dpi=dpi)
    used = [
        info for info in report.levels
        if any(point.by_level.get(info.value) for s in sections for point in s.trend)
    ]
    FigureCanvasAgg(figure)
    # fixed ticks and margins: matplotlib's automatic locators and tight_layout cost seconds here
    ticks = tick_days(report)
    height = 2.3 * rows + 0.8
    figure.subplots_adjust(left=0.05, right=0.98, wspace=0.22, top=1 - 0.75 / height,
                           bottom=(0.75 if used else 0.3) / height, hspace=0.45)
    axes = figure.subplots(rows, columns, squeeze=False, sharex=True)
    for index, ax in enumerate(axes.flat):
        if index >= len(sections):
            ax.set_visible(False)
            continue
        section = sections[index]
        days = [point.day for point in section.trend]
        series = [[point.by_level.get(info.value, 0) for point in section.trend] for info in used]
        if series and days:
            ax.stackplot(days, *series, colors=[LEVEL_COLOURS.get(i.value, "#777") for i in used],
                         step="pre", linewidth=0)
        top = max((sum(point.by_level.values()) for point in section.trend), default=0)
        if not top:
            ax.text(0.5, 0.5, "no papers", transform=ax.transAxes, ha="center", va="center",
                    fontsize=8, color="#777")
        ax.axvline(report.baseline_date, color="#444", linewidth=0.8, linestyle="--")
        ax.axvspan(report.since, report.until, color="#FFF3C4", linewidth=0, zorder=0)
        ax.set_title(short_name(section.name), fontsize=8.5, loc="left")
        ax.tick_params(labelsize=7)
        ax.set_ylim(0, max(1, top) * 1.1)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.xaxis.set_major_locator(FixedLocator(date2num(ticks)))
        ax.xaxis.set_major_formatter(DateFormatter("%d %b\n%Y"))
        ax.spines[["top", "right"]].set_visible(False)
    if used:
        handles = [Patch(facecolor=LEVEL_COLOURS.get(i.value, "#777")) for i in used]
        figure.legend(handles, [i.label for i in used], loc="lower center", ncol=min(3, len(used)),
                      fontsize=7.5, frameon=False)
    figure.suptitle(
        "Cumulative papers by evidence level (dashed: baseline date; shaded: this report's period)",
        fontsize=9, y=1 - 0.25 / height,
    )
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()
