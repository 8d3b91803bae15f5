"""The report's trend charts: each therapy's cumulative evidence by level over time, as SVG.

One chart per therapy, so each scales to the screen on its own and keeps readable text; the page
arranges them (a grid in the overview, one beside each therapy's section) and gives their titles
and legend as HTML. The geometry (scales, ticks, the stacked step areas) is worked out here on
plain numbers and written by a Jinja2 template (chart.svg.j2): text stays text, the same data
gives the same file, and a report does not load a plotting library for a few filled paths. The
digest's chart, a PNG for mail clients, is drawn by matplotlib (tracker.digest.chart).
"""

from __future__ import annotations

import base64
import math
from dataclasses import dataclass
from datetime import date

from tracker.errors import ConfigError
from tracker.report.build import Report
from tracker.report.formats import ENV

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


# The drawing in SVG user units (points: 259.2 x 165.6 shows as 346 x 221 CSS px, text readable
# from phone to desktop), the plot's margins as fractions of it; the left margin grows to fit
# the longest y label.
WIDTH_UNITS, HEIGHT_UNITS = 259.2, 165.6
PLOT_RIGHT, PLOT_TOP, PLOT_BOTTOM = 0.93 * WIDTH_UNITS, 0.05 * HEIGHT_UNITS, 0.76 * HEIGHT_UNITS
FONT_SIZE = 10
DIGIT_WIDTH = 0.64 * FONT_SIZE  # a digit's advance in common sans-serif fonts, at most
TICK = 3.5
Y_STEPS = (1, 2, 2.5, 5, 10)  # nice tick intervals, times a power of ten


def y_ticks(limit: float, bins: int = 4) -> list[int]:
    """Whole-number ticks from 0 to at most `limit`, at most `bins` intervals of a nice size."""
    raw = max(limit / bins, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in Y_STEPS
                if m * magnitude >= raw and float(m * magnitude).is_integer())
    step = int(step)
    return list(range(0, int(limit) + 1, step))


@dataclass(frozen=True)
class Frame:
    """The plot's box and its scales: days and counts to SVG coordinates."""

    left: float
    first: int  # ordinals of the days at the plot's left and right edges
    last: int
    top: float  # the count at the plot's top edge

    def x(self, day: date) -> float:
        return self.left + (day.toordinal() - self.first) * (PLOT_RIGHT - self.left) / (
            self.last - self.first)

    def y(self, count: float) -> float:
        return PLOT_BOTTOM - count * (PLOT_BOTTOM - PLOT_TOP) / self.top


def frame_for(days: list[date], span: tuple[date, date], labels: list[str], top: int) -> Frame:
    """The chart's days and the report's period, with 5% margins either side."""
    low = min([span[0], *days]).toordinal()
    high = max([span[1], *days]).toordinal()
    margin = max((high - low) * 0.05, 1)
    widest = max((len(label) for label in labels), default=1)
    left = max(0.1 * WIDTH_UNITS, widest * DIGIT_WIDTH + 2 * TICK + 3)
    return Frame(left, math.floor(low - margin), math.ceil(high + margin), max(1, top) * 1.1)


def step_area(xs: list[str], ys: list[str], zero: str) -> str:
    """One level's area as an SVG path: up from zero, along a step line held to the left of
    each point (as matplotlib's step="pre" draws it) and back along zero. Coordinates come
    formatted, so a vertex is written only where the line turns at the drawing's precision."""
    vertices = [f"{xs[0]} {zero}", f"{xs[0]} {ys[0]}"]
    for i in range(1, len(xs)):
        if ys[i] != ys[i - 1]:
            vertices += [f"{xs[i - 1]} {ys[i - 1]}", f"{xs[i - 1]} {ys[i]}"]
    vertices += [f"{xs[-1]} {ys[-1]}", f"{xs[-1]} {zero}"]
    kept = [v for i, v in enumerate(vertices) if i == 0 or v != vertices[i - 1]]
    return "M " + " L ".join(kept) + " Z"


def stacked_areas(frame: Frame, points: list, levels: list[str]) -> list[tuple[str, str]]:
    """(level, path) per level with papers, stacked in the order given. Each path runs from
    zero to its level's top, and the top level comes first so each lower one is painted over
    it: the same picture as bands between two step lines, with half the vertices."""
    xs = [f"{frame.x(point.day):.1f}" for point in points]
    y_of: dict[int, str] = {}

    def y(count: int) -> str:
        if count not in y_of:
            y_of[count] = f"{frame.y(count):.1f}"
        return y_of[count]

    totals = [0] * len(points)
    tops = []
    for level in levels:
        stacked = [t + point.by_level.get(level, 0) for t, point in zip(totals, points,
                                                                           strict=True)]
        if stacked != totals:
            tops.append((level, step_area(xs, [y(count) for count in stacked], y(0))))
        totals = stacked
    return tops[::-1]


def chart_svg(report: Report, section, used, top: int, ticks: list[date]) -> str:
    """One therapy's stacked cumulative counts by level, dates under its own axis."""
    points = steps(section.trend, (report.since, report.until))
    counts = y_ticks(max(1, top) * 1.1)
    labels = [f"{count:,}" for count in counts]
    frame = frame_for([p.day for p in points], (report.since, report.until), labels, top)
    period = (frame.x(report.since), frame.x(report.until))
    baseline = frame.x(report.baseline_date)
    return ENV.get_template("chart.svg.j2").render(
        width=WIDTH_UNITS, height=HEIGHT_UNITS, left=frame.left, right=PLOT_RIGHT,
        top=PLOT_TOP, bottom=PLOT_BOTTOM, tick=TICK, font_size=FONT_SIZE,
        period=(period[0], max(period[1] - period[0], 1.5)),  # a short period stays visible
        baseline=baseline if frame.left <= baseline <= PLOT_RIGHT else None,
        areas=[(LEVEL_COLOURS.get(level, "#777"), path) for level, path in
               stacked_areas(frame, points, [info.value for info in used])],
        x_ticks=[(frame.x(day), f"{day.day} {day:%b}", f"{day:%Y}") for day in ticks],
        y_ticks=[(frame.y(count), label) for count, label in zip(counts, labels, strict=True)],
    )


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
    charts = []
    for section in sections:
        top = shared_top if scale == "shared" else top_of(section)
        svg = chart_svg(report, section, used, top, ticks).encode()
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
