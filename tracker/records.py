"""Plain data for one PubMed record, as parsed from EFetch XML.

Everything downstream (store, dedupe, evidence, reports) works on these frozen dataclasses, so the
parser is the only code that knows PubMed's XML and the rest is testable without it.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote

SEASON_MONTHS = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}

# 10.<registrant>/<suffix>; the suffix is any run of printable characters without spaces
_DOI_SYNTAX = re.compile(r"10\.[0-9]+(?:\.[0-9]+)*/[^\s\x00-\x1f\x7f-\x9f]+")
_DOI_RESOLVER = re.compile(r"^(?:https?://(?:dx\.|www\.)?doi\.org/|doi:\s*)", re.IGNORECASE)
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def normal_doi(raw: str | None) -> str | None:
    """A DOI in the one form the store keeps: `10.xxxx/suffix`, without a resolver URL or
    `doi:` prefix, on one line. Anything else (a newline, markup, a script link) is not a DOI:
    None."""
    if not raw:
        return None
    text = raw.strip()
    previous = None
    while previous != text:
        previous, text = text, _DOI_RESOLVER.sub("", text).strip()
    if not _DOI_SYNTAX.fullmatch(text) or _BIDI.search(text):
        return None
    return text


def doi_url(doi: str | None) -> str | None:
    """The doi.org link for a DOI, percent-encoded so no format can read it as markup."""
    doi = normal_doi(doi)
    return f"https://doi.org/{quote(doi, safe='/:;()._-')}" if doi else None


def month_number(text: str | None) -> int | None:
    """'Sep', 'September', '09' and '9' all mean 9; anything else is None."""
    if not text:
        return None
    text = text.strip()
    if text.isdigit():
        number = int(text)
        return number if 1 <= number <= 12 else None
    lowered = text[:3].lower()
    for number in range(1, 13):
        if calendar.month_abbr[number].lower() == lowered:
            return number
    return None


@dataclass(frozen=True)
class PartialDate:
    """A publication date as PubMed gives it: Year/Month/Day, Year/Season or MedlineDate text."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    season: str | None = None
    medline_date: str | None = None

    def earliest(self) -> date | None:
        """The first day the date can mean, for sorting and period filters."""
        year = self.year
        if year is None and self.medline_date:
            digits = self.medline_date.strip()[:4]
            year = int(digits) if digits.isdigit() else None
        if year is None:
            return None
        month = self.month or SEASON_MONTHS.get((self.season or "").lower()) or 1
        day = self.day or 1
        try:
            return date(year, month, day)
        except ValueError:
            return date(year, month, 1)

    def __str__(self) -> str:
        if self.medline_date:
            return self.medline_date
        parts = [str(self.year)] if self.year else []
        if self.month:
            parts.append(calendar.month_abbr[self.month])
            if self.day:
                parts.append(str(self.day))
        elif self.season:
            parts.append(self.season)
        return " ".join(parts)


@dataclass(frozen=True)
class Author:
    last_name: str | None = None
    fore_name: str | None = None
    initials: str | None = None
    collective_name: str | None = None
    affiliations: tuple[str, ...] = ()

    @property
    def display(self) -> str:
        if self.collective_name:
            return self.collective_name
        return " ".join(p for p in (self.last_name, self.initials) if p)


@dataclass(frozen=True)
class AbstractSection:
    text: str
    label: str | None = None
    category: str | None = None  # NlmCategory: BACKGROUND, METHODS, RESULTS, ...


@dataclass(frozen=True)
class PublicationType:
    ui: str  # MeSH unique id, e.g. D016449; match on this, names get renamed
    name: str


@dataclass(frozen=True)
class MeshHeading:
    descriptor: str
    ui: str = ""
    major: bool = False
    qualifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommentCorrection:
    ref_type: str  # RetractionIn, ErratumIn, ExpressionOfConcernIn, UpdateIn, CommentOn, ...
    pmid: str | None = None
    source: str | None = None


@dataclass(frozen=True)
class PaperRecord:
    pmid: str
    version: int = 1
    kind: str = "article"  # "article" (PubmedArticle) or "book" (PubmedBookArticle)
    status: str = ""  # MedlineCitation/@Status: MEDLINE, Publisher, In-Process, ...
    title: str = ""
    vernacular_title: str | None = None
    abstract: tuple[AbstractSection, ...] = ()
    authors: tuple[Author, ...] = ()
    journal: str | None = None
    journal_abbrev: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    pub_date: PartialDate = field(default_factory=PartialDate)
    electronic_date: date | None = None  # ArticleDate DateType="Electronic"
    entrez_date: date | None = None  # History PubStatus="entrez": the create date, [crdt]
    pubmed_date: date | None = None  # History PubStatus="pubmed": the Entrez date, [edat]
    date_revised: date | None = None
    languages: tuple[str, ...] = ()
    publication_types: tuple[PublicationType, ...] = ()
    mesh: tuple[MeshHeading, ...] = ()
    keywords: tuple[str, ...] = ()
    comments_corrections: tuple[CommentCorrection, ...] = ()
    databanks: tuple[tuple[str, str], ...] = ()  # (DataBankName, AccessionNumber)
    doi: str | None = None
    pmcid: str | None = None
    raw_xml: bytes = b""  # the record's own element, re-derivable without a refetch

    @property
    def abstract_text(self) -> str:
        return "\n".join(
            f"{s.label}: {s.text}" if s.label else s.text for s in self.abstract
        )

    @property
    def first_author(self) -> Author | None:
        return self.authors[0] if self.authors else None

    @property
    def publication_type_uis(self) -> frozenset[str]:
        return frozenset(pt.ui for pt in self.publication_types)


@dataclass(frozen=True)
class DeletedCitation:
    """PMIDs that PubMed withdrew (EFetch's DeleteCitation element)."""

    pmids: tuple[str, ...]
