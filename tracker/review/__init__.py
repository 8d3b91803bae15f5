"""The review queue: flag rules, reviewers' decisions and their history, PRISMA counts.

    rules.py    the flag rules: plain functions over plain PaperFacts
    queue.py    flags kept in step with the rules, decisions, undo, the queue and a paper's history
    prisma.py   identified / duplicates removed / screened / excluded / included counts
    export.py   the CSV screening tools import
    users.py    reviewers and their argon2 password hashes
"""

from tracker.review.export import export_rows, to_csv
from tracker.review.prisma import FIELDS as PRISMA_FIELDS
from tracker.review.prisma import load_screened, polled_through, prisma_counts, prisma_for_report
from tracker.review.queue import (
    DECISIONS,
    ORDERS,
    STATUSES,
    PaperView,
    QueueRow,
    ReviewError,
    all_rows,
    decide,
    find_paper,
    paper_view,
    queue_rows,
    queue_state,
    select_rows,
    sync_flags,
    undo,
)
from tracker.review.rules import (
    REASONS,
    SOURCE_NAMES,
    SWITCHABLE,
    PaperFacts,
    flags_for,
    rule_settings,
)
from tracker.review.users import add_reviewer, check_password


def sync_from_settings(session, baseline, settings, now) -> None:
    """Bring the flags in step with the stored papers under the configured [review] rules."""
    rules = rule_settings(baseline.start_date, settings.review_min_confidence,
                          settings.review_rules_off)
    sync_flags(session, baseline, rules, now)

__all__ = [
    "DECISIONS",
    "ORDERS",
    "PRISMA_FIELDS",
    "REASONS",
    "SOURCE_NAMES",
    "STATUSES",
    "SWITCHABLE",
    "PaperFacts",
    "PaperView",
    "QueueRow",
    "ReviewError",
    "add_reviewer",
    "all_rows",
    "check_password",
    "decide",
    "export_rows",
    "find_paper",
    "flags_for",
    "load_screened",
    "paper_view",
    "polled_through",
    "prisma_counts",
    "prisma_for_report",
    "queue_rows",
    "queue_state",
    "sync_from_settings",
    "rule_settings",
    "select_rows",
    "sync_flags",
    "to_csv",
    "undo",
]
