"""The evidence taxonomy and the value a classification returns.

Kept apart from the rules so that the store, the reports and the review queue can import the
levels without pulling in any regular expression.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# Change this whenever a rule, a table or a confidence changes: the store re-derives every paper
# whose stored classification carries another version (no network needed, see classify()).
RULES_VERSION = "2025.1"

SOURCES = ("publication_type", "mesh", "text", "none")
# With a trained level model, a not-yet-indexed paper's source is "<rule source>+model" when the
# model took part, or "model" when the model's level replaced the rules' (see evidence/model.py).
MODEL_SOURCES = ("publication_type+model", "mesh+model", "text+model", "model")
NOTICE_KINDS = ("retraction", "erratum", "expression_of_concern", "comment")


class Level(enum.Enum):
    """One evidence level; .value is the stable slug stored in the database."""

    SYSTEMATIC_REVIEW = "systematic_review"
    RCT = "rct"
    NON_RANDOMISED_TRIAL = "non_randomised_trial"
    OBSERVATIONAL = "observational"
    CASE_REPORT = "case_report"
    GUIDELINE = "guideline"
    NARRATIVE_REVIEW = "narrative_review"
    PRECLINICAL = "preclinical"
    PROTOCOL = "protocol"
    UNCLASSIFIED = "unclassified"

    @property
    def rank(self) -> int:
        """Higher is stronger clinical evidence carried by the paper itself."""
        return _RANKS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]


_RANKS = {
    Level.SYSTEMATIC_REVIEW: 9,
    Level.RCT: 8,
    Level.NON_RANDOMISED_TRIAL: 7,
    Level.OBSERVATIONAL: 6,
    Level.CASE_REPORT: 5,
    Level.GUIDELINE: 4,
    Level.NARRATIVE_REVIEW: 3,
    Level.PRECLINICAL: 2,
    Level.PROTOCOL: 1,
    Level.UNCLASSIFIED: 0,
}

_LABELS = {
    Level.SYSTEMATIC_REVIEW: "Systematic review / meta-analysis",
    Level.RCT: "Randomised controlled trial",
    Level.NON_RANDOMISED_TRIAL: "Non-randomised trial",
    Level.OBSERVATIONAL: "Observational study",
    Level.CASE_REPORT: "Case report / series",
    Level.GUIDELINE: "Practice guideline",
    Level.NARRATIVE_REVIEW: "Narrative review / editorial / comment / letter",
    Level.PRECLINICAL: "Preclinical (animal or in vitro)",
    Level.PROTOCOL: "Trial or review protocol",
    Level.UNCLASSIFIED: "Unclassified",
}

LEVELS_BY_RANK: list[Level] = sorted(Level, key=lambda level: level.rank, reverse=True)


@dataclass(frozen=True)
class Classification:
    """A paper's evidence level with where it came from; a pure function of the stored record."""

    level: Level
    source: str  # one of SOURCES
    confidence: float  # 0..1
    reason: str
    design: str | None = None  # finer design: "network meta-analysis", "crossover RCT", ...
    sample_size: int | None = None
    trial_ids: tuple[str, ...] = ()
    notice_kind: str | None = None  # one of NOTICE_KINDS, or None for a paper that is evidence
    retracted: bool = False
    rules_version: str = RULES_VERSION
    notice_of: tuple[str, ...] = ()  # PMIDs the notice (retraction, erratum...) is about
    model_version: str | None = None  # the level model that took part, None: rules alone
    disagreement: bool = False  # rules and model read the paper as different levels

    @property
    def counts_as_evidence(self) -> bool:
        """Notices and retracted papers are linked to other papers, never counted."""
        return self.notice_kind is None and not self.retracted
