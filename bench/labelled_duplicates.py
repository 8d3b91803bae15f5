"""A labelled set of duplicate and non-duplicate records for measuring duplicate matching
(tracker.evidence.duplicate_match).

Base works are invented TRD papers (titles written for this set). Each variant is derived from a
base by one transformation and labelled: a duplicate of its base (the same work under a new PMID)
or a hard negative (a notice, a different study, a later update...). `labelled_records()` returns
every record with its work label, so a benchmark can measure both single pairs and the whole pool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from urllib.parse import quote

from tracker.records import Author, CommentCorrection, PaperRecord, PartialDate, PublicationType

ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")
ERRATUM = PublicationType("D016425", "Published Erratum")
RETRACTION = PublicationType("D016440", "Retraction of Publication")
COMMENT = PublicationType("D016420", "Comment")
LETTER = PublicationType("D016422", "Letter")
CONCERN = PublicationType("", "Expression of Concern")

# (title, first author, year, journal DOI prefix)
BASES = [
    ("Serial intravenous ketamine infusions in treatment-resistant depression: a randomized, "
     "placebo-controlled trial", "Okafor", 2023, "10.1176/appi.ajp"),
    ("Ketamine for treatment-resistant depression: a randomized controlled trial",
     "Haddad", 2021, "10.1016/j.jad"),
    ("Ketamine for treatment-resistant depression: a randomized controlled trial",
     "Lindqvist", 2021, "10.1038/s41380"),
    ("Esketamine nasal spray plus an oral antidepressant in older adults with "
     "treatment-resistant depression", "Moreau", 2022, "10.1001/jamapsychiatry"),
    ("Accelerated intermittent theta-burst stimulation of the left dorsolateral prefrontal "
     "cortex: effects on suicidal ideation", "Nakamura", 2024, "10.1016/j.brs"),
    ("Deep brain stimulation of the subcallosal cingulate for treatment-resistant depression: "
     "long-term follow-up of an open-label cohort", "Ferreira", 2019, "10.1016/j.biopsych"),
    ("Vagus nerve stimulation as adjunctive treatment in chronic depression: a five-year "
     "registry analysis", "Kowalczyk", 2020, "10.1016/j.brs"),
    ("Psilocybin with psychological support for treatment-resistant depression: a phase 2 "
     "dose-finding trial", "Abernathy", 2022, "10.1056/NEJMoa"),
    ("Plasma TNF-alpha and IL-6 as predictors of response to ketamine in resistant depression",
     "Zhang", 2023, "10.1016/j.bbi"),
    ("Pharmacogenomic testing to guide antidepressant choice in treatment-resistant "
     "depression: a pragmatic randomized trial", "Oyelaran", 2024, "10.1001/jama"),
    ("Transcranial direct current stimulation at home for major depression: a "
     "randomised sham-controlled trial", "Brennan", 2024, "10.1038/s41591"),
    ("Behavioral activation delivered by smartphone for treatment-resistant depression in "
     "primary care", "Silva", 2021, "10.2196/jmir"),
    ("BDNF Val66Met polymorphism and response to repetitive transcranial magnetic stimulation",
     "Wang", 2018, "10.1016/j.jad"),
    ("Focused ultrasound of the subgenual anterior cingulate cortex in treatment-resistant "
     "depression: a pilot study", "Dubois", 2025, "10.1016/j.brs"),
    ("Real-time fMRI neurofeedback of amygdala activity in treatment-resistant depression",
     "Petrov", 2020, "10.1176/appi.ajp"),
    ("Kynurenine pathway metabolites and inflammation in treatment-resistant depression: a "
     "systematic review and meta-analysis", "Li", 2022, "10.1016/j.bbi"),
    ("Cortisol awakening response and HPA-axis dysregulation in treatment-resistant depression",
     "Andersen", 2019, "10.1016/j.psyneuen"),
    ("mTOR signalling and the rapid antidepressant action of ketamine: a review",
     "Greenberg", 2017, "10.1038/npp"),
    ("Electroconvulsive therapy versus ketamine for nonpsychotic treatment-resistant major "
     "depression", "Müller", 2023, "10.1056/NEJMoa"),
    ("Lysergic acid diethylamide microdosing in treatment-resistant depression: a "
     "double-blind pilot trial", "Rossi", 2025, "10.1177/02698811"),
    ("Mindfulness-based cognitive therapy for treatment-resistant depression: a multicentre "
     "randomised controlled trial", "Evans", 2016, "10.1016/S2215-0366"),
    ("Lithium augmentation in treatment-resistant depression: a network meta-analysis",
     "Chen", 2020, "10.1016/j.euroneuro"),
    ("Anaesthetic depth and seizure quality during electroconvulsive therapy for resistant "
     "depression", "O'Neill", 2018, "10.1097/YCT"),
    ("Esketamine and the risk of dissociation: pooled analysis of phase 3 trials",
     "Haddad", 2022, "10.1017/S0033291"),
]

US_TO_UK = {
    "randomized": "randomised", "behavioral": "behavioural", "signaling": "signalling",
    "center": "centre", "anesthetic": "anaesthetic", "multicenter": "multicentre",
    "tumor": "tumour",
}
UK_TO_US = {uk: us for us, uk in US_TO_UK.items()}
THERAPY_SWAPS = {"ketamine": "esketamine", "esketamine": "ketamine", "psilocybin": "LSD",
                 "magnetic": "electrical", "ultrasound": "laser"}


@dataclass(frozen=True)
class Labelled:
    record: PaperRecord
    work: str  # records with the same work label are duplicates of each other
    kind: str  # the transformation that made it ("base" for the originals)
    duplicate: bool  # is it a duplicate of its base?
    base_pmid: str


def _base_record(n: int, title: str, author: str, year: int, prefix: str) -> PaperRecord:
    return PaperRecord(
        pmid=str(38_000_000 + n * 97),
        title=title,
        authors=(Author(last_name=author, initials="J"), Author(last_name="Tran", initials="K")),
        journal="Journal of Invented Psychiatry",
        pub_date=PartialDate(year=year, month=3),
        electronic_date=date(year, 2, 11),
        publication_types=(ARTICLE, RCT),
        doi=f"{prefix}.{year}.{1000 + n}",
        pmcid=f"PMC{9_100_000 + n}",
    )


def _new(base: PaperRecord, offset: int, **changes) -> PaperRecord:
    return replace(base, pmid=str(int(base.pmid) + offset), **changes)


def _first_author(record: PaperRecord, name: str) -> tuple[Author, ...]:
    return (replace(record.authors[0], last_name=name), *record.authors[1:])


def _swap_words(title: str, table: dict[str, str]) -> str | None:
    words = re.split(r"(\W+)", title)
    swapped = [table.get(w.lower(), w) for w in words]
    return "".join(swapped) if swapped != words else None


def _notice(base, offset, title, types, ref):
    return _new(base, offset, title=title, publication_types=types, doi=None, pmcid=None,
                comments_corrections=(CommentCorrection(ref, pmid=base.pmid),) if ref else ())


# Each transformation: (kind, duplicate?, function(base) -> record or None when it doesn't apply)
Transform = tuple[str, bool, Callable[[PaperRecord], PaperRecord | None]]
TRANSFORMS: list[Transform] = [
    ("doi-url-upper", True, lambda b: _new(
        b, 1, doi="https://doi.org/" + b.doi.upper(), pmcid=None, title=b.title.upper())),
    ("doi-dx-prefix", True, lambda b: _new(
        b, 2, doi="http://dx.doi.org/" + b.doi, pmcid=None, authors=())),
    ("doi-prefix-punct", True, lambda b: _new(
        b, 3, doi=f" doi: {b.doi}.", pmcid=None)),
    ("doi-url-encoded", True, lambda b: _new(
        b, 4, doi="https://doi.org/" + quote(b.doi, safe=""), pmcid=None)),
    ("pmcid", True, lambda b: _new(b, 5, doi=None, pmcid=b.pmcid.lower() + ".2",
                                   pub_date=PartialDate(year=b.pub_date.year))),
    ("print-electronic", True, lambda b: _new(
        b, 6, doi=None, pmcid=None, pub_date=PartialDate(year=b.pub_date.year + 1, month=1))),
    ("epub-no-date", True, lambda b: _new(
        b, 7, doi=None, pmcid=None, electronic_date=None,
        pub_date=PartialDate(year=b.pub_date.year + 1))),
    ("punctuation", True, lambda b: _new(
        b, 8, doi=None, pmcid=None,
        title=b.title.replace(":", ".").replace(",", "").replace("-", " ") + ".")),
    ("uk-us-spelling", True, lambda b: (t := _swap_words(b.title, US_TO_UK) or _swap_words(
        b.title, UK_TO_US)) and _new(b, 9, doi=None, pmcid=None, title=t)),
    ("html-markup", True, lambda b: _new(
        b, 10, doi=None, pmcid=None,
        title=re.sub(r"\b(depression|ketamine|stimulation)\b", r"<i>\1</i>", b.title, count=2))),
    ("greek-letters", True, lambda b: (t := _swap_words(
        b.title, {"alpha": "α", "theta": "θ", "beta": "β"})) and _new(
        b, 11, doi=None, pmcid=None, title=t.replace("-α", "α"))),
    ("typo-reissue", True, lambda b: _new(
        b, 12, doi=None, pmcid=None, title=re.sub(r"ment\b", "mnet", b.title, count=1))),
    ("author-transliterated", True, lambda b: _new(
        b, 13, doi=None, pmcid=None,
        authors=_first_author(b, b.authors[0].last_name.replace("ü", "ue").replace("'", "")))),
    ("erratum-type", False, lambda b: _notice(b, 20, b.title, (ERRATUM,), "ErratumFor")),
    ("erratum-title-only", False, lambda b: _notice(b, 21, "Erratum: " + b.title, (), None)),
    ("correction-to", False, lambda b: _notice(
        b, 22, "Correction to: " + b.title, (ERRATUM,), None)),
    ("retraction-notice", False, lambda b: _notice(
        b, 23, "Retraction: " + b.title, (RETRACTION,), "RetractionOf")),
    ("expression-of-concern", False, lambda b: _notice(
        b, 24, "Expression of concern: " + b.title, (CONCERN,), None)),
    ("comment", False, lambda b: _notice(b, 25, "Comment on: " + b.title, (COMMENT, LETTER),
                                         "CommentOn")),
    ("reply", False, lambda b: _notice(b, 26, "Reply: " + b.title, (LETTER,), None)),
    ("notice-with-article-doi", False, lambda b: replace(
        _notice(b, 27, b.title, (ERRATUM,), None), doi=b.doi)),
    ("generic-title-other-team", False, lambda b: _new(
        b, 30, doi=b.doi + "x", pmcid=None, authors=_first_author(b, "Vasquez-Okoro"))),
    ("same-title-years-later", False, lambda b: _new(
        b, 31, doi=None, pmcid=None, pub_date=PartialDate(year=b.pub_date.year + 6),
        electronic_date=None)),
    ("linked-update", False, lambda b: _new(
        b, 32, doi=None, pmcid=None, pub_date=PartialDate(year=b.pub_date.year + 1),
        comments_corrections=(CommentCorrection("UpdateOf", pmid=b.pmid),))),
    ("protocol-paper", False, lambda b: _new(
        b, 33, doi=b.doi + ".protocol", pmcid=None, electronic_date=None,
        pub_date=PartialDate(year=b.pub_date.year - 2),
        title="Study protocol: " + b.title)),
    ("same-team-other-therapy", False, lambda b: (t := _swap_words(b.title, THERAPY_SWAPS)) and
        _new(b, 34, doi=None, pmcid=None, title=t)),
]


def labelled_records() -> list[Labelled]:
    """Every base and every variant that applies to it, each with its work label."""
    out = []
    for n, (title, author, year, prefix) in enumerate(BASES):
        base = _base_record(n, title, author, year, prefix)
        work = f"work-{n}"
        out.append(Labelled(base, work, "base", False, base.pmid))
        for kind, duplicate, make in TRANSFORMS:
            variant = make(base)
            if variant is None:
                continue
            label = work if duplicate else f"{work}-{kind}"
            out.append(Labelled(variant, label, kind, duplicate, base.pmid))
    return out
