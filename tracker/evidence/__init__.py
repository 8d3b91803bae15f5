"""Evidence: what each paper is, and what the papers of a therapy add up to.

Per record, pure functions of a parsed PaperRecord (no network, no database, no clock):
    levels.py           the taxonomy (Level, ranks, labels) and the Classification value
    indexed.py          publication-type and MeSH rules for records NLM has indexed
    text_rules.py       title and abstract rules for records it has not (classify_text)
    extract.py          trial registry ids and sample size
    notice_kinds.py     what kind of notice a record is (retraction, erratum, ...); retracted flag
    classify.py         classify(record): the order in which the above decide
    matching.py         word patterns the rules are written in
    duplicate_match.py  fingerprints and scores that say two records may be one paper
    model.py            the learned level model, and how its reading joins the rules' decision

Across stored papers (read and write the store):
    notice_links.py     notices linked to the papers they concern; retractions applied
    duplicate_links.py  duplicate pairs found, and the decisions people make on them
    snapshots.py        per-therapy counts per period, and the events between periods
    coverage.py         which days each therapy has been searched; gaps in a window
    post_filters.py     what a query cannot say: found papers dropped (with why) or tagged
    trials.py           papers grouped into trials, each paper's role in its trial
    reclassify.py       every paper's evidence re-derived from its raw record, offline
    training.py         the level model trained on the store's indexed papers, saved, loaded
    written.py          the columns a batch just wrote, handed on instead of read back
"""

from tracker.evidence.classify import classify
from tracker.evidence.coverage import Coverage, Gap, coverage, record_window
from tracker.evidence.duplicate_links import (
    FINGERPRINT_COLUMNS,
    DuplicateFinder,
    DuplicateRow,
    decide,
    detect_for_papers,
    list_links,
)
from tracker.evidence.duplicate_match import fingerprint, normalize_doi, normalize_pmcid
from tracker.evidence.extract import sample_size, trial_registry_ids
from tracker.evidence.levels import (
    LEVELS_BY_RANK,
    NOTICE_KINDS,
    RULES_VERSION,
    SOURCES,
    Classification,
    Level,
)
from tracker.evidence.model import LevelModel, combine, read_ahead
from tracker.evidence.notice_links import (
    CLAIM_COLUMNS,
    ON_NOTICE,
    WITHDRAWING,
    BaselineNotice,
    baseline_notices,
    link_notices,
    missing_counterparts,
)
from tracker.evidence.post_filters import (
    SCREENED_COLUMNS,
    DroppedLink,
    LinkText,
    Screen,
    dropped_links,
    link_tags,
    rescreen_links,
    screen,
    screen_links,
)
from tracker.evidence.reclassify import reclassify_all
from tracker.evidence.snapshots import (
    PERIODS,
    events,
    load_snapshots,
    period_bounds,
    periods,
    rebuild_snapshots,
    worded_for_history,
)
from tracker.evidence.text_rules import classify_text
from tracker.evidence.training import (
    FEWEST_PER_LEVEL,
    MIN_PER_LEVEL,
    TrainingRefused,
    current_model_row,
    load_current_model,
    train_and_save,
)
from tracker.evidence.trials import (
    ROLE_LABELS,
    TrialMembership,
    group_trials,
    rebuild_trials,
    role_of,
    trial_keys,
    trial_memberships,
)

# the Paper columns the steps after an upsert (screening, duplicates, notices) read from the rows
# it wrote (written.py): an ingest hands on these, and may leave out the rest
READ_AFTER_UPSERT = frozenset(column.key for column in (
    *SCREENED_COLUMNS, *FINGERPRINT_COLUMNS, *CLAIM_COLUMNS))

__all__ = [
    "READ_AFTER_UPSERT",
    "FEWEST_PER_LEVEL",
    "MIN_PER_LEVEL",
    "LEVELS_BY_RANK",
    "LinkText",
    "Screen",
    "NOTICE_KINDS",
    "ON_NOTICE",
    "PERIODS",
    "ROLE_LABELS",
    "RULES_VERSION",
    "SOURCES",
    "WITHDRAWING",
    "TrialMembership",
    "BaselineNotice",
    "Classification",
    "Coverage",
    "DuplicateFinder",
    "DroppedLink",
    "DuplicateRow",
    "Gap",
    "Level",
    "LevelModel",
    "TrainingRefused",
    "baseline_notices",
    "classify",
    "classify_text",
    "combine",
    "current_model_row",
    "coverage",
    "decide",
    "detect_for_papers",
    "dropped_links",
    "events",
    "fingerprint",
    "group_trials",
    "link_notices",
    "link_tags",
    "list_links",
    "load_current_model",
    "load_snapshots",
    "missing_counterparts",
    "normalize_doi",
    "normalize_pmcid",
    "period_bounds",
    "periods",
    "read_ahead",
    "rebuild_snapshots",
    "rebuild_trials",
    "reclassify_all",
    "record_window",
    "sample_size",
    "train_and_save",
    "rescreen_links",
    "role_of",
    "sample_size",
    "screen",
    "screen_links",
    "trial_keys",
    "trial_memberships",
    "trial_registry_ids",
    "worded_for_history",
]
