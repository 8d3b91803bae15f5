"""The report's trend chart: each therapy's cumulative evidence by level over time, as a PNG.

Uses matplotlib's Figure with the Agg canvas directly (no pyplot state, no display, bundled fonts
only), so rendering works on a server and gives the same picture for the same data.
"""

from __future__ import annotations

import base64
import io
import math
from datetime import date

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FixedLocator, MaxNLocator

from tracker.report.build import Report

# one colour per level, strongest evidence darkest; colour-blind-safe (Okabe-Ito plus greys)
LEVEL_COLOURS = {
    "systematic_review": "#0B3C5D",
    "rct": "#0072B2",
    "non_randomised_trial": "#56B4E9",
    "observational": "#009E73",
    "case_report": "#E69F00",
    "guideline": "#CC79A7",
    "narrative_review": "#D55E00",
    "preclinical": "#999999",
    "protocol": "#C8C8C8",
    "unclassified": "#E8E8E8",
}
COLUMNS = 3
TITLE_CHARS = 40


def short_name(name: str) -> str:
    """Panel titles must fit a third of the figure's width."""
    return name if len(name) <= TITLE_CHARS else name[: TITLE_CHARS - 1].rstrip() + "\u2026"


def drawn(section) -> bool:
    return any(sum(point.by_level.values()) for point in section.trend)


def tick_days(report: Report) -> list[date]:
    """Three dates spread over the chart's span: its start, the middle and the report's end."""
    days = [point.day for s in report.therapies for point in s.trend]
    if not days:
        return [report.until]
    first, last = min(days), max(days)
    middle = first + (last - first) / 2
    return sorted({first, middle, last})


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


def trend_data_uri(report: Report) -> str:
    """The chart as a data: URI, so the HTML report is one self-contained file."""
    return "data:image/png;base64," + base64.b64encode(trend_png(report)).decode("ascii")
