"""Evidence classification: study design and evidence level per paper, with provenance.

    levels.py      the taxonomy (Level, ranks, labels) and the Classification value
    indexed.py     publication-type and MeSH rules for records NLM has indexed
    text_rules.py  title and abstract rules for records it has not (classify_text)
    extract.py     trial registry ids and sample size
    notices.py     retraction notices, errata, expressions of concern, comments; retracted flag
    classify.py    classify(record): the order in which the above decide

Everything here is a pure function of a stored PaperRecord: no network, no database, no clock.
"""

from tracker.evidence.classify import classify
from tracker.evidence.extract import sample_size, trial_registry_ids
from tracker.evidence.levels import (
    LEVELS_BY_RANK,
    NOTICE_KINDS,
    RULES_VERSION,
    SOURCES,
    Classification,
    Level,
)
from tracker.evidence.text_rules import classify_text

__all__ = [
    "LEVELS_BY_RANK",
    "NOTICE_KINDS",
    "RULES_VERSION",
    "SOURCES",
    "Classification",
    "Level",
    "classify",
    "classify_text",
    "sample_size",
    "trial_registry_ids",
]
