"""What the report says about coverage, worded once for every format: an unpolled day is
"not polled", never 0."""

from __future__ import annotations

from collections import defaultdict

from tracker.report.build import Report, TherapySection

NOT_POLLED = "not polled"


def period_name(report: Report) -> str:
    """"month 2025-06: " for a calendar period, nothing for a custom window."""
    if report.unit == "custom" or not report.label:
        return ""
    return f"{report.unit} {report.label}: "


def complete_through(report: Report) -> str:
    """The day the report's data is complete through, or "not polled"."""
    covered = report.coverage
    if covered is None or covered.polled_through is None:
        return NOT_POLLED
    return covered.polled_through.isoformat()


def coverage_line(report: Report) -> str:
    """The sentence near the top: how far the data reaches."""
    through = complete_through(report)
    if through == NOT_POLLED:
        return "Data complete through: not polled yet for every therapy shown."
    return f"Data complete through {through}."


def gap_alerts(report: Report) -> list[str]:
    """One alert per unpolled stretch, naming the therapies it affects."""
    names = {t.id: t.name for t in report.therapies}
    by_span: dict[tuple, list[str]] = defaultdict(list)
    for gap in report.gaps:
        by_span[(gap.since, gap.until)].append(names.get(gap.therapy, gap.therapy))
    alerts = []
    for (since, until), therapies in sorted(by_span.items()):
        first, last = since.isoformat(), until.isoformat()
        span = first if since == until else f"{first} to {last}"
        who = ("every therapy" if len(therapies) == len(report.therapies) > 1
               else ", ".join(therapies))
        alerts.append(f"Not polled {span} for {who}: counts there are unknown, not zero. "
                      f"Fill the gap with: tracker poll --since {first} --until {last}")
    return alerts


def whole_window_unpolled(section: TherapySection, report: Report) -> bool:
    return any(g.since <= report.since and g.until >= report.until for g in section.gaps)


def new_text(section: TherapySection, report: Report) -> str:
    """The therapy's new-paper count, or why there is none to give."""
    if section.polled:
        return str(section.new_total)
    if whole_window_unpolled(section, report):
        return NOT_POLLED
    return f"{section.new_total} (partly {NOT_POLLED})"


def change_text(section: TherapySection) -> str | None:
    """None when both windows were polled (show the signed change); else the reason."""
    if not section.polled:
        return NOT_POLLED
    if not section.previous_polled:
        return f"previous {NOT_POLLED}"
    return None


def history_line(report: Report) -> str:
    """Whether totals and "first" events cover PubMed's whole history or only tracking time."""
    partial = [t.name for t in report.therapies if not t.history_complete]
    if not partial:
        return ("Totals cover each therapy's whole PubMed history; \"at baseline\" is the "
                f"evidence as it stood on {report.baseline_date.isoformat()}.")
    return (f"History before tracking began not searched for {', '.join(partial)}: their totals "
            "and \"first\" events count only papers since tracking began (`tracker init` "
            "backfills it).")
