"""Reports: the data of a report for a window, and its formats.

    build.py       build_report: counts, highlights, notices, trends, pathways, references
    formats.py     HTML, Markdown and text (Jinja2 templates), JSON; writing files
    exports.py     the period's papers as RIS, BibTeX and CSV (citation.py: ISSN, date parts)
    charts.py      the trend chart
    templates/     the Jinja2 templates
"""

from tracker.report.build import SCHEMA_VERSION, Report, build_report
from tracker.report.formats import (
    EXPORTS,
    EXTENSIONS,
    FORMATS,
    check_format,
    default_name,
    export,
    render,
    report_to_dict,
    write,
)

__all__ = [
    "EXPORTS",
    "EXTENSIONS",
    "FORMATS",
    "SCHEMA_VERSION",
    "Report",
    "build_report",
    "check_format",
    "default_name",
    "export",
    "render",
    "report_to_dict",
    "write",
]
