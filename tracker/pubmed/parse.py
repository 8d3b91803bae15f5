"""Streaming parser for PubMed EFetch XML: one PaperRecord per PubmedArticle or PubmedBookArticle.

Why not Bio.Entrez here: Entrez.read holds a whole answer in memory and needs the DTD the answer
names, so a new NCBI DTD version (pubmed_260101.dtd ...) would break polling. This parser streams
with lxml, keeps memory flat however many records arrive, and never reads or fetches any DTD.
"""

from __future__ import annotations

import calendar
import io
import logging
import os
from collections.abc import Iterator
from datetime import date
from typing import BinaryIO

from lxml import etree

from tracker.errors import ResponseError
from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    DeletedCitation,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
    normal_doi,
)

log = logging.getLogger(__name__)

RECORD_TAGS = ("PubmedArticle", "PubmedBookArticle", "DeleteCitation")
ROOT_TAGS = ("PubmedArticleSet", "PubmedBookArticleSet", "eFetchResult")
MATHML = "{http://www.w3.org/1998/Math/MathML}"
MONTHS = {calendar.month_abbr[n].lower(): n for n in range(1, 13)}

Source = bytes | BinaryIO | str | os.PathLike


def iter_records(source: Source) -> Iterator[PaperRecord | DeletedCitation]:
    """Yield each record of an EFetch answer as soon as its element ends, then free it.

    A malformed or truncated answer raises ResponseError when the parser reaches the fault, after
    the complete records before it were yielded; callers that need all-or-nothing use list().
    """
    stream, owned = _open_source(source)
    events = etree.iterparse(
        stream,
        events=("end",),
        tag=(*RECORD_TAGS, "ERROR"),
        no_network=True,
        resolve_entities=False,
        load_dtd=False,
        huge_tree=True,
    )
    try:
        try:
            for _event, element in events:
                tag = element.tag
                if tag == "ERROR":
                    raise ResponseError(f"PubMed answered with an error: {_text(element)}")
                if tag == "DeleteCitation":
                    item = DeletedCitation(tuple(_plain(p) for p in element.iterchildren("PMID")))
                else:
                    item = parse_record_element(element)
                _release(element)
                yield item
        except etree.XMLSyntaxError as exc:
            raise ResponseError(_describe_syntax_error(exc)) from None
        root = events.root
        if root is not None and root.tag not in ROOT_TAGS:
            raise ResponseError(f"not a PubMed EFetch answer: the root element is <{root.tag}>")
    finally:
        if owned:
            stream.close()


def parse_record_element(element: etree._Element, raw_xml: bytes | None = None) -> PaperRecord:
    """Build the PaperRecord of one PubmedArticle or PubmedBookArticle element; `raw_xml`, the
    bytes it was parsed from, is kept as the record's XML rather than serialising it again."""
    if element.tag == "PubmedArticle":
        return _article(element, raw_xml)
    if element.tag == "PubmedBookArticle":
        return _book(element, raw_xml)
    raise ResponseError(f"not a PubMed record: <{element.tag}>")


def record_from_raw(raw_xml: bytes) -> PaperRecord:
    """Re-derive a record from the raw XML stored with it, without asking PubMed again."""
    parser = etree.XMLParser(
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True
    )
    try:
        element = etree.fromstring(raw_xml, parser)
    except etree.XMLSyntaxError as exc:
        raise ResponseError(f"stored record XML: {_describe_syntax_error(exc)}") from None
    return parse_record_element(element, raw_xml)


# -- the two record shapes ----------------------------------------------------------------------
# Each container is walked once, by _group or by a loop that dispatches on the tag, rather than
# searched per field: lxml makes a Python object for every element it hands out, so the parser's
# speed comes from touching each element once and none that no field needs. find() and
# iterchildren(tag) read well but cost more per call (~7,000 CPU instructions) than a short loop.


def _article(element: etree._Element, raw_xml: bytes | None = None) -> PaperRecord:
    top = _group(element)
    citation = _first(top, "MedlineCitation")
    if citation is None:
        raise ResponseError(f"PubmedArticle without MedlineCitation (line {element.sourceline})")
    fields = _group(citation)
    pmid, version = _pmid(fields, "PubmedArticle", citation)
    article_element = _first(fields, "Article")
    if article_element is None:
        raise ResponseError(f"PubmedArticle {pmid} has no Article element")
    article = _group(article_element)
    journal = _group(_first(article, "Journal"))
    issue = _group(_first(journal, "JournalIssue"))
    entrez_date, pubmed_date, doi, pmcid = _pubmed_data(_first(top, "PubmedData"))
    return PaperRecord(
        pmid=pmid,
        version=version,
        kind="article",
        status=citation.get("Status", ""),
        title=_text(_first(article, "ArticleTitle")),
        vernacular_title=_text(_first(article, "VernacularTitle")) or None,
        abstract=_abstract(_first(article, "Abstract")),
        authors=_authors(article.get("AuthorList", ())),
        journal=_plain(_first(journal, "Title")) or None,
        journal_abbrev=_plain(_first(journal, "ISOAbbreviation")) or None,
        volume=_plain(_first(issue, "Volume")) or None,
        issue=_plain(_first(issue, "Issue")) or None,
        pages=_pages(_first(article, "Pagination")),
        pub_date=_partial_date(_first(issue, "PubDate")),
        electronic_date=_electronic_date(article.get("ArticleDate", ())),
        entrez_date=entrez_date,
        pubmed_date=pubmed_date,
        date_revised=_full_date(_first(fields, "DateRevised")),
        languages=tuple([_plain(language) for language in article.get("Language", ())]),
        publication_types=_publication_types(_children(_first(article, "PublicationTypeList"))),
        mesh=_mesh(_first(fields, "MeshHeadingList")),
        keywords=_keywords(fields.get("KeywordList", ())),
        comments_corrections=_comments_corrections(_first(fields, "CommentsCorrectionsList")),
        databanks=_databanks(_first(article, "DataBankList")),
        doi=_checked_doi(pmid, doi or _elocation_doi(article.get("ELocationID", ()))),
        pmcid=pmcid,
        raw_xml=raw_xml if raw_xml is not None else _serialise(element),
    )


def _book(element: etree._Element, raw_xml: bytes | None = None) -> PaperRecord:
    top = _group(element)
    document_element = _first(top, "BookDocument")
    if document_element is None:
        raise ResponseError(f"PubmedBookArticle without BookDocument (line {element.sourceline})")
    document = _group(document_element)
    pmid, version = _pmid(document, "PubmedBookArticle", document_element)
    book = _group(_first(document, "Book"))
    book_title = _text(_first(book, "BookTitle"))
    article_title = _first(document, "ArticleTitle")
    if article_title is not None:  # a chapter or section: the book is where it appeared
        title, container = _text(article_title), book_title or None
    else:  # the whole book
        title, container = book_title, None
    entrez_date, pubmed_date, doi, pmcid = _pubmed_data(_first(top, "PubmedBookData"))
    own_doi, own_pmcid = _article_ids(_first(document, "ArticleIdList"))
    author_lists = [a for a in document.get("AuthorList", ()) if a.get("Type") != "editors"]
    return PaperRecord(
        pmid=pmid,
        version=version,
        kind="book",
        status="",
        title=title,
        vernacular_title=_text(_first(document, "VernacularTitle")) or None,
        abstract=_abstract(_first(document, "Abstract")),
        authors=_authors(author_lists),
        journal=container,
        volume=_plain(_first(book, "Volume")) or None,
        pages=_pages(_first(document, "Pagination")),
        pub_date=_partial_date(_first(book, "PubDate")),
        entrez_date=entrez_date,
        pubmed_date=pubmed_date,
        date_revised=_full_date(_first(document, "DateRevised")),
        languages=tuple([_plain(language) for language in document.get("Language", ())]),
        publication_types=_publication_types(document.get("PublicationType", ())),
        keywords=_keywords(document.get("KeywordList", ())),
        doi=_checked_doi(pmid, doi or own_doi or _elocation_doi(book.get("ELocationID", ()))),
        pmcid=pmcid or own_pmcid,
        raw_xml=raw_xml if raw_xml is not None else _serialise(element),
    )


# -- pieces -------------------------------------------------------------------------------------

Children = dict[str, list[etree._Element]]


def _group(element: etree._Element | None) -> Children:
    """The element's children by tag, in document order, from one pass over them."""
    groups: Children = {}
    if element is None:
        return groups
    for child in element:
        tag = child.tag
        if tag in groups:
            groups[tag].append(child)
        else:
            groups[tag] = [child]
    return groups


def _children(element: etree._Element | None) -> list[etree._Element]:
    return [] if element is None else list(element)


def _first(groups: Children, tag: str) -> etree._Element | None:
    found = groups.get(tag)
    return found[0] if found else None


def _pmid(fields: Children, what: str, parent: etree._Element) -> tuple[str, int]:
    element = _first(fields, "PMID")
    pmid = _plain(element)
    if not pmid:
        raise ResponseError(f"{what} without a PMID (line {parent.sourceline})")
    version = element.get("Version", "1").strip()
    if not version.isdecimal():
        raise ResponseError(f"PMID {pmid} has a non-numeric Version {version!r}")
    return pmid, int(version)


def _pubmed_data(
    data: etree._Element | None,
) -> tuple[date | None, date | None, str | None, str | None]:
    """Entrez and PubMed dates from History; DOI and PMCID from the record's own ArticleIdList
    (not the ones of cited references inside ReferenceList, whose elements are never touched)."""
    history = id_list = None
    if data is not None:
        for part in data:
            tag = part.tag
            if tag == "History" and history is None:
                history = part
            elif tag == "ArticleIdList" and id_list is None:
                id_list = part
    return (*_history(history), *_article_ids(id_list))


def _abstract(abstract: etree._Element | None) -> tuple[AbstractSection, ...]:
    if abstract is None:
        return ()
    return tuple([
        AbstractSection(
            text=_text(section),
            label=section.get("Label") or None,
            category=section.get("NlmCategory") or None,
        )
        for section in abstract
        if section.tag == "AbstractText"
    ])


def _authors(author_lists) -> tuple[Author, ...]:
    authors = []
    for author_list in author_lists:
        for author in author_list:
            if author.tag != "Author" or author.get("ValidYN") == "N":
                continue  # ValidYN="N": a misspelling PubMed keeps beside the correction
            last = fore = initials = collective = None
            affiliations = []
            for part in author:
                tag = part.tag
                if tag == "LastName":
                    last = _plain(part) or None
                elif tag == "ForeName":
                    fore = _plain(part) or None
                elif tag == "Initials":
                    initials = _plain(part) or None
                elif tag == "AffiliationInfo":
                    for detail in part:
                        if detail.tag == "Affiliation":
                            affiliations.append(_text(detail))
                elif tag == "CollectiveName":
                    collective = _text(part) or None
                elif tag == "Affiliation":  # the layout before 2014
                    affiliations.append(_text(part))
            if "" in affiliations:
                affiliations = [a for a in affiliations if a]
            authors.append(Author(last, fore, initials, collective, tuple(affiliations)))
    return tuple(authors)


def _pages(pagination: etree._Element | None) -> str | None:
    if pagination is None:
        return None
    parts = _group(pagination)
    medline = _plain(_first(parts, "MedlinePgn"))
    if medline:
        return medline
    start, end = _plain(_first(parts, "StartPage")), _plain(_first(parts, "EndPage"))
    if start and end:
        return f"{start}-{end}"
    return start or None


def _partial_date(element: etree._Element | None) -> PartialDate:
    """Year/Month/Day, Year/Season or MedlineDate; of a repeated part the last counts."""
    if element is None:
        return PartialDate()
    year = month = day = season = medline = None
    for part in element:
        tag = part.tag
        if tag == "Year":
            year = part.text
        elif tag == "Month":
            month = part.text
        elif tag == "Day":
            day = part.text
        elif tag == "Season":
            season = part
        elif tag == "MedlineDate":
            medline = part
    medline_date = _plain(medline)
    if medline_date:
        return PartialDate(medline_date=medline_date)
    return PartialDate(
        year=_integer(year), month=_month(month), day=_integer(day), season=_plain(season) or None
    )


def _full_date(element: etree._Element | None) -> date | None:
    """A Year/Month/Day element as a date; None when absent or impossible (e.g. 31 February)."""
    if element is None:
        return None
    year = month = day = None
    for part in element:
        tag = part.tag
        if tag == "Year":
            year = _integer(part.text)
        elif tag == "Month":
            month = _month(part.text)
        elif tag == "Day":
            day = _integer(part.text)
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _electronic_date(article_dates) -> date | None:
    for article_date in article_dates:
        if article_date.get("DateType", "Electronic") == "Electronic":
            return _full_date(article_date)
    return None


def _history(history: etree._Element | None) -> tuple[date | None, date | None]:
    """The first entrez ([crdt]) and the first pubmed ([edat]) date in History."""
    found: dict[str, date | None] = {}
    if history is None:
        return None, None
    for pub_date in history:
        status = pub_date.get("PubStatus")
        if (status == "entrez" or status == "pubmed") and status not in found:
            found[status] = _full_date(pub_date)
            if len(found) == 2:
                break
    return found.get("entrez"), found.get("pubmed")


def _publication_types(elements) -> tuple[PublicationType, ...]:
    return tuple([
        PublicationType(ui=pt.get("UI", ""), name=_text(pt))
        for pt in elements
        if pt.tag == "PublicationType"
    ])


def _mesh(heading_list: etree._Element | None) -> tuple[MeshHeading, ...]:
    if heading_list is None:
        return ()
    headings = []
    for heading in heading_list:
        descriptor, qualifiers = None, []
        for part in heading:
            tag = part.tag
            if tag == "DescriptorName":
                descriptor = part
            elif tag == "QualifierName":
                qualifiers.append(part)
        if descriptor is None:
            continue
        major = descriptor.get("MajorTopicYN") == "Y" or any(
            q.get("MajorTopicYN") == "Y" for q in qualifiers
        )
        headings.append(
            MeshHeading(
                descriptor=_text(descriptor),
                ui=descriptor.get("UI", ""),
                major=major,
                qualifiers=tuple([_text(q) for q in qualifiers]),
            )
        )
    return tuple(headings)


def _keywords(keyword_lists) -> tuple[str, ...]:
    words = []
    for keyword_list in keyword_lists:
        for keyword in keyword_list:
            if keyword.tag == "Keyword":
                word = _text(keyword)
                if word:
                    words.append(word)
    return tuple(words)


def _comments_corrections(
    correction_list: etree._Element | None,
) -> tuple[CommentCorrection, ...]:
    if correction_list is None:
        return ()
    items = []
    for item in correction_list:
        if item.tag != "CommentsCorrections":
            continue
        pmid = source = None
        for part in item:
            tag = part.tag
            if tag == "PMID":
                pmid = part
            elif tag == "RefSource":
                source = part
        items.append(
            CommentCorrection(
                ref_type=item.get("RefType", ""),
                pmid=_plain(pmid) or None,
                source=_plain(source) or None,
            )
        )
    return tuple(items)


def _databanks(bank_list: etree._Element | None) -> tuple[tuple[str, str], ...]:
    if bank_list is None:
        return ()
    pairs = []
    for bank in bank_list:
        if bank.tag != "DataBank":
            continue
        parts = _group(bank)
        name = _plain(_first(parts, "DataBankName"))
        numbers = _first(parts, "AccessionNumberList")
        accessions = [] if numbers is None else [
            _plain(a) for a in numbers if a.tag == "AccessionNumber"
        ]
        pairs.extend((name, accession) for accession in accessions or [""])
    return tuple(pairs)


def _article_ids(id_list: etree._Element | None) -> tuple[str | None, str | None]:
    """DOI and PMCID, the first of each, from one ArticleIdList."""
    doi = pmcid = None
    if id_list is None:
        return doi, pmcid
    for article_id in id_list:
        kind = article_id.get("IdType")
        if kind == "doi" and doi is None:
            doi = _plain(article_id) or None
        elif kind == "pmc" and pmcid is None:
            pmcid = _plain(article_id) or None
        if doi is not None and pmcid is not None:
            break
    return doi, pmcid


def _checked_doi(pmid: str, raw: str | None) -> str | None:
    """The DOI in its normal form; one that is not a DOI is dropped, with a warning."""
    doi = normal_doi(raw)
    if raw and doi is None:
        log.warning("PMID %s: dropped a DOI that is not one: %r", pmid, raw[:100])
    return doi


def _elocation_doi(locations) -> str | None:
    for location in locations:
        if location.get("EIdType") == "doi" and location.get("ValidYN", "Y") == "Y":
            return _plain(location) or None
    return None


# -- text and housekeeping ----------------------------------------------------------------------


def _text(element: etree._Element | None) -> str:
    """Mixed content (b, i, sup, sub, u, MathML) flattened to text with whitespace collapsed."""
    if element is None:
        return ""
    if len(element) == 0:
        return _collapse(element.text or "")
    parts: list[str] = []
    _flatten(element, parts)
    return _collapse("".join(parts))


def _collapse(text: str) -> str:
    """Runs of whitespace to one space, ends trimmed, as str.split() sees whitespace.

    Most text is already tidy ASCII, and splitting a whole abstract into words only to join them
    again is the costliest string work of the parser, so that case is recognised and returned as
    it is. In ASCII, XML allows no whitespace but space, tab, newline and carriage return (lxml
    rejects the other control characters, even as character references).
    """
    if (
        text.isascii()
        and "  " not in text
        and "\n" not in text
        and "\t" not in text
        and "\r" not in text
        and text[:1] != " "
        and text[-1:] != " "
    ):
        return text
    return " ".join(text.split())


def _flatten(element: etree._Element, parts: list[str]) -> None:
    """Collect text in document order; a MathML formula's layout whitespace is dropped."""
    if element.text:
        parts.append(element.text)
    for child in element:
        tag = child.tag
        if isinstance(tag, str):  # comments and processing instructions carry no text
            if tag.startswith(MATHML):
                parts.append("".join(t.strip() for t in child.itertext()))
            else:
                _flatten(child, parts)
        if child.tail:
            parts.append(child.tail)


def _plain(element: etree._Element | None) -> str:
    """Text of an element without markup, trimmed (each .text builds a new string: read once)."""
    if element is None:
        return ""
    text = element.text
    return text.strip() if text else ""


def _integer(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isdecimal() else None  # isdigit() would pass '²', which int() fails


def _month(text: str | None) -> int | None:
    """'09', '9', 'Sep' and 'September' are all 9; anything else is None."""
    if not text:
        return None
    text = text.strip()
    if text.isdecimal():
        number = int(text)
        return number if 1 <= number <= 12 else None
    return MONTHS.get(text[:3].lower())


def _serialise(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="utf-8", xml_declaration=False, with_tail=False)


def _release(element: etree._Element) -> None:
    """Drop a finished record and everything before it, so memory stays flat."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is None:
        return
    while element.getprevious() is not None:
        del parent[0]


def _open_source(source: Source) -> tuple[BinaryIO, bool]:
    if isinstance(source, bytes | bytearray | memoryview):
        return io.BytesIO(bytes(source)), False
    if isinstance(source, str | os.PathLike):
        try:
            return open(source, "rb"), True  # noqa: SIM115 - closed by iter_records
        except OSError as exc:
            raise ResponseError(f"cannot read EFetch XML from {source}: {exc.strerror}") from None
    if hasattr(source, "read"):
        return source, False
    raise TypeError(f"expected bytes, a binary file or a path, got {type(source).__name__}")


def _describe_syntax_error(exc: etree.XMLSyntaxError) -> str:
    line, column = exc.position if exc.position else (exc.lineno, 0)
    message = (exc.msg or str(exc)).split(", line ")[0].strip()
    if "Document is empty" in message or "no element found" in message:
        return "empty answer: no XML at all"
    if "Premature end of data" in message or "EndTag" in message:
        return f"truncated XML at line {line}, column {column}: {message}"
    return f"malformed XML at line {line}, column {column}: {message}"
