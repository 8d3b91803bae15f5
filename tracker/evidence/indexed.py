"""What NLM's indexing says: publication types (matched by MeSH UI) and MeSH headings.

Names are kept for the reason text and as a fallback: a few publication types are recent
additions whose UI could not be checked offline (marked below), so their names match too.
"""

from __future__ import annotations

from dataclasses import dataclass

from tracker.evidence.levels import Level
from tracker.records import PaperRecord, PublicationType

# MedlineCitation/@Status values after NLM indexing; anything else carries publisher data only.
INDEXED_STATUSES = frozenset({"MEDLINE", "OLDMEDLINE", "Completed"})

RETRACTION_NOTICE = "D016440"  # Retraction of Publication (the notice)
RETRACTED_PUBLICATION = "D016441"  # the retracted article itself
PUBLISHED_ERRATUM = "D016425"
COMMENT = "D016420"
LETTER = "D016422"
EDITORIAL = "D016421"


@dataclass(frozen=True)
class TypeRule:
    level: Level
    uis: frozenset[str]
    names: frozenset[str]  # lower-case fallback names
    confidence: float  # for an indexed record; publisher-supplied types get less
    refine_to: frozenset[Level] = frozenset()  # levels text may narrow this rule down to


def _rule(level, uis, names, confidence, refine_to=()):
    return TypeRule(level, frozenset(uis), frozenset(n.lower() for n in names), confidence,
                    frozenset(refine_to))


# In precedence order: the first rule with a matching publication type decides.
TYPE_RULES: tuple[TypeRule, ...] = (
    # A protocol indexed with "Randomized Controlled Trial" too is still only a protocol.
    _rule(Level.PROTOCOL, {"D000078325"}, {"Clinical Trial Protocol"}, 0.98),
    # Veterinary trials are animal studies. UIs unverified offline: names match as well.
    _rule(Level.PRECLINICAL, set(), {"Randomized Controlled Trial, Veterinary",
          "Clinical Trial, Veterinary", "Observational Study, Veterinary"}, 0.95),
    # "Network Meta-Analysis" is a recent type; its UI is unverified, its name matches.
    _rule(Level.SYSTEMATIC_REVIEW, {"D017418", "D000078182"},
          {"Network Meta-Analysis", "Meta-Analysis", "Systematic Review"}, 0.98),
    _rule(Level.RCT, {"D016449"}, {"Randomized Controlled Trial"}, 0.98,
          refine_to={Level.PROTOCOL}),
    _rule(Level.GUIDELINE, {"D017065", "D016431", "D016446", "D016447"},
          {"Practice Guideline", "Guideline", "Consensus Development Conference",
           "Consensus Development Conference, NIH"}, 0.97),
    _rule(Level.CASE_REPORT, {"D002363"}, {"Case Reports"}, 0.97),
    _rule(Level.OBSERVATIONAL, {"D064888"}, {"Observational Study"}, 0.95),
    # Indexers give RCTs their own type, so a bare Clinical Trial is usually not randomised;
    # the abstract may still say it was (or that it is a protocol).
    _rule(Level.NON_RANDOMISED_TRIAL,
          {"D016430", "D018848", "D017426", "D017427", "D017428", "D017429", "D057045"},
          {"Clinical Trial", "Controlled Clinical Trial", "Clinical Trial, Phase I",
           "Clinical Trial, Phase II", "Clinical Trial, Phase III", "Clinical Trial, Phase IV",
           "Pragmatic Clinical Trial", "Equivalence Trial", "Adaptive Clinical Trial"}, 0.9,
          refine_to={Level.RCT, Level.PROTOCOL}),
    # Before 2019 a systematic review was indexed as Review; the text tells them apart.
    _rule(Level.NARRATIVE_REVIEW, {"D016454"}, {"Review", "Scoping Review"}, 0.9,
          refine_to={Level.SYSTEMATIC_REVIEW, Level.GUIDELINE, Level.PROTOCOL}),
    _rule(Level.NARRATIVE_REVIEW, {EDITORIAL, COMMENT, LETTER, "D016433"},
          {"Editorial", "Comment", "Letter", "News"}, 0.95),
)

# Publisher-supplied types are usually right but unchecked by NLM.
UNINDEXED_FACTOR = 0.92


def indexed(record: PaperRecord) -> bool:
    return record.status in INDEXED_STATUSES


def has_type(record: PaperRecord, uis: frozenset[str] | set[str], names=frozenset()) -> bool:
    names = {n.lower() for n in names}
    return any(pt.ui in uis or pt.name.strip().lower() in names
               for pt in record.publication_types)


def type_rule(record: PaperRecord) -> tuple[TypeRule, PublicationType] | None:
    """The first publication-type rule the record matches, with the type that matched."""
    for rule in TYPE_RULES:
        for pt in record.publication_types:
            if pt.ui in rule.uis or pt.name.strip().lower() in rule.names:
                return rule, pt
    return None


def describe_type(pt: PublicationType) -> str:
    return f"publication type {pt.ui} {pt.name}" if pt.ui else f"publication type {pt.name}"


# --- MeSH ----------------------------------------------------------------------------------

HUMANS = ("D006801", "Humans")
ANIMALS = ("D000818", "Animals")
IN_VITRO = (("D066298", "In Vitro Techniques"), ("D002478", "Cells, Cultured"),
            ("D002460", "Cell Line"), ("D059012", "Organoids"))
OBSERVATIONAL_MESH = (("D015331", "Cohort Studies"), ("D012189", "Retrospective Studies"),
                      ("D016022", "Case-Control Studies"), ("D003430", "Cross-Sectional Studies"),
                      ("D011446", "Prospective Studies"), ("D008137", "Longitudinal Studies"))


def _mesh_has(record: PaperRecord, ui: str, name: str) -> bool:
    return any(h.ui == ui or (not h.ui and h.descriptor.lower() == name.lower())
               for h in record.mesh)


def mesh_rule(record: PaperRecord) -> tuple[Level, float, str] | None:
    """Level from MeSH check tags and design headings, or None when they say nothing."""
    if not record.mesh:
        return None
    humans = _mesh_has(record, *HUMANS)
    if _mesh_has(record, *ANIMALS) and not humans:
        return Level.PRECLINICAL, 0.9, "MeSH Animals without Humans"
    for ui, name in IN_VITRO:
        if _mesh_has(record, ui, name):
            return Level.PRECLINICAL, 0.8, f"MeSH {ui} {name}"
    for ui, name in OBSERVATIONAL_MESH:
        if _mesh_has(record, ui, name):
            return Level.OBSERVATIONAL, 0.8, f"MeSH {ui} {name}"
    return None
