"""The period's papers for reference managers and screening tools: RIS, BibTeX and CSV.

RIS and BibTeX are written by maintained libraries (rispy, bibtexparser), which quote and escape
what each format needs; every value is still flattened to one line first, as titles and
abstracts are untrusted. Dates are the publication date, which is what Zotero, EndNote and
screening tools file a paper under; PubMed's create date is only how the tracker finds it.
"""

from __future__ import annotations

import csv
import io

import bibtexparser
import rispy
from bibtexparser import middlewares, model

from tracker.report.build import PaperItem, Report
from tracker.report.citation import date_parts
from tracker.report.coverage_view import complete_through, coverage_line
from tracker.text import formula_safe, one_line, printable

DEMO_NOTE = "DEMO DATA: a synthetic demonstration record, not a real PubMed paper."
CSV_COLUMNS = (
    "pmid", "title", "abstract", "authors", "journal", "year", "volume", "issue", "pages",
    "issn", "pub_date", "create_date", "doi", "level", "level_label", "level_source",
    "level_confidence", "level_reason", "design", "sample_size", "trial_ids", "therapies",
    "therapy_names", "inclusion", "exclusion_reason", "mesh", "pubmed_url", "is_demo",
    "data_complete_through",
)


def page_range(pages: str | None) -> tuple[str | None, str | None]:
    """MEDLINE writes "112-9" for 112-119: the end page is spelled out in full."""
    if not pages:
        return None, None
    first, _, last = one_line(pages).partition("-")
    first, last = first.strip(), last.strip()
    if last.isdigit() and first.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first or None, last or None


def notices_by_paper(report: Report) -> dict[str, list[str]]:
    """Notes on each paper's notices (retraction, erratum...) found in the report."""
    found: dict[str, list[str]] = {}
    for section in report.therapies:
        for notice in section.notices:
            text = f"{notice.kind_label} ({notice.date.isoformat()})"
            if notice.notice_pmid:
                text += f": notice PMID {notice.notice_pmid}"
            if text not in found.setdefault(notice.paper_pmid, []):
                found[notice.paper_pmid].append(text)
    return found


def completeness(report: Report) -> str:
    """The period an export lists and how far its PubMed data reaches, as the report says it:
    a file read on its own still tells whether later papers of the period may yet come."""
    return (f"Papers of {report.since.isoformat()} to {report.until.isoformat()}. "
            f"{coverage_line(report)}")


def level_note(paper: PaperItem) -> str:
    return f"Evidence level: {paper.level_label} (from {paper.provenance})"


# --- RIS ----------------------------------------------------------------------------------------

def ris_entry(paper: PaperItem, notices: list[str], scope: str | None = None) -> dict:
    year, month, day = date_parts(paper.pub_date)
    start, end = page_range(paper.pages)
    entry: dict = {"type_of_reference": "JOUR", "title": one_line(paper.title),
                   "authors": [one_line(a) for a in paper.authors]}
    optional = {
        "journal_name": paper.journal_full or paper.journal,
        "alternate_title1": paper.journal if paper.journal_full else None,
        "year": year,
        # Zotero files a paper under DA when it is there (PY only as a fallback): the same date
        "date": "/".join([year, month or "", day or "", ""]) if year and month else None,
        "volume": paper.volume, "number": paper.issue, "start_page": start, "end_page": end,
        "issn": paper.issn, "abstract": paper.abstract, "doi": paper.doi,
        "accession_number": paper.pmid, "name_of_database": "PubMed",
    }
    entry.update({key: one_line(value) for key, value in optional.items() if value})
    entry["urls"] = [paper.pubmed_url]
    entry["keywords"] = [*map(one_line, paper.therapy_names or paper.therapies),
                         paper.level_label]
    notes = [level_note(paper), *notices, *([scope] if scope else [])]
    if paper.is_demo:
        notes.insert(0, DEMO_NOTE)
    entry["notes"] = [one_line(n) for n in notes]
    return entry


class RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." counter line before each record: RIS has no such line."""

    def set_header(self, count):
        return ""


def to_ris(report: Report) -> str:
    """RIS records (TY JOUR ... ER) that Zotero and EndNote import; one per paper. RIS has no
    place for the file as a whole, so each record's notes say how complete its period is."""
    notices = notices_by_paper(report)
    scope = completeness(report)
    entries = [ris_entry(p, notices.get(p.pmid, []), scope) for p in report.papers]
    return rispy.dumps(entries, implementation=RisWriter) if entries else ""


# --- BibTeX -------------------------------------------------------------------------------------

def bibtex_author(name: str) -> str:
    """ "Moreau L" -> "Moreau, L"; a collective name braced whole so it is not split."""
    last, _, initials = name.rpartition(" ")
    if last and initials.isupper() and initials.isalpha() and len(initials) <= 4:
        return f"{last}, {initials}"
    return "{" + name + "}"


VERBATIM_FIELDS = ("doi", "pmid", "issn", "url")  # identifiers: never LaTeX-encoded


def verbatim(value: str) -> str:
    """An identifier as BibTeX can hold it: a stray brace would end the field (URL-encoded)."""
    return one_line(value).replace("{", "%7B").replace("}", "%7D").replace("\\", "%5C")


def bib_entry(paper: PaperItem, notices: list[str]) -> model.Entry:
    """The entry's prose fields; the identifiers are added verbatim after LaTeX encoding."""
    year, month, _day = date_parts(paper.pub_date)
    start, end = page_range(paper.pages)
    values = {
        "title": paper.title,
        "author": " and ".join(bibtex_author(a) for a in paper.authors),
        "journal": paper.journal_full or paper.journal, "year": year,
        "month": str(int(month)) if month else None, "volume": paper.volume,
        "number": paper.issue, "pages": f"{start}--{end}" if start and end else start,
        "abstract": paper.abstract,
        "keywords": ", ".join([*(paper.therapy_names or paper.therapies), paper.level_label]),
        "note": " ".join(([DEMO_NOTE] if paper.is_demo else []) + [level_note(paper) + "."]
                         + notices),
    }
    fields = [model.Field(key, one_line(value)) for key, value in values.items() if value]
    return model.Entry("article", f"pmid{paper.pmid}", fields)


def identifiers(paper: PaperItem) -> list[model.Field]:
    values = {"doi": paper.doi, "pmid": paper.pmid, "issn": paper.issn, "url": paper.pubmed_url}
    return [model.Field(key, verbatim(value)) for key, value in values.items() if value]


def to_bibtex(report: Report) -> str:
    """@article entries keyed pmidNNN; prose LaTeX-encoded so BibTeX reads it, ids verbatim.
    A leading @comment says how complete the period is (reference managers skip it)."""
    notices = notices_by_paper(report)
    papers = report.papers
    library = bibtexparser.Library([
        model.ExplicitComment(f"trd-tracker report. {completeness(report)}"),
        *(bib_entry(p, notices.get(p.pmid, [])) for p in papers)])
    encoded = middlewares.LatexEncodingMiddleware(enclose_urls=False).transform(library)
    for entry, paper in zip(encoded.entries, papers, strict=True):
        for field in identifiers(paper):
            entry.set_field(field)
    return bibtexparser.write_string(encoded)


# --- CSV ----------------------------------------------------------------------------------------

def cell(value: object) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (titles are untrusted)."""
    return formula_safe("" if value is None else printable(str(value)))


def csv_row(p: PaperItem, complete: str = "") -> dict[str, object]:
    year, _month, _day = date_parts(p.pub_date)
    return {
        "pmid": p.pmid, "title": one_line(p.title), "abstract": printable(p.abstract or ""),
        "authors": "; ".join(p.authors), "journal": p.journal_full or p.journal, "year": year,
        "volume": p.volume, "issue": p.issue, "pages": p.pages, "issn": p.issn,
        "pub_date": p.pub_date, "create_date": p.created.isoformat(), "doi": p.doi,
        "level": p.level, "level_label": p.level_label, "level_source": p.level_source,
        "level_confidence": f"{p.level_confidence:.2f}", "level_reason": p.level_reason,
        "design": p.design, "sample_size": p.sample_size, "trial_ids": " ".join(p.trial_ids),
        "therapies": " ".join(p.therapies), "therapy_names": "; ".join(p.therapy_names),
        "inclusion": p.inclusion, "exclusion_reason": p.exclusion_reason,
        "mesh": "; ".join(p.mesh), "pubmed_url": p.pubmed_url,
        "is_demo": "yes" if p.is_demo else "no", "data_complete_through": complete,
    }


def to_csv(report: Report) -> str:
    """One row per paper with the columns screening tools import (title, abstract, authors...),
    and on each the day the period's PubMed data is complete through (or "not polled")."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    complete = complete_through(report)
    for paper in report.papers:
        row = csv_row(paper, complete)
        writer.writerow(cell(row[column]) for column in CSV_COLUMNS)
    return buffer.getvalue()

