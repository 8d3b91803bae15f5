"""The report's trend charts: each therapy's cumulative evidence by level over time, as SVG.

One chart per therapy, so each scales to the screen on its own and keeps readable text; the page
arranges them (a grid in the overview, one beside each therapy's section) and gives their titles
and legend as HTML. Uses matplotlib's Figure with its own SVG canvas (no pyplot state, no
display); text stays text, and the same data gives the same file.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.dates import DateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, MaxNLocator

from tracker.errors import ConfigError
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


@dataclass(frozen=True)
class Chart:
    therapy_id: str
    name: str
    uri: str  # data:image/svg+xml;base64,...
    alt: str
    levels: tuple[tuple[str, str], ...]  # (label, colour) of the levels this chart draws


@dataclass(frozen=True)
class TrendCharts:
    """One SVG chart per therapy with counted papers, and the legend they share."""

    charts: tuple[Chart, ...]
    legend: tuple[tuple[str, str], ...]  # (level label, colour) for the levels drawn
    scale: str  # "own": each chart fits its therapy; "shared": one y-scale for all

    def of(self, therapy_id: str) -> Chart | None:
        return next((c for c in self.charts if c.therapy_id == therapy_id), None)


CHART_SCALES = ("own", "shared")
WIDTH, HEIGHT = 3.6, 2.3  # inches: 346 x 221 CSS px, text stays readable from phone to desktop


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


def top_of(section) -> int:
    return max((sum(point.by_level.values()) for point in section.trend), default=0)


COLUMNS = 600  # the plot is about 290 CSS pixels wide: twice that on a high-density screen


def steps(trend, window: tuple[date, date] | None = None) -> list:
    """The points where the count changes (and the ends): the same step plot, a smaller file.

    A long history (weekly since the 1990s: thousands of steps) keeps, outside the report's
    window, only the last step in each of COLUMNS equal slices of the time axis, each thinner
    than a pixel: the curve drawn is the same to the eye and its last count exact, and the
    page is several times lighter."""
    points = list(trend)
    changes = [p for i, p in enumerate(points)
               if i in (0, len(points) - 1) or p.by_level != points[i + 1].by_level]
    if len(changes) <= COLUMNS:
        return changes
    first, span = changes[0].day, (changes[-1].day - changes[0].day).days
    kept: dict[object, object] = {}
    for point in changes:
        inside = window is not None and window[0] <= point.day <= window[1]
        column = point.day if inside else (point.day - first).days * COLUMNS // span
        kept[column] = point  # the last step in its slice
    return sorted({id(p): p for p in (changes[0], *kept.values())}.values(),
                  key=lambda p: p.day)


class ChartCanvas:
    """One figure and axes set up once per report; each therapy's areas are drawn, saved, removed.

    Everything the charts share (size, margins, date ticks, baseline line, period shading) is
    set up once: creating a figure and its axes per chart cost most of the drawing time.
    """

    def __init__(self, report: Report, ticks: list[date]) -> None:
        self.figure = Figure(figsize=(WIDTH, HEIGHT))
        FigureCanvasSVG(self.figure)
        # fixed ticks and margins: matplotlib's automatic locators and tight_layout cost seconds
        self.figure.subplots_adjust(left=0.1, right=0.93, top=0.95, bottom=0.24)
        self.ax = ax = self.figure.add_subplot()
        ax.axvline(report.baseline_date, color="#444", linewidth=1, linestyle="--")
        ax.axvspan(report.since, report.until, color="#FFF3C4", linewidth=0, zorder=0)
        ax.tick_params(labelsize=10)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=True))
        ax.xaxis.set_major_locator(FixedLocator(date2num(ticks)))
        ax.xaxis.set_major_formatter(DateFormatter("%-d %b\n%Y"))
        ax.spines[["top", "right"]].set_visible(False)
        self.span = (report.since, report.until)

    def svg(self, section, used, y_top: int) -> bytes:
        """One therapy's stacked cumulative counts by level, dates under its own axis."""
        ax = self.ax
        points = steps(section.trend, self.span)
        days = [point.day for point in points]
        series = [[point.by_level.get(info.value, 0) for point in points] for info in used]
        areas = []
        # a plain default patch colour: the default "C0" is looked up in the property cycle
        # for every area drawn (slow), and each area gets its level's colour anyway
        with rc_context({"svg.fonttype": "none", "svg.hashsalt": section.id,
                         "patch.facecolor": "#777"}):
            try:
                if series and days:  # dates as numbers once, not once per level
                    areas = ax.stackplot(date2num(days), *series, step="pre", linewidth=0,
                                         colors=[LEVEL_COLOURS.get(i.value, "#777") for i in used])
                # the x-range autoscaling gave one chart on its own axes: its days and the
                # period, with the default 5% margins (the shared axes keep earlier charts' data)
                low = date2num(min([self.span[0], *days]))
                high = date2num(max([self.span[1], *days]))
                margin = (high - low) * 0.05
                ax.set_xlim(low - margin, high + margin)
                ax.set_ylim(0, max(1, y_top) * 1.1)
                buffer = io.BytesIO()
                self.figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
            finally:
                for area in areas:
                    area.remove()
        return buffer.getvalue()


def trend_charts(report: Report, scale: str = "own") -> TrendCharts:
    """Every therapy with counted papers as its own SVG (therapies without any are listed)."""
    if scale not in CHART_SCALES:
        raise ConfigError(f"unknown chart scale {scale!r} (known: {', '.join(CHART_SCALES)})")
    sections = [s for s in report.therapies if drawn(s)]
    used = [
        info for info in report.levels
        if any(point.by_level.get(info.value) for s in sections for point in s.trend)
    ]
    ticks = tick_days(report)
    shared_top = max((top_of(s) for s in sections), default=0)
    canvas = ChartCanvas(report, ticks) if sections else None
    charts = []
    for section in sections:
        top = shared_top if scale == "shared" else top_of(section)
        svg = canvas.svg(section, used, top)
        last = section.trend[-1]
        counts = ", ".join(f"{last.by_level[i.value]} {i.label.lower()}" for i in used
                           if last.by_level.get(i.value))
        charts.append(Chart(
            therapy_id=section.id, name=section.name,
            uri="data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii"),
            alt=f"{section.name}: cumulative papers by evidence level over time; by "
                f"{last.day.isoformat()}: {counts}.",
            levels=tuple((i.label, LEVEL_COLOURS.get(i.value, "#777")) for i in used
                         if any(p.by_level.get(i.value) for p in section.trend)),
        ))
    legend = tuple((i.label, LEVEL_COLOURS.get(i.value, "#777")) for i in used)
    return TrendCharts(tuple(charts), legend, scale)
