"""Facts pulled out of a record besides its level: trial registry ids and the sample size.

Both are plain text functions of the stored record, so they re-run offline like the rules.
"""

from __future__ import annotations

import re

from tracker.evidence.matching import fold
from tracker.records import PaperRecord

# DataBankList names that hold trial (or review) registrations; other banks (GenBank, Dryad,
# figshare, PDB...) list data sets, not registrations.
TRIAL_DATABANKS = frozenset(
    name.lower()
    for name in (
        "ClinicalTrials.gov", "ISRCTN", "ANZCTR", "ChiCTR", "CRiS", "CTRI", "DRKS", "EudraCT",
        "CTIS", "IRCT", "JPRN", "NTR", "PACTR", "ReBec", "RPCEC", "SLCTR", "TCTR", "PROSPERO",
    )
)

# One pattern per registry; each finds the id with optional space or hyphen after the prefix
# (authors write "NCT 01234567" or "ISRCTN-12345678"), normalised away afterwards.
_REGISTRY_PATTERNS = (
    r"NCT[\s-]?\d{8}",
    r"ISRCTN[\s-]?\d{8}",
    r"ACTRN[\s-]?\d{14}",
    r"ChiCTR[\s-]?(?:[A-Z]{2,5}-)?\d{8,10}",
    r"DRKS[\s-]?\d{8}",
    r"CTRI/\d{4}/\d{2,3}/\d{6}",
    r"(?:JPRN-)?UMIN\d{9}",
    r"jRCTs?\d{9,10}",
    r"IRCT\d{8,14}N\d{1,3}",
    r"PACTR\d{15,16}",
    r"KCT\d{7}",
    r"TCTR\d{11}",
    r"SLCTR/\d{4}/\d{3}",
    r"RBR-\w{6,8}",
    r"NTR\d{3,5}",
    r"CRD[\s-]?42\d{9}",
    r"EudraCT(?:\s+(?i:number|no\.?|n°))?[\s:#]*\d{4}-\d{6}-\d{2}",
    r"\b\d{4}-5\d{5}-\d{2}-\d{2}\b",  # EU CT number (CTIS): year-5xxxxx-nn-nn
)
_REGISTRY_RE = re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(_REGISTRY_PATTERNS) + r")(?!\d)")
_EUDRACT_PREFIX_RE = re.compile(r"EudraCT(?:\s+(?:number|no\.?|n°))?[\s:#]*", re.IGNORECASE)


def _normalise_id(raw: str) -> str:
    text = raw.strip()
    if text.lower().startswith("eudract"):
        return "EudraCT " + _EUDRACT_PREFIX_RE.sub("", text)
    for prefix in ("NCT", "ISRCTN", "ACTRN", "DRKS", "CRD"):
        if text.upper().startswith(prefix):
            return prefix + re.sub(r"[\s-]", "", text[len(prefix):])
    if text.startswith("ChiCTR"):
        rest = text[6:].lstrip(" -")
        return "ChiCTR" + ("-" + rest if not rest[:1].isdigit() else rest)
    return text


def registry_ids_in_text(text: str) -> tuple[str, ...]:
    """Registry ids written in free text, normalised and in order of first appearance."""
    found: list[str] = []
    for match in _REGISTRY_RE.finditer(text):
        trial_id = _normalise_id(match.group(0))
        if trial_id not in found:
            found.append(trial_id)
    return tuple(found)


def trial_registry_ids(record: PaperRecord) -> tuple[str, ...]:
    """Registrations from the DataBankList first, then those written in the title or abstract."""
    found: list[str] = []
    for bank, accession in record.databanks:
        if bank.strip().lower() in TRIAL_DATABANKS and accession.strip():
            trial_id = _normalise_id(accession)
            if trial_id not in found:
                found.append(trial_id)
    for trial_id in registry_ids_in_text(f"{record.title}\n{record.abstract_text}"):
        if trial_id not in found:
            found.append(trial_id)
    return tuple(found)


# --- sample size --------------------------------------------------------------------------

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}
_WORD_NUMBER = (
    r"(?:(?:" + "|".join(_TENS) + r")(?:[\s-](?:" + "|".join(k for k in _UNITS if k != "zero")
    + r"))?|" + "|".join(_UNITS) + r")"
)
# 1,234 / 1 234 / 1234 / "twenty-four"; not part of a decimal, a range or a date.
_NUMBER = r"(?<![\d.,/-])(?P<n>\d{1,3}(?:[, ]\d{3})+|\d+|" + _WORD_NUMBER + r")(?![\d.]\d|%)"
_PEOPLE = (
    r"(?:patients|participants|subjects|individuals|adults|adolescents|children|youths?|"
    r"women|men|veterans|outpatients|inpatients|volunteers|people|persons|cases|respondents|"
    r"completers|mothers|students|residents|older adults|eligible patients)"
)
_ADJ = r"(?:[a-z-]+\s+){0,4}?"  # "adult outpatients", "consecutive eligible patients"
_GAP = r"(?:(?!\b(?:were|was)\b)[^.;\d]){0,60}?"  # "with TRD and a MADRS above 20", no numbers
_ENROLLED = r"(?:randomi[sz]ed|randomly (?:assigned|allocated)|enrolled|included|recruited|treated)"

# Ordered strongest first: the randomised count beats a total that may count screening. Each
# pattern comes with words one of which must be in the text, a cheap test that skips most scans.
_SAMPLE_PATTERNS = tuple(
    (tuple(needles), re.compile(pattern))
    for needles, pattern in (
        # "120 patients were randomized", "56 adults with TRD were randomly assigned"
        (("random",), _NUMBER + r"\s+" + _ADJ + _PEOPLE + r"\b" + _GAP
         + r"\b(?:were|was)\s+(?:then\s+)?(?:randomi[sz]ed|randomly (?:assigned|allocated))"),
        # "Of 310 screened, 120 were randomised"
        (("random",), _NUMBER + r"\s+(?:were|was)\s+(?:then\s+)?"
         r"(?:randomi[sz]ed|randomly (?:assigned|allocated))"),
        # "we randomized 120 patients", "randomly assigned 424 adults"
        (("random",), r"\b(?:randomi[sz]ed|randomly (?:assigned|allocated))\s+" + _NUMBER
         + r"\s+" + _ADJ + _PEOPLE),
        # "A total of 56 participants" (not when they were only screened)
        (("total of",), r"\ba total of\s+" + _NUMBER + r"\s+" + _ADJ + _PEOPLE
         + r"(?![^.;]{0,40}\b(?:screened|assessed for eligibility|approached|invited))"),
        # "Twelve trials (n = 648)", "N = 312", "(n=120)"
        (("=",), r"(?<![a-z])n\s*=\s*" + _NUMBER),
        # "we enrolled 174 participants", "included 1,944 veterans"
        (("enrolled", "included", "recruited", "studied", "followed"),
         r"\b(?:enrolled|included|recruited|studied|followed)\s+" + _NUMBER + r"\s+" + _ADJ
         + _PEOPLE),
        # "174 participants were enrolled"
        (("were", "was"), _NUMBER + r"\s+" + _ADJ + _PEOPLE + r"\s+(?:were|was)\s+" + _ENROLLED),
        # "data from 1,100 patients", "a sample of 80 adults"
        (("data ", "sample of", "cohort of", "records of", "charts of"),
         r"\b(?:data (?:from|of|on)|sample of|cohort of|records of|charts of)\s+" + _NUMBER
         + r"\s+" + _ADJ + _PEOPLE),
    )
)
_N_EQUALS = 4  # index of the "n =" pattern, where the largest value is taken


def _to_int(text: str) -> int | None:
    text = text.strip().lower()
    digits = re.sub(r"[, ]", "", text)
    if digits.isdigit():
        return int(digits)
    parts = re.split(r"[\s-]", text)
    if parts[0] in _UNITS and len(parts) == 1:
        return _UNITS[parts[0]]
    if parts[0] in _TENS:
        return _TENS[parts[0]] + (_UNITS.get(parts[1], 0) if len(parts) > 1 else 0)
    return None


def sample_size(abstract: str) -> int | None:
    """The number of people the abstract says were studied, or None when it does not say.

    For "n =" the largest value is taken: arms are often given one by one ("ketamine (n = 30),
    placebo (n = 30)"), and the total, when written, is the largest.
    """
    text = fold(abstract)
    for index, (needles, pattern) in enumerate(_SAMPLE_PATTERNS):
        if not any(needle in text for needle in needles):
            continue
        values = [_to_int(m.group("n")) for m in pattern.finditer(text)]
        values = [v for v in values if v]
        if not values:
            continue
        if index == _N_EQUALS:  # "n =": take the largest, see the docstring
            return max(values)
        return values[0]
    return None
