"""Turning a Report into text: Jinja2 templates (HTML, Markdown, plain text) and JSON; the
exports (RIS, BibTeX, CSV) are in exports.py.

Paper titles and abstracts come from PubMed and are untrusted: the HTML environment autoescapes,
the Markdown templates pass every piece of paper text through `md` (backslash escapes), and no
template marks paper text safe.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from contextlib import suppress
from datetime import date, datetime
from pathlib import Path

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)
from markupsafe import Markup

from tracker.errors import ConfigError
from tracker.report.build import SOURCE_NAMES, PaperItem, Report, TherapySection, without_mesh_uis
from tracker.report.coverage_view import (
    change_text,
    coverage_line,
    gap_alerts,
    history_line,
    new_text,
    period_name,
)
from tracker.report.exports import CSV_COLUMNS, cell, to_bibtex, to_csv, to_ris  # noqa: F401
from tracker.text import printable

FORMATS = ("html", "md", "txt", "json", "ris", "bib", "csv")
EXPORTS = {"ris": to_ris, "bib": to_bibtex, "csv": to_csv}
TEMPLATES = {"html": "report.html.j2", "md": "report.md.j2", "txt": "report.txt.j2"}
EXTENSIONS = {"html": "html", "md": "md", "txt": "txt", "json": "json", "ris": "ris", "bib": "bib",
              "csv": "csv"}
# Only what Markdown would read as syntax: emphasis, code, links (with [ ] escaped no "(" can
# start one), HTML, tables, strikethrough; a "#" only opens a heading at the start of a line and
# "&" only matters before an entity name.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])|&(?=#?\w+;)|^(#)")


def md(text: object) -> str:
    """Markdown-escape one piece of text and keep it on one line."""
    flat = " ".join(str(text).split())
    return MARKDOWN_SPECIAL.sub(lambda m: "\\" + m.group(0), flat)


def code_spans(text: str, fmt: str) -> str:
    """A sentence of the report's own that names a command between backticks, with the
    command set as code: <code> in HTML (the rest escaped), a code span in Markdown (the rest
    escaped by `md`)."""
    parts = str(text).split("`")
    if fmt == "html":
        return Markup("").join(Markup("<code>{}</code>").format(part) if index % 2 else
                               Markup.escape(part) for index, part in enumerate(parts))
    return "".join(f"`{part}`" if index % 2 else md_keeping_ends(part)
                   for index, part in enumerate(parts))


def md_keeping_ends(text: str) -> str:
    """md() of a piece of a sentence, keeping the space at either end that joins it to the
    next piece."""
    if not text.strip():
        return " " if text else ""
    return (" " if text[0].isspace() else "") + md(text) + (" " if text[-1].isspace() else "")


def signed(number: int) -> str:
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"\u2212{-number}"
    return "\u00b10"


def level_summary(counts: dict[str, int], report: Report) -> str:
    parts = [f"{counts[i.value]} {i.short}" for i in report.levels if counts.get(i.value)]
    return ", ".join(parts) if parts else "none"


def source_line(paper: PaperItem) -> str:
    """The short form of a level's provenance: where it came from and how sure."""
    source = SOURCE_NAMES.get(paper.level_source, paper.level_source)
    return f"{source}, confidence {paper.level_confidence:.2f}"


def unlisted_line(report: Report, section: TherapySection | None = None) -> str:
    """What a report with a list limit leaves out of a therapy's lists (or of the excluded
    papers), and how to see it: empty when nothing is left out."""
    if section is None:
        left = (f"{report.excluded_unlisted:,} earlier excluded paper"
                f"{'s' if report.excluded_unlisted != 1 else ''}"
                if report.excluded_unlisted else "")
    else:
        left = "; ".join(f"{info.label} {section.unlisted[info.value]:,}"
                         for info in report.levels if section.unlisted.get(info.value))
        left = f"earlier papers by level: {left}" if left else ""
    if not left:
        return ""
    return (f"Not listed here, {left}. This report lists the {report.list_limit:,} most recent "
            "papers of each level; `tracker report --max-listed 0` lists them all, and the "
            "CSV, RIS and BibTeX exports always do.")


def level_legend(report: Report) -> str:
    return "; ".join(f"{i.short} = {i.label}" for i in report.levels) + "."


def wrap(text: str, width: int = 78, indent: str = "", hanging: str | None = None) -> str:
    """Fill text to width; continuation lines take `hanging` (default: the first indent)."""
    return textwrap.fill(
        " ".join(str(text).split()), width=width, initial_indent=indent,
        subsequent_indent=indent if hanging is None else hanging, break_on_hyphens=False,
        break_long_words=False,
    )


def _inert(value: object) -> object:
    """Every value a template prints, with terminal controls and bidi overrides made visible."""
    return value if isinstance(value, Markup) or not isinstance(value, str) else printable(value)


class TemplateCache(FileSystemBytecodeCache):
    """Compiled templates kept between runs, in Jinja2's private folder under the temp
    directory: compiling the report's templates took about 40 ms of every run. A cache that
    cannot be written is skipped, never a failed report."""

    def dump_bytecode(self, bucket) -> None:
        with suppress(OSError):
            super().dump_bytecode(bucket)


def template_cache() -> TemplateCache | None:
    try:
        return TemplateCache()
    except (OSError, RuntimeError):  # no private temp folder to be had: compile each run
        return None


def environment(cache: TemplateCache | None = None) -> Environment:
    env = Environment(
        bytecode_cache=cache,
        loader=PackageLoader("tracker.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html.j2", "svg.j2"),
                                     default_for_string=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_inert,
    )
    env.filters.update(md=md, signed=signed, wrap=wrap,
                       html_code=lambda text: code_spans(text, "html"),
                       md_code=lambda text: code_spans(text, "md"))
    env.globals.update(level_summary=level_summary, level_legend=level_legend,
                       source_line=source_line, readable_reason=without_mesh_uis,
                       unlisted_line=unlisted_line)
    env.globals.update(coverage_line=coverage_line, gap_alerts=gap_alerts, new_text=new_text,
                       change_text=change_text, history_line=history_line,
                       period_name=period_name)
    return env


ENV = environment(template_cache())


def check_format(fmt: str, allowed: tuple[str, ...]) -> None:
    if fmt not in allowed:
        raise ConfigError(f"unknown report format {fmt!r} (known: {', '.join(allowed)})")


def render(report: Report, fmt: str, *, chart_scale: str = "own") -> str:
    """The report as HTML, Markdown, plain text or JSON; chart_scale: "own" fits each therapy's
    chart to it, "shared" gives all one y-scale so they compare at a glance (HTML only)."""
    return "".join(rendered_pieces(report, fmt, chart_scale=chart_scale))


def rendered_pieces(report: Report, fmt: str, *, chart_scale: str = "own") -> Iterator[str]:
    """render() in pieces as the template produces them, so a long report is written as it is
    rendered rather than held whole; the charts and the checks come first."""
    check_format(fmt, ("html", "md", "txt", "json"))
    if fmt == "json":
        return iter([printable(json.dumps(report_to_dict(report), indent=2,
                                          ensure_ascii=False)) + "\n"])
    charts = None
    if fmt == "html":  # charts.py renders with this module's ENV: imported once that exists
        from tracker.report.charts import trend_charts

        charts = trend_charts(report, chart_scale)
    return ENV.get_template(TEMPLATES[fmt]).generate(report=report, charts=charts)


def export(report: Report, fmt: str) -> str:
    """The period's counted papers for a reference manager (RIS, BibTeX) or a spreadsheet (CSV)."""
    check_format(fmt, tuple(EXPORTS))
    return EXPORTS[fmt](report)


def default_name(report: Report, fmt: str) -> str:
    return f"trd-report_{report.since.isoformat()}_{report.until.isoformat()}.{EXTENSIONS[fmt]}"


def write(
    report: Report, fmt: str, output: Path | None, reports_dir: Path, *, chart_scale: str = "own"
) -> Path:
    """Render or export to a file; without output, to the dated default name in reports_dir."""
    check_format(fmt, FORMATS)
    if fmt in EXPORTS:
        pieces = iter([export(report, fmt)])
    else:
        pieces = rendered_pieces(report, fmt, chart_scale=chart_scale)
    if output is None:
        path = Path(reports_dir) / default_name(report, fmt)
    elif Path(output).is_dir():
        path = Path(output) / default_name(report, fmt)
    else:
        path = Path(output)
    newline = "" if fmt == "csv" else None  # csv writes its own \r\n line ends
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8", newline=newline) as handle:
            handle.writelines(pieces)
    except OSError as exc:
        raise ConfigError(f"cannot write the report to {path}: {exc.strerror or exc}; choose "
                          "another --output or reports folder (TRACKER_REPORTS_DIR)") from None
    return path


# --- JSON ---------------------------------------------------------------------------------------

def _day(value: date | datetime | None) -> str | None:
    return value.isoformat() if value else None


def paper_to_dict(paper: PaperItem) -> dict:
    return {
        "pmid": paper.pmid, "title": paper.title, "authors": list(paper.authors),
        "journal": paper.journal, "pub_date": paper.pub_date, "create_date": _day(paper.created),
        "doi": paper.doi, "pubmed_url": paper.pubmed_url, "doi_url": paper.doi_url,
        "abstract": paper.abstract,
        "level": {
            "value": paper.level, "label": paper.level_label, "rank": paper.level_rank,
            "source": paper.level_source, "confidence": paper.level_confidence,
            "reason": paper.level_reason,
        },
        "design": paper.design, "sample_size": paper.sample_size,
        "trial_ids": list(paper.trial_ids), "therapies": list(paper.therapies),
        "is_demo": paper.is_demo, "inclusion": paper.inclusion,
        "exclusion_reason": paper.exclusion_reason,
        "possible_duplicate_of": paper.possible_duplicate_of,
        "trial": {"key": paper.trial_key, "label": paper.trial_label, "role": paper.trial_role,
                  "role_reason": paper.trial_role_reason} if paper.trial_key else None,
    }


def therapy_to_dict(section: TherapySection) -> dict:
    return {
        "id": section.id, "name": section.name, "category": section.category,
        "status": section.status,
        "counts": {
            "new": section.new_by_level, "previous": section.previous_by_level,
            "cumulative": section.cumulative_by_level,
            "at_baseline": section.at_baseline_by_level,
            "change_vs_previous": section.change_vs_previous_by_level(),
            "change_since_baseline": section.change_since_baseline_by_level(),
        },
        "trials": {name: dict(by_level) for name, by_level in section.trials.items()},
        "totals": {
            "new": section.new_total, "previous": section.previous_total,
            "cumulative": section.cumulative_total, "at_baseline": section.at_baseline_total,
            "change_vs_previous": section.change_vs_previous,
            "change_since_baseline": section.change_since_baseline,
        },
        "highlights": [paper_to_dict(p) for p in section.highlights],
        "papers_by_level": {g.level.value: [paper_to_dict(p) for p in g.papers]
                            for g in section.others},
        "notices": [
            {"kind": n.kind, "label": n.kind_label, "paper_pmid": n.paper_pmid,
             "paper_title": n.paper_title, "notice_pmid": n.notice_pmid,
             "notice_title": n.notice_title, "date": _day(n.date),
             "baseline_reference": n.baseline_reference}
            for n in section.notices
        ],
        "events": list(section.events),
        "retracted": section.retracted,
        "polled": section.polled,
        "previous_polled": section.previous_polled,
        "history_complete": section.history_complete,
        "gaps": [g.to_dict() for g in section.gaps],
        "trend": [{"date": _day(p.day), "cumulative": p.by_level} for p in section.trend],
    }


def report_to_dict(report: Report) -> dict:
    """The JSON document described in docs/report-json.md."""
    return {
        "schema_version": report.schema_version,
        "period": {
            "since": _day(report.since), "until": _day(report.until), "unit": report.unit,
            "label": report.label, "step": report.period,
            "previous_since": _day(report.previous_since),
            "previous_until": _day(report.previous_until),
        },
        "generated_at": _day(report.generated_at),
        "demo": report.demo,
        "coverage": report.coverage.to_dict() if report.coverage else None,
        "alerts": list(report.alerts),
        "baseline": {
            "date": _day(report.baseline_date),
            "documents": [
                {"id": d.id, "title": d.title, "author": d.author, "journal": d.journal,
                 "published": _day(d.published), "doi": d.doi, "note": d.note}
                for d in report.documents
            ],
        },
        "levels": [{"value": i.value, "label": i.label, "rank": i.rank, "short": i.short}
                   for i in report.levels],
        "therapies": [therapy_to_dict(s) for s in report.therapies],
        "pathways": [
            {"id": p.id, "name": p.name, "therapies": list(p.therapies),
             "polled_through": _day(p.polled_through),
             "new_by_level": dict(p.new_by_level) if p.polled else None,
             "new": sum(p.new_by_level.values()) if p.polled else None,
             "cumulative": p.cumulative if p.polled else None,
             "also_found_by": [{"therapy": name, "papers": n} for name, n in p.shared]}
            for p in report.pathways
        ],
        "excluded": [paper_to_dict(p) for p in report.excluded],
        "prisma": report.prisma,
        "references": [
            {"key": r.key, "document": r.document, "number": r.number, "citation": r.citation,
             "pmid": r.pmid, "resolution": r.resolution, "cited_for": list(r.cited_for),
             "matches": list(r.matches), "context": r.context, "verdict": r.verdict,
             "verdict_text": r.verdict_text, "retracted": r.retracted,
             "notices": list(r.notices)}
            for r in report.references
        ],
    }
