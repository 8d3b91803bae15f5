"""Flag rules: why a paper belongs in the review queue. Plain functions over plain data.

Each rule takes a PaperFacts (what the store knows about one canonical paper) and the RuleSettings,
and returns the flags it raises, each a reason code with a sentence saying what decided it. The
store side (tracker.review.queue) gathers the facts and keeps the flags' history.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from tracker.errors import ConfigError

REASONS = {
    "new_rct": "New randomised controlled trial",
    "new_systematic_review_or_meta_analysis": "New systematic review / meta-analysis",
    "first_at_level": "First paper at its level for a therapy",
    "retraction": "Retraction notice",
    "expression_of_concern": "Expression of concern",
    "erratum": "Erratum",
    "possible_duplicate": "Possible duplicate",
    "doubtful_relevance": "Doubtful relevance",
    "low_confidence_level": "Low-confidence level",
    "decision_conflict": "Merged duplicates were decided differently",
}

# The TRD population, as the seed query's condition clause names it.
# Patterns are written in lower case and searched in lower-cased text (faster than IGNORECASE).
TRD_PATTERN = re.compile(
    r"\b(?:treatment[- ]?(?:resistant|refractory)|refractory|(?:therapy|drug)[- ]resistant|"
    r"difficult[- ]to[- ]treat)\s+(?:major\s+)?(?:depress\w*|mdd)|\btrd\b"
)
TRD_MESH = "depressive disorder, treatment-resistant"
DEPRESSION_PATTERN = re.compile(r"\bdepress\w*|\bmdd\b")

# Conditions that, when they are the population studied, make a TRD hit doubtful.
OTHER_CONDITIONS = (
    "chronic pain", "neuropathic pain", "postoperative pain", "postsurgical pain", "cancer pain",
    "fibromyalgia",
    "migraine", "schizophrenia", "psychosis", "bipolar disorder", "obsessive-compulsive disorder",
    "post-traumatic stress disorder", "ptsd", "alcohol use disorder", "substance use disorder",
    "opioid use disorder", "smoking cessation", "tinnitus", "stroke", "parkinson's disease",
    "parkinson disease", "alzheimer's disease", "dementia", "epilepsy", "autism",
    "anorexia nervosa", "generalized anxiety disorder", "anesthesia", "anaesthesia",
    "cesarean", "caesarean", "delirium", "status epilepticus", "asthma", "obesity",
)
_CONDITION = re.compile(r"\b(" + "|".join(re.escape(c) for c in OTHER_CONDITIONS) + r")\b")
SOURCE_NAMES = {"publication_type": "publication types", "mesh": "MeSH", "text": "text rules",
                "none": "no rule"}
POPULATION_CATEGORIES = ("METHODS", "OBJECTIVE")
POPULATION_LABELS = re.compile(r"method|design|participant|patient|population|setting|subject",
                               re.IGNORECASE)


@dataclass(frozen=True)
class TherapyTerms:
    id: str
    name: str
    aliases: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((self.name, *self.aliases)))


@dataclass(frozen=True)
class PaperFacts:
    """One canonical paper as the rules see it."""

    pmid: str
    title: str
    abstract: tuple[tuple[str | None, str | None, str], ...]  # (label, category, text)
    mesh: tuple[str, ...]
    level: str
    level_source: str
    level_confidence: float
    entered: date
    therapies: tuple[TherapyTerms, ...]
    notices: tuple[tuple[str, str | None], ...] = ()  # (kind, notice PMID)
    possible_duplicates: tuple[tuple[str, float], ...] = ()  # (other PMID, score)
    first_at_level: tuple[str, ...] = ()  # the snapshot events' texts naming this paper's period


@dataclass(frozen=True)
class RuleSettings:
    new_since: date  # papers that entered PubMed on or after this day are "new"
    min_confidence: float = 0.75
    off: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Flag:
    reason: str
    detail: str


def new_rct(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    if facts.level == "rct" and facts.entered >= settings.new_since:
        source = SOURCE_NAMES.get(facts.level_source, facts.level_source)
        return [Flag("new_rct", f"RCT (level from {source}) entered PubMed "
                                f"{facts.entered.isoformat()}")]
    return []


def new_systematic_review(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    if facts.level == "systematic_review" and facts.entered >= settings.new_since:
        source = SOURCE_NAMES.get(facts.level_source, facts.level_source)
        return [Flag("new_systematic_review_or_meta_analysis",
                     f"systematic review / meta-analysis (level from {source}) "
                     f"entered PubMed {facts.entered.isoformat()}")]
    return []


def first_at_level(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    return [Flag("first_at_level", text) for text in facts.first_at_level]


def notices(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    flags = []
    for kind, notice_pmid in facts.notices:
        if kind in ("retraction", "expression_of_concern", "erratum"):
            by = f"PMID {notice_pmid}" if notice_pmid else "the paper's own record"
            flags.append(Flag(kind, f"{REASONS[kind].lower()} touching this paper ({by})"))
    return flags


def possible_duplicate(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    return [Flag("possible_duplicate", f"may be the same article as PMID {pmid} "
                                       f"(score {score:.0f})")
            for pmid, score in facts.possible_duplicates]


def low_confidence_level(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    if facts.level_source == "text" and facts.level_confidence < settings.min_confidence:
        return [Flag("low_confidence_level",
                     f"level {facts.level} from text rules at confidence "
                     f"{facts.level_confidence:.2f}, below {settings.min_confidence:.2f}")]
    return []


def population_text(facts: PaperFacts) -> tuple[str, str]:
    """The abstract's population/methods part, and where it came from.

    A structured abstract gives it by section; an unstructured one is taken whole, minus its last
    sentence (where a passing mention of another condition usually sits).
    """
    chosen = [text for label, category, text in facts.abstract
              if (category or "").upper() in POPULATION_CATEGORIES
              or (label and POPULATION_LABELS.search(label))]
    if chosen:
        return " ".join(chosen), "methods"
    if len(facts.abstract) == 1:
        sentences = re.split(r"(?<=[.!?])\s+", facts.abstract[0][2].strip())
        body = sentences[:-1] if len(sentences) > 2 else sentences
        return " ".join(body), "abstract"
    return "", "abstract"


@lru_cache(maxsize=256)
def therapy_pattern(therapy: TherapyTerms) -> re.Pattern[str]:
    """One pattern for all of a therapy's names, as whole words; built once per therapy."""
    names = sorted({n.lower() for n in therapy.terms}, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names) + r")(?!\w)")


def doubtful_relevance(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    """The query matched, but the paper seems to be about something else; say which words."""
    population, where = population_text(facts)
    title, population = facts.title.lower(), population.lower()
    places = {"title": title, "MeSH": " ; ".join(facts.mesh).lower(), where: population}
    reasons = []
    trd_in = [name for name, text in places.items() if TRD_PATTERN.search(text)]
    if any(m.lower() == TRD_MESH for m in facts.mesh) and "MeSH" not in trd_in:
        trd_in.append("MeSH")
    if not trd_in:
        reasons.append(f"no treatment-resistant depression in the title, MeSH or {where}")
    missing = [
        t.name for t in facts.therapies
        if not any(therapy_pattern(t).search(text) for text in places.values())
    ]
    if missing and len(missing) == len(facts.therapies):
        reasons.append(f"{', '.join(missing)} not named in the title, MeSH or {where}")
    condition = _CONDITION.search(title) or _CONDITION.search(population)
    if condition and not DEPRESSION_PATTERN.search(title):
        source = "title" if _CONDITION.search(title) else where
        reasons.append(f'the population studied is "{condition.group(1)}" ({source})')
    if not reasons:
        return []
    return [Flag("doubtful_relevance", "; ".join(reasons))]


RULES: dict[str, Callable[[PaperFacts, RuleSettings], list[Flag]]] = {
    "new_rct": new_rct,
    "new_systematic_review_or_meta_analysis": new_systematic_review,
    "first_at_level": first_at_level,
    "notices": notices,
    "possible_duplicate": possible_duplicate,
    "doubtful_relevance": doubtful_relevance,
    "low_confidence_level": low_confidence_level,
}
SWITCHABLE = tuple(code for code in REASONS if code != "decision_conflict")
# A baseline reference no therapy query found is watched for notices and duplicates only.
BASELINE_ONLY_RULES = ("notices", "possible_duplicate")


def rule_settings(new_since: date, min_confidence: float, off: tuple[str, ...]) -> RuleSettings:
    """Check the configured rule codes, so a typo in [review] rules_off is an error, not a no-op."""
    unknown = sorted(set(off) - set(SWITCHABLE))
    if unknown:
        raise ConfigError(f"[review] rules_off: unknown rule {', '.join(unknown)} "
                          f"(known: {', '.join(SWITCHABLE)})")
    return RuleSettings(new_since=new_since, min_confidence=min_confidence, off=frozenset(off))


def flags_for(facts: PaperFacts, settings: RuleSettings) -> list[Flag]:
    """Every flag the switched-on rules raise for one paper, each reason once."""
    found: dict[tuple[str, str], Flag] = {}
    names = RULES if facts.therapies else BASELINE_ONLY_RULES
    for rule in (RULES[name] for name in names):
        for flag in rule(facts, settings):
            if flag.reason not in settings.off:
                found.setdefault((flag.reason, flag.detail), flag)
    return list(found.values())
