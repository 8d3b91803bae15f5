"""The parse benchmarks' floor: a single-pass lxml iterparse that pulls out each record's fields.

What any lxml-based EFetch parser must at least do: stream the answer, walk each record once
and take the text and attributes of the elements tracker stores (identifiers, title, abstract,
authors, journal, dates, MeSH, publication types, keywords, comments and corrections,
languages), serialise the record (tracker keeps its XML), and free it. No structure, no
normalisation, no validation: the least work that still reads every field, which
tracker.pubmed.parse is measured against.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

# The elements whose text or attributes tracker keeps.
TAGS = (
    "MedlineCitation", "PMID", "ArticleTitle", "VernacularTitle", "AbstractText", "LastName",
    "ForeName", "Initials", "CollectiveName", "Title", "ISOAbbreviation", "Volume", "Issue",
    "MedlinePgn", "PubDate", "ArticleDate", "PubMedPubDate", "Year", "Month", "Day",
    "MedlineDate", "Language", "PublicationType", "DescriptorName", "QualifierName", "Keyword",
    "ArticleId", "CommentsCorrections", "RefSource", "AccessionNumber", "DataBankName",
)


def fields(article) -> tuple[bytes, list[tuple]]:
    """One record element's XML (tracker keeps it) and its wanted elements as (tag, text,
    attribute values), in one pass."""
    from lxml import etree

    wanted = [(node.tag, node.text, tuple(node.attrib.values())) for node in article.iter(TAGS)]
    return etree.tostring(article), wanted


def iter_fields(path: Path) -> Iterator[tuple[bytes, list[tuple]]]:
    """Each record's fields, streaming: a record's element is freed once read."""
    from lxml import etree

    for _, element in etree.iterparse(
        str(path), events=("end",), tag=("PubmedArticle", "PubmedBookArticle"),
        no_network=True, resolve_entities=False, load_dtd=False, huge_tree=True,
    ):
        yield fields(element)
        element.clear(keep_tail=True)
        while element.getprevious() is not None:
            del element.getparent()[0]
