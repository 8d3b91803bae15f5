"""The parse benchmarks' floor: a single-pass lxml iterparse that pulls out each record's fields.

What any lxml-based EFetch parser must at least do: stream the answer, pull out each record's
texts and attributes of the fields tracker stores (identifiers, title, abstract, authors,
journal, dates, MeSH, publication types, keywords, comments and corrections, languages) with one
compiled XPath, as plain strings, and free the record. No structure, no normalisation, no
validation: the least work that still reads every field, which tracker.pubmed.parse is measured
against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# The elements whose text tracker keeps, and the attributes that carry a value it keeps.
TEXT_TAGS = frozenset({
    "PMID", "ArticleTitle", "VernacularTitle", "AbstractText", "LastName", "ForeName",
    "Initials", "CollectiveName", "Title", "ISOAbbreviation", "Volume", "Issue", "MedlinePgn",
    "Year", "Month", "Day", "MedlineDate", "Language", "PublicationType", "DescriptorName",
    "QualifierName", "Keyword", "ArticleId", "RefSource", "AccessionNumber", "DataBankName",
})
ATTRIBUTES = ("UI", "IdType", "RefType", "Label", "NlmCategory", "PubStatus", "DateType",
              "MajorTopicYN", "Status")


def _field_path():
    """One compiled XPath for every wanted text and attribute: evaluated in C, once a record."""
    from lxml import etree

    texts = [f".//{tag}/text()" for tag in sorted(TEXT_TAGS)]
    attributes = [f".//@{name}" for name in ATTRIBUTES]
    return etree.XPath(" | ".join(texts + attributes))


def fields(article, field_path) -> list[str]:
    """One record element's wanted texts and attribute values, in document order."""
    return [str(value) for value in field_path(article)]


def iter_fields(path: Path) -> Iterator[list[str]]:
    """Each record's fields, streaming: a record's element is freed once read."""
    from lxml import etree

    field_path = _field_path()
    for _, element in etree.iterparse(
        str(path), events=("end",), tag=("PubmedArticle", "PubmedBookArticle"),
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True,
    ):
        yield fields(element, field_path)
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del element.getparent()[0]
