"""Text rules: study design from a title and abstract, for records MEDLINE has not indexed yet.

Each cue is a regular expression tied to a level, a strength and a precedence. The title is read
before the abstract and strong cues before weak ones; inside the first (field, strength) tier that
has any hit, the cue with the best precedence wins. Precedence is where the traps are settled:
"protocol for a randomised trial" is a protocol, "meta-analysis of randomised trials" is a
systematic review, "rats were randomly assigned" is preclinical. See docs/evidence.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from tracker.evidence.extract import registry_ids_in_text, sample_size
from tracker.evidence.levels import Classification, Level
from tracker.evidence.matching import WordPattern, fold

STRONG, WEAK = "strong", "weak"
TITLE, ABSTRACT = "title", "abstract"

# Confidence by tier; a hit for the same level in another tier adds CORROBORATION.
TIER_CONFIDENCE = {(TITLE, STRONG): 0.85, (ABSTRACT, STRONG): 0.75,
                   (TITLE, WEAK): 0.6, (ABSTRACT, WEAK): 0.45}
CORROBORATION = 0.05
MAX_TEXT_CONFIDENCE = 0.9

_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_ANIMALS = (
    r"mice|mouse|murine|rats?|rodents?|zebrafish|macaques?|non-?human primates?|monkeys?|"
    r"piglets?|c57bl|sprague|wistar|knock-?out|transgenic|in vitro|ex vivo|cell lines?|"
    r"cultured|cultures?|organoids?|ipsc|induced pluripotent|hek-?293|sh-sy5y|pc12|"
    r"forced swim|tail suspension|sucrose preference|social defeat|unpredictable (?:mild )?stress|"
    r"olfactory bulbectomy|lipopolysaccharide|animal models?|preclinical"
)


_REVIEW_NAMES = (
    r"\bsystematic(?:ally)? review", r"\bmeta-?analy(?:sis|ses|tic)\b", r"\bmeta-?regression\b",
    r"\bumbrella review\b", r"\bcochrane review\b",
    r"\bindividual (?:patient|participant)(?:-level)? data\b", r"\bevidence synthesis\b",
)


@dataclass(frozen=True)
class Cue:
    level: Level
    strength: str
    fields: tuple[str, ...]
    priority: int  # lower wins inside a tier
    pattern: WordPattern  # written in lower case, matched against fold(text)


def _cues(level: Level, priority: int, strength: str, fields: tuple[str, ...], *patterns):
    """Cues from pattern strings, or from ready WordPatterns when one needs not_after."""
    return [Cue(level, strength, fields, priority, p if isinstance(p, WordPattern) else
                WordPattern(p)) for p in patterns]


BOTH = (TITLE, ABSTRACT)
CUES: list[Cue] = [
    # protocols: a planned study, whatever its design
    *_cues(Level.PROTOCOL, 10, STRONG, BOTH,
           r"\b(?:study|trial|review|research|clinical) protocol\b",
           r"\bprotocol (?:for|of) (?:a|an|the)\b[^.]{0,80}?\b(?:trial|study|review|meta-analysis)",
           r"\b(?:rationale and design|design and rationale|statistical analysis plan)\b",
           r"\bdesign of (?:a|an|the)\b[^.]{0,60}?\b(?:trial|study)\b",
           r":\s*(?:a |the )?(?:study |trial )?protocol\s*$"),
    *_cues(Level.PROTOCOL, 10, STRONG, (ABSTRACT,),
           r"\bwill be (?:randomi[sz]ed|randomly (?:assigned|allocated)|recruited|enrolled)\b",
           r"\bwe (?:will|plan to) (?:recruit|enrol|enroll|randomi[sz]e|search|include)\b",
           r"\b(?:recruitment|enrolment|enrollment) (?:is ongoing|began|started|will)\b",
           r"\bthis (?:paper|article|protocol) describes the (?:design|protocol|rationale)"),
    *_cues(Level.PROTOCOL, 10, WEAK, (ABSTRACT,),
           r"\b(?:participants|patients) will (?:be|receive|undergo)\b",
           r"\boutcomes? will be\b"),
    # the paper's own article type: design words in a comment describe someone else's study
    *_cues(Level.NARRATIVE_REVIEW, 15, STRONG, BOTH,
           r"\beditorial\b(?! board)", r"\bcommentary\b", r"\bcomments? on\b",
           r"\bletter to the editor\b", r"\bin reply\b",
           r"\b(?:reply|response) to (?:the )?(?:letter|comments?|commentary|editorial|critique|"
           r"authors|[a-z]+ (?:et al|and colleagues))"),
    *_cues(Level.NARRATIVE_REVIEW, 15, STRONG, (TITLE,),
           r"^(?:re|reply|response|comment|letter)\b\s*(?:to\b|on\b|:)"),
    # systematic reviews and meta-analyses
    # In a title these name the paper; in an abstract they may name earlier work ("previous
    # meta-analyses found..."), so there they are weak and the review's own methods are strong.
    *_cues(Level.SYSTEMATIC_REVIEW, 20, STRONG, (TITLE,), *_REVIEW_NAMES),
    *_cues(Level.SYSTEMATIC_REVIEW, 20, WEAK, (ABSTRACT,), *_REVIEW_NAMES),
    *_cues(Level.SYSTEMATIC_REVIEW, 20, STRONG, (ABSTRACT,),
           r"\b(?:this|our|we (?:conducted|performed|undertook|carried out) an?) (?:updated )?"
           r"(?:systematic review|meta-analysis|network meta-analysis|umbrella review)"),
    *_cues(Level.SYSTEMATIC_REVIEW, 20, STRONG, (TITLE,), r"\bpooled analysis\b"),
    *_cues(Level.SYSTEMATIC_REVIEW, 20, STRONG, (ABSTRACT,),
           r"\b(?:we )?(?:systematic(?:ally)?|comprehensive) (?:literature )?search",
           r"\bsearch(?:ed)? (?:of )?(?:the )?(?:pubmed|medline|embase|psycinfo|cochrane|"
           r"web of science|scopus|cinahl|(?:four|three|five|six|\d) (?:electronic )?databases)",
           r"\b(?:databases|registers) were searched\b", r"\bprisma\b",
           r"\b(?:studies|trials|rcts) (?:met (?:the )?inclusion|"
           r"were (?:included|eligible|pooled))",
           r"\b(?:were|was) pooled\b", r"\bpooled (?:effect|estimate|odds|risk|standardi[sz]ed|"
           r"mean|analysis)", r"\brandom-effects (?:meta|model)"),
    *_cues(Level.SYSTEMATIC_REVIEW, 20, WEAK, (ABSTRACT,),
           r"\b(?:included|eligible) (?:studies|trials)\b", r"\brisk of bias\b", r"\bgrade\b"),
    # preclinical: animal or in vitro work, unless people were studied too (checked in code)
    *_cues(Level.PRECLINICAL, 30, STRONG, BOTH, r"\b(?:" + _ANIMALS + r")\b"),
    # randomised trials (an open-label extension follows a randomised phase: not randomised)
    *_cues(Level.NON_RANDOMISED_TRIAL, 35, STRONG, BOTH,
           r"\bopen-label extension\b", r"\bextension (?:study|phase)\b"),
    *_cues(Level.RCT, 40, STRONG, BOTH,
           WordPattern(r"\brandomi[sz]ed", not_after=("non-", "non ", "non", "quasi-")),
           r"\brandomly (?:assigned|allocated)\b", r"\brcts?\b",
           r"\b(?:placebo|sham)-controlled\b", r"\bin (?:a )?random order\b",
           r"\brandom (?:assignment|allocation)\b"),
    *_cues(Level.RCT, 40, WEAK, BOTH,
           r"\bdouble-?blind(?:ed)?\b", r"\b(?:versus|vs\.?|or) (?:placebo|sham)\b"),
    # non-randomised trials
    *_cues(Level.NON_RANDOMISED_TRIAL, 50, STRONG, BOTH,
           r"\bnon-?randomi[sz]ed\b", r"\bsingle-(?:arm|group)\b", r"\buncontrolled\b",
           r"\bquasi-?experimental\b", r"\bpre-?post\b", r"\bbefore-and-after\b",
           r"\bopen-label\b", r"\bfirst-in-human\b", r"\bno control group\b",
           r"\bwithout (?:a control group|randomi[sz]ation)\b", r"\bhistorical controls?\b",
           r"\b(?:ascending|escalating) doses\b|\bdose-(?:escalation|finding)\b",
           r"\ball (?:patients|participants) received\b"),
    *_cues(Level.NON_RANDOMISED_TRIAL, 50, WEAK, BOTH,
           r"\bphase (?:i|ii|1|2|iia|iib|2a|2b|i/ii|1/2)\b", r"\bpilot\b", r"\bfeasibility\b",
           r"\btrial\b"),
    # case reports and series
    *_cues(Level.CASE_REPORT, 55, STRONG, BOTH,
           r"\bcase reports?\b", r"\bcase series\b", r"\ba case of\b", r"\bclinical case\b",
           r"\breport of " + _NUM + r" cases?\b", r"\bcase presentation\b",
           r"-year-old (?:man|woman|male|female|patient|boy|girl)\b"),
    *_cues(Level.CASE_REPORT, 55, STRONG, (TITLE,),
           r"\b(?:in|of) " + _NUM + r" (?:\w+ )?(?:patients?|cases?|women|men|adolescents?|"
           r"children)\b", r":\s*(?:a )?case\s*$"),
    *_cues(Level.CASE_REPORT, 55, STRONG, (ABSTRACT,),
           r"\bwe (?:\w+ly )?(?:report|describe|present) (?:(?:a|an|one) (?:\w+ )?(?:patient|"
           r"case|man|woman)|the cases?\b|" + _NUM + r" (?:\w+ )?(?:patients|cases)\b)",
           r"\bthis (?:case|report) describes\b"),
    # observational studies
    *_cues(Level.OBSERVATIONAL, 60, STRONG, BOTH,
           r"\bcohorts?\b", r"\bcase-?control\b", r"\bcross-?sectional\b", r"\bretrospective",
           r"\bregist(?:ry|ries|er-based|ers)\b", r"\breal-world\b", r"\bnaturalistic\b",
           r"\bobservational\b", r"\bpopulation-based\b", r"\bnationwide\b",
           r"\b(?:claims|administrative) (?:data|database)\b", r"\bhealth records?\b",
           r"\bmedical records\b", r"\bchart review\b", r"\bpropensity\b",
           r"\bpharmacovigilance\b", r"\bdisproportionality\b", r"\bspontaneous reports\b",
           r"\bsurvey\b", r"\bqualitative\b", r"\bsemi-?structured interviews?\b",
           r"\bfocus groups?\b", r"\bbiobank\b", r"\blongitudinal\b", r"\bprospective study\b"),
    *_cues(Level.OBSERVATIONAL, 60, WEAK, BOTH,
           r"\bprevalence\b", r"\bincidence\b", r"\bpredictors? of\b", r"\bprospective\b",
           r"\bassociations? (?:between|of|with)\b", r"\bwere followed\b"),
    # guidelines and consensus
    *_cues(Level.GUIDELINE, 65, STRONG, BOTH,
           r"\bguidelines?\b(?!-| adherence| concordan)", r"\bconsensus\b",
           r"\bposition (?:statement|paper)\b", r"\bpractice parameters?\b",
           r"\brecommendations (?:for|on)\b", r"\bguidance (?:on|for)\b",
           r"\b(?:treatment|medication) algorithm\b", r"\bdelphi\b"),
    *_cues(Level.GUIDELINE, 65, STRONG, (ABSTRACT,),
           r"\bexpert panel\b", r"\brecommendations were\b",
           r"\bissued\b[^.]{0,40}recommendations"),
    *_cues(Level.GUIDELINE, 65, WEAK, (TITLE,), r"\brecommendations\b"),
    # narrative reviews, editorials, comments, letters
    *_cues(Level.NARRATIVE_REVIEW, 70, STRONG, BOTH,
           r"\bscoping review\b", r"\bnarrative review\b", r"\bletter\b", r"\bviewpoint\b",
           r"\bperspective\b", r"\bstate of the art\b",
           r"\boverview\b", r"\bcritical review\b", r"\bclinical review\b"),
    *_cues(Level.NARRATIVE_REVIEW, 70, STRONG, (TITLE,), r"\breview\b", r"\ban update\b"),
    *_cues(Level.NARRATIVE_REVIEW, 70, STRONG, (ABSTRACT,),
           r"\b(?:in )?this (?:review|article reviews|article traces|article discusses)\b",
           r"\bwe (?:review|discuss|argue|summari[sz]e|write)\b", r"\b(?:is|are) reviewed\b",
           r"\bwe (?:thank|appreciate)\b", r"\breviews? (?:the|recent)\b"),
    *_cues(Level.NARRATIVE_REVIEW, 70, WEAK, (TITLE,),
           r"\b(?:mechanisms|history|current status|future directions|open questions|promise|"
           r"challenges|lessons|hype|where do we go|what next)\b", r"\?"),
    *_cues(Level.NARRATIVE_REVIEW, 70, WEAK, (ABSTRACT,), r"\bwe propose\b"),
]

# Words that show people were studied; their presence keeps an abstract-only animal cue from
# deciding (human papers mention mice in their background, animal papers mention patients).
_PEOPLE_STUDIED = WordPattern(
    r"\b(?:participants|volunteers|outpatients|inpatients|we (?:recruited|enrolled))\b"
)

# Finer design text per level: the first pattern that matches title + abstract names it.
DESIGNS: dict[Level, list[tuple[str, str]]] = {
    Level.SYSTEMATIC_REVIEW: [
        (r"network meta-?analy", "network meta-analysis"),
        (r"individual (?:patient|participant)", "individual participant data meta-analysis"),
        (r"umbrella review", "umbrella review"),
        (r"meta-?regression", "meta-regression"),
        (r"systematic(?:ally)? review.{0,40}meta-?analy", "systematic review and meta-analysis"),
        (r"meta-?analy", "meta-analysis"),
        (r"pooled analysis", "pooled analysis"),
        (r"systematic(?:ally)? review", "systematic review"),
    ],
    Level.RCT: [
        (r"secondary analysis|post[ -]hoc|exploratory analysis|ancillary", "secondary analysis of "
         "an RCT"),
        (r"cluster[ -]randomi[sz]", "cluster RCT"),
        (r"cross-?over", "crossover RCT"),
        (r"non-?inferiority|equivalence", "non-inferiority RCT"),
        (r"pilot|feasibility", "pilot RCT"),
        (r"pragmatic", "pragmatic RCT"),
        (r"open-label", "open-label RCT"),
    ],
    Level.NON_RANDOMISED_TRIAL: [
        (r"open-label extension|extension (?:study|phase)", "open-label extension"),
        (r"non-?randomi[sz]ed controlled|historical control|patient preference",
         "non-randomised controlled trial"),
        (r"quasi-?experimental|before-and-after|pre-?post", "before-after study"),
        (r"single-(?:arm|group)|uncontrolled|no control group", "single-arm trial"),
        (r"phase (?:i|1)\b|first-in-human|dose-(?:escalation|finding)", "phase 1 trial"),
        (r"pilot|feasibility", "pilot trial"),
    ],
    Level.OBSERVATIONAL: [
        (r"nested case-?control", "nested case-control study"),
        (r"case-?control", "case-control study"),
        (r"retrospective cohort", "retrospective cohort study"),
        (r"prospective (?:observational )?cohort", "prospective cohort study"),
        (r"cross-?sectional", "cross-sectional study"),
        (r"regist(?:ry|er)", "registry study"),
        (r"pharmacovigilance|disproportionality", "pharmacovigilance study"),
        (r"qualitative|interviews|focus group", "qualitative study"),
        (r"cohort", "cohort study"),
        (r"chart review|medical records|health records", "record review"),
    ],
    Level.CASE_REPORT: [(r"case series|" + _NUM + r" (?:\w+ )?(?:patients|cases)", "case series"),
                        (r".", "case report")],
    Level.PRECLINICAL: [(r"in vitro|ex vivo|cell|cultur|organoid|ipsc|neurons", "in vitro study"),
                        (r".", "animal study")],
    Level.PROTOCOL: [
        (r"statistical analysis plan", "statistical analysis plan"),
        (r"protocol (?:for|of) (?:a|an) (?:systematic review|meta-analysis)|"
         r"systematic review.{0,20}protocol", "review protocol"),
        (r".", "trial protocol"),
    ],
    Level.GUIDELINE: [
        (r"consensus", "consensus statement"),
        (r"position (?:statement|paper)", "position statement"),
        (r"algorithm", "treatment algorithm"),
        (r".", "practice guideline"),
    ],
    Level.NARRATIVE_REVIEW: [
        (r"scoping review", "scoping review"),
        (r"editorial", "editorial"),
        (r"\bletter\b|we write", "letter"),
        (r"in reply|reply to|response to|we thank|we appreciate", "reply"),
        (r"comment", "comment"),
        (r"viewpoint|perspective|we argue", "perspective"),
        (r".", "narrative review"),
    ],
}
_DESIGN_RES = {
    level: [(re.compile(p, re.DOTALL), name) for p, name in rules]
    for level, rules in DESIGNS.items()
}


@dataclass(frozen=True)
class Hit:
    cue: Cue
    field: str
    text: str  # the words that matched, as written


_UNKNOWN = object()


@lru_cache(maxsize=64)
def _checks(levels: frozenset[Level] | None) -> tuple[tuple[Cue, str], ...]:
    """The (cue, field) pairs to try, in CUES order, for all levels or only some.

    Made once per level set (publication types narrow to a few fixed sets), so the loop in
    find_hits does not test every cue's level for every record.
    """
    return tuple((cue, field) for cue in CUES if levels is None or cue.level in levels
                 for field in cue.fields)


def find_hits(title: str, abstract: str, size: int | None | object = _UNKNOWN,
              levels: frozenset[Level] | None = None) -> list[Hit]:
    """Every cue that matches, once per field, after the preclinical guard.

    `size` is the abstract's sample size (None included) when the caller has it already;
    `levels` limits the cues read, for narrowing a publication type to the levels it allows.
    """
    folded_title, folded_abstract = fold(title), fold(abstract)
    if size is _UNKNOWN:
        size = sample_size(abstract)
    people_studied = None  # read only when an abstract animal cue needs it
    hits = []
    for cue, field in _checks(levels):
        if field == TITLE:
            original, text = title, folded_title
        else:
            original, text = abstract, folded_abstract
        match = cue.pattern.search(text)
        if match is None:
            continue
        if cue.level is Level.PRECLINICAL and field == ABSTRACT:
            if people_studied is None:
                people_studied = size is not None or bool(_PEOPLE_STUDIED.search(text))
            if people_studied:
                continue
        hits.append(Hit(cue, field, _quote(original, text, match)))
    return hits


def _quote(original: str, folded: str, match: re.Match[str]) -> str:
    """The matched words as the author wrote them (lower case if folding changed lengths)."""
    if len(original) == len(folded):
        return original[match.start():match.end()]
    return match.group(0)


def design_for(level: Level, text: str) -> str | None:
    """The finer design name for a level, from the folded words of the title and abstract."""
    for pattern, name in _DESIGN_RES.get(level, []):
        if pattern.search(text):
            return name
    return None


def choose(hits: list[Hit]) -> tuple[Hit, float] | None:
    """The deciding hit and its confidence, or None when nothing matched."""
    for field, strength in TIER_CONFIDENCE:
        tier = [h for h in hits if h.field == field and h.cue.strength == strength]
        if not tier:
            continue
        best = min(tier, key=lambda h: h.cue.priority)
        confidence = TIER_CONFIDENCE[(field, strength)]
        if any(h.cue.level is best.cue.level for h in hits if h not in tier):
            confidence = min(MAX_TEXT_CONFIDENCE, confidence + CORROBORATION)
        return best, round(confidence, 2)
    return None


def describe(hit: Hit, hits: list[Hit] = ()) -> str:
    """'title matches "randomized" and "placebo-controlled"': the cues that agreed, in order."""
    words = [hit.text]
    for other in hits:
        same = other.field == hit.field and other.cue.level is hit.cue.level
        if same and other.text.lower() not in (w.lower() for w in words) and len(words) < 3:
            words.append(other.text)
    return f"{hit.field} matches " + " and ".join(f'"{w}"' for w in words)


def classify_text(title: str, abstract: str) -> Classification:
    """The text rules alone: what the words of a title and abstract say about the design."""
    ids = registry_ids_in_text(f"{title}\n{abstract}")
    size = sample_size(abstract)
    hits = find_hits(title, abstract, size)
    chosen = choose(hits)
    if chosen is None:
        return Classification(Level.UNCLASSIFIED, "none", 0.0,
                              "no design cue in title or abstract",
                              sample_size=size, trial_ids=ids)
    hit, confidence = chosen
    level = hit.cue.level
    return Classification(level, "text", confidence, describe(hit, hits),
                          design=design_for(level, fold(f"{title}\n{abstract}")),
                          sample_size=size, trial_ids=ids)
