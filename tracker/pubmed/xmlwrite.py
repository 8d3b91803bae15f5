"""PaperRecord -> PubMed EFetch XML, the inverse of tracker.pubmed.parse.

Why: the local E-utilities server, the demo, the tests and the benchmarks all need answers shaped
like NCBI's (genuine XML declaration and DOCTYPE, DTD element order), so that the code under test
reads exactly what it would read from NCBI, Bio.Entrez included.

A record that carries raw_xml is written verbatim. Otherwise the element is built from the fields;
DTD-required elements that carry no record data (MedlineJournalInfo, PublicationStatus, the PubMed
ArticleId ...) are filled in, but nothing is invented: a record without languages or publication
types is written without Language / PublicationTypeList, so that parsing gives the record back.
"""

from __future__ import annotations

import calendar
import io
import re
from collections.abc import Iterable
from datetime import date
from typing import BinaryIO

from lxml import etree

from tracker.records import Author, PaperRecord, PartialDate

XML_DECLARATION = b'<?xml version="1.0" ?>\n'
DEFAULT_DTD = "pubmed_250101.dtd"
DTD_BASE_URL = "https://dtd.nlm.nih.gov/ncbi/pubmed/out/"
_DTD_NAME = re.compile(r"^pubmed_(\d\d)(\d\d)(\d\d)\.dtd$")


def doctype(dtd: str = DEFAULT_DTD) -> bytes:
    """NCBI's DOCTYPE line for a pubmed_YYMMDD.dtd, e.g. '... 1st January 2025//EN' ..."""
    match = _DTD_NAME.match(dtd)
    if not match:
        raise ValueError(f"expected a DTD name like pubmed_250101.dtd, got {dtd!r}")
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12 or not 1 <= day <= 31:
        raise ValueError(f"{dtd!r} does not name a date")
    label = f"{_ordinal(day)} {calendar.month_name[month]} {2000 + year}"
    return (
        f'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, {label}//EN" '
        f'"{DTD_BASE_URL}{dtd}">\n'
    ).encode("ascii")


def article_xml(record: PaperRecord) -> bytes:
    """One PubmedArticle or PubmedBookArticle element (raw_xml verbatim when the record has it)."""
    if record.raw_xml:
        return record.raw_xml
    return etree.tostring(article_element(record), encoding="utf-8", xml_declaration=False)


def article_element(record: PaperRecord) -> etree._Element:
    """The record as a fresh lxml element, built from its fields (raw_xml is ignored)."""
    if record.kind == "book":
        return _book_element(record)
    return _article_element(record)


def write_articleset(
    records: Iterable[PaperRecord],
    out: BinaryIO,
    deleted_pmids: Iterable[str] = (),
    dtd: str = DEFAULT_DTD,
) -> int:
    """Stream a whole EFetch answer to a binary file, one record at a time; returns the count."""
    out.write(XML_DECLARATION)
    out.write(doctype(dtd))
    out.write(b"<PubmedArticleSet>\n")
    count = 0
    for record in records:
        out.write(article_xml(record))
        out.write(b"\n")
        count += 1
    deleted = list(deleted_pmids)
    if deleted:
        element = etree.Element("DeleteCitation")
        for pmid in deleted:
            _add(element, "PMID", pmid, Version="1")
        out.write(etree.tostring(element, encoding="utf-8", xml_declaration=False))
        out.write(b"\n")
    out.write(b"</PubmedArticleSet>\n")
    return count


def articleset_xml(
    records: Iterable[PaperRecord],
    deleted_pmids: Iterable[str] = (),
    dtd: str = DEFAULT_DTD,
) -> bytes:
    """A whole EFetch answer as bytes, DOCTYPE included."""
    buffer = io.BytesIO()
    write_articleset(records, buffer, deleted_pmids, dtd)
    return buffer.getvalue()


# -- PubmedArticle ------------------------------------------------------------------------------


def _article_element(record: PaperRecord) -> etree._Element:
    root = etree.Element("PubmedArticle")
    citation = etree.SubElement(root, "MedlineCitation", Owner="NLM")
    if record.status:
        citation.set("Status", record.status)
    _add(citation, "PMID", record.pmid, Version=str(record.version))
    if record.date_revised:
        _add_full_date(citation, "DateRevised", record.date_revised)

    model = "Print-Electronic" if record.electronic_date else "Print"
    article = etree.SubElement(citation, "Article", PubModel=model)
    journal = etree.SubElement(article, "Journal")
    issue = etree.SubElement(journal, "JournalIssue", CitedMedium="Internet")
    _add_optional(issue, "Volume", record.volume)
    _add_optional(issue, "Issue", record.issue)
    _add_partial_date(issue, record.pub_date)
    _add_optional(journal, "Title", record.journal)
    _add_optional(journal, "ISOAbbreviation", record.journal_abbrev)
    _add(article, "ArticleTitle", record.title)
    if record.pages or not record.doi:  # the DTD wants Pagination or at least one ELocationID
        pagination = etree.SubElement(article, "Pagination")
        _add(pagination, "MedlinePgn", record.pages or "")
    if record.doi:
        _add(article, "ELocationID", record.doi, EIdType="doi", ValidYN="Y")
    _add_abstract(article, record)
    _add_authors(article, record.authors)
    for language in record.languages:
        _add(article, "Language", language)
    if record.databanks:
        bank_list = etree.SubElement(article, "DataBankList", CompleteYN="Y")
        for name, accession in record.databanks:
            bank = etree.SubElement(bank_list, "DataBank")
            _add(bank, "DataBankName", name)
            if accession:
                _add(etree.SubElement(bank, "AccessionNumberList"), "AccessionNumber", accession)
    if record.publication_types:
        type_list = etree.SubElement(article, "PublicationTypeList")
        for publication_type in record.publication_types:
            _add(type_list, "PublicationType", publication_type.name, UI=publication_type.ui)
    _add_optional(article, "VernacularTitle", record.vernacular_title)
    if record.electronic_date:
        _add_full_date(article, "ArticleDate", record.electronic_date, DateType="Electronic")

    journal_info = etree.SubElement(citation, "MedlineJournalInfo")
    _add(journal_info, "MedlineTA", record.journal_abbrev or record.journal or "")
    if record.comments_corrections:
        correction_list = etree.SubElement(citation, "CommentsCorrectionsList")
        for item in record.comments_corrections:
            correction = etree.SubElement(correction_list, "CommentsCorrections")
            correction.set("RefType", item.ref_type)
            _add(correction, "RefSource", item.source or "")
            if item.pmid:
                _add(correction, "PMID", item.pmid, Version="1")
    if record.mesh:
        heading_list = etree.SubElement(citation, "MeshHeadingList")
        for heading in record.mesh:
            element = etree.SubElement(heading_list, "MeshHeading")
            major = "Y" if heading.major else "N"
            _add(element, "DescriptorName", heading.descriptor, UI=heading.ui, MajorTopicYN=major)
            for qualifier in heading.qualifiers:
                _add(element, "QualifierName", qualifier, UI="", MajorTopicYN="N")
    _add_keywords(citation, record.keywords)

    data = etree.SubElement(root, "PubmedData")
    _add_history(data, record)
    _add(data, "PublicationStatus", "ppublish" if record.volume else "aheadofprint")
    _add_article_ids(data, record)
    return root


# -- PubmedBookArticle --------------------------------------------------------------------------


def _book_element(record: PaperRecord) -> etree._Element:
    """Books carry title, container, dates, authors, abstract; journal-only fields are not written.

    parse.py reads ArticleTitle as the title and BookTitle as the container (journal) when both
    exist, and BookTitle as the title of a whole book; this writes the same mapping back.
    """
    root = etree.Element("PubmedBookArticle")
    document = etree.SubElement(root, "BookDocument")
    _add(document, "PMID", record.pmid, Version=str(record.version))
    _add(etree.SubElement(document, "ArticleIdList"), "ArticleId", record.pmid, IdType="pubmed")
    book = etree.SubElement(document, "Book")
    _add(etree.SubElement(book, "Publisher"), "PublisherName", "")
    _add(book, "BookTitle", record.journal if record.journal else record.title)
    _add_partial_date(book, record.pub_date)
    _add_optional(book, "Volume", record.volume)
    if record.journal:
        _add(document, "ArticleTitle", record.title)
    _add_optional(document, "VernacularTitle", record.vernacular_title)
    if record.pages:
        _add(etree.SubElement(document, "Pagination"), "MedlinePgn", record.pages)
    for language in record.languages:
        _add(document, "Language", language)
    _add_authors(document, record.authors, Type="authors")
    for publication_type in record.publication_types:
        _add(document, "PublicationType", publication_type.name, UI=publication_type.ui)
    _add_abstract(document, record)
    _add_keywords(document, record.keywords)
    if record.date_revised:
        _add_full_date(document, "DateRevised", record.date_revised)

    data = etree.SubElement(root, "PubmedBookData")
    _add_history(data, record)
    _add(data, "PublicationStatus", "ppublish")
    _add_article_ids(data, record)
    return root


# -- shared pieces ------------------------------------------------------------------------------


def _add_abstract(parent: etree._Element, record: PaperRecord) -> None:
    if not record.abstract:
        return
    abstract = etree.SubElement(parent, "Abstract")
    for section in record.abstract:
        element = _add(abstract, "AbstractText", section.text)
        if section.label:
            element.set("Label", section.label)
        if section.category:
            element.set("NlmCategory", section.category)


def _add_authors(parent: etree._Element, authors: tuple[Author, ...], **attributes) -> None:
    if not authors:
        return
    author_list = etree.SubElement(parent, "AuthorList", CompleteYN="Y", **attributes)
    for author in authors:
        element = etree.SubElement(author_list, "Author", ValidYN="Y")
        if author.collective_name:
            _add(element, "CollectiveName", author.collective_name)
        else:
            _add(element, "LastName", author.last_name or "")
            _add_optional(element, "ForeName", author.fore_name)
            _add_optional(element, "Initials", author.initials)
        for affiliation in author.affiliations:
            _add(etree.SubElement(element, "AffiliationInfo"), "Affiliation", affiliation)


def _add_keywords(parent: etree._Element, keywords: tuple[str, ...]) -> None:
    if not keywords:
        return
    keyword_list = etree.SubElement(parent, "KeywordList", Owner="NOTNLM")
    for keyword in keywords:
        _add(keyword_list, "Keyword", keyword, MajorTopicYN="N")


def _add_history(parent: etree._Element, record: PaperRecord) -> None:
    dates = [("pubmed", record.pubmed_date), ("entrez", record.entrez_date)]
    dates = [(status, day) for status, day in dates if day]
    if not dates:
        return
    history = etree.SubElement(parent, "History")
    for status, day in dates:
        element = etree.SubElement(history, "PubMedPubDate", PubStatus=status)
        _add(element, "Year", str(day.year))
        _add(element, "Month", str(day.month))  # unpadded, as NCBI writes History
        _add(element, "Day", str(day.day))


def _add_article_ids(parent: etree._Element, record: PaperRecord) -> None:
    id_list = etree.SubElement(parent, "ArticleIdList")
    _add(id_list, "ArticleId", record.pmid, IdType="pubmed")
    if record.doi:
        _add(id_list, "ArticleId", record.doi, IdType="doi")
    if record.pmcid:
        _add(id_list, "ArticleId", record.pmcid, IdType="pmc")


def _add_partial_date(parent: etree._Element, when: PartialDate) -> None:
    element = etree.SubElement(parent, "PubDate")
    if when.medline_date or when.year is None:
        _add(element, "MedlineDate", when.medline_date or "")
        return
    _add(element, "Year", str(when.year))
    if when.month:
        _add(element, "Month", calendar.month_abbr[when.month])
        if when.day:
            _add(element, "Day", f"{when.day:02d}")
    elif when.season:
        _add(element, "Season", when.season)


def _add_full_date(parent: etree._Element, tag: str, when: date, **attributes) -> None:
    element = etree.SubElement(parent, tag, **attributes)
    _add(element, "Year", f"{when.year:04d}")
    _add(element, "Month", f"{when.month:02d}")
    _add(element, "Day", f"{when.day:02d}")


def _add(parent: etree._Element, tag: str, text: str, **attributes) -> etree._Element:
    element = etree.SubElement(parent, tag, **attributes)
    element.text = text
    return element


def _add_optional(parent: etree._Element, tag: str, text: str | None) -> None:
    if text:
        _add(parent, tag, text)


def _ordinal(day: int) -> str:
    if 11 <= day % 100 <= 13:
        return f"{day}th"
    suffix = {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"
