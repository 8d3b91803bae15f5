"""The streaming EFetch parser: every record shape, parity with Bio.Entrez, errors, memory."""

from __future__ import annotations

import html
import http.server
import io
import re
import threading
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from Bio import Entrez

from tracker.demo.synth import synthetic_records
from tracker.errors import ResponseError
from tracker.pubmed.parse import iter_records, parse_record_element, record_from_raw
from tracker.pubmed.xmlwrite import write_articleset
from tracker.records import DeletedCitation, PaperRecord, PartialDate

from real_ncbi import entrez_test_dir, pubmed_files

FIXTURES = Path(__file__).parent / "fixtures" / "pubmed"
SHAPES = FIXTURES / "efetch_shapes.xml"


def by_pmid(path: Path) -> dict[str, PaperRecord]:
    return {r.pmid: r for r in iter_records(path) if isinstance(r, PaperRecord)}


# -- every shape of our own fixture -------------------------------------------------------------


def test_structured_article_fields():
    record = by_pmid(SHAPES)["39000001"]
    assert record.version == 2
    assert record.status == "MEDLINE"
    assert record.kind == "article"
    assert record.title == (
        "Rapid antidepressant effect of R-ketamine on Ca2+ signalling when p<0.05: "
        "a randomized trial."
    )
    assert [(s.label, s.category) for s in record.abstract] == [
        ("BACKGROUND", "BACKGROUND"), ("METHODS", "METHODS"),
        ("RESULTS", "RESULTS"), ("CONCLUSIONS", "CONCLUSIONS"),
    ]
    assert record.abstract[0].text.endswith("a third of patients & their families.")
    assert record.abstract[2].text == (
        "Response was higher with ketamine (OR 2.1, p < 0.01); H2O intake was unchanged."
    )
    # the ValidYN="N" misspelling is dropped, the corrected author kept
    assert [a.last_name for a in record.authors] == ["Øster-Müller", "Smith"]
    assert record.authors[0].affiliations == (
        "Department of Psychiatry, Uppsala University, Uppsala, Sweden.",
        "Karolinska Institutet, Stockholm, Sweden.",
    )
    assert (record.journal, record.journal_abbrev) == (
        "The American journal of psychiatry", "Am J Psychiatry",
    )
    assert (record.volume, record.issue, record.pages) == ("182", "9", "700-712")
    assert record.pub_date == PartialDate(year=2024, month=9, day=1)
    assert record.electronic_date == date(2024, 8, 15)
    assert record.entrez_date == date(2024, 8, 15)
    assert record.pubmed_date == date(2024, 8, 16)
    assert record.date_revised == date(2025, 3, 2)
    assert record.languages == ("eng",)
    assert record.publication_type_uis == {"D016428", "D016449"}
    ketamine = [m for m in record.mesh if m.ui == "D007649"][0]
    assert ketamine.major and ketamine.qualifiers == ("administration & dosage",)
    trd = [m for m in record.mesh if m.ui == "D061218"][0]
    assert trd.major, "a major qualifier makes the heading major"
    assert not [m for m in record.mesh if m.ui == "D000328"][0].major
    assert record.keywords == ("NMDA receptor", "rapid-acting antidepressant")
    assert record.comments_corrections[0].ref_type == "CommentIn"
    assert record.comments_corrections[0].pmid == "39000009"
    assert record.comments_corrections[1].pmid is None
    assert record.databanks == (
        ("ClinicalTrials.gov", "NCT01234567"), ("ClinicalTrials.gov", "NCT07654321"),
    )
    assert record.doi == "10.9999/ajp.2024.0001", "not the DOI of a cited reference"
    assert record.pmcid == "PMC11000001"
    assert record.raw_xml.startswith(b"<PubmedArticle>") and record.raw_xml.endswith(
        b"</PubmedArticle>"
    )


def test_collective_author_medline_date_vernacular_no_abstract():
    record = by_pmid(SHAPES)["39000002"]
    assert record.abstract == ()
    assert record.authors[0].collective_name == "German VNS Registry Group"
    assert record.authors[0].display == "German VNS Registry Group"
    assert record.authors[1].affiliations == (
        "Klinik für Psychiatrie, Charité, Berlin, Deutschland. j.brandt@example.org",
    )
    assert record.pub_date == PartialDate(medline_date="2024 Nov-Dec")
    assert record.pub_date.earliest() == date(2024, 1, 1)
    assert record.vernacular_title.startswith("Vagusnervstimulation")
    assert record.languages == ("ger", "eng")
    assert record.doi is None and record.pmcid is None


def test_retracted_article_and_its_notice_point_at_each_other():
    records = by_pmid(SHAPES)
    retracted, notice = records["39000003"], records["39000004"]
    assert retracted.pub_date == PartialDate(year=2023, season="Winter")
    assert "D016441" in retracted.publication_type_uis
    assert ("RetractionIn", "39000004") in {
        (c.ref_type, c.pmid) for c in retracted.comments_corrections
    }
    assert notice.publication_type_uis == {"D016440"}
    assert [(c.ref_type, c.pmid) for c in notice.comments_corrections] == [
        ("RetractionOf", "39000003")
    ]
    assert notice.doi == "10.9999/bs.2025.1", "DOI from ELocationID when ArticleIdList has none"
    assert notice.pub_date == PartialDate(year=2025, month=1)


def test_in_process_and_publisher_records_without_mesh():
    records = by_pmid(SHAPES)
    in_process, publisher = records["39000005"], records["39000006"]
    assert in_process.status == "In-Process" and in_process.mesh == ()
    assert in_process.pages is None and in_process.issue is None
    assert in_process.doi == "10.9999/fpsyt.2025.555"
    assert in_process.pmcid == "PMC11000005"
    assert publisher.status == "Publisher" and publisher.mesh == ()
    assert publisher.title.startswith("Esketamine & SSRIs versus quetiapine <augmentation>")
    assert publisher.doi is None, "an ELocationID marked ValidYN=N is not a DOI"
    assert publisher.pub_date == PartialDate(year=2025, month=3, day=6)
    assert publisher.abstract[0].text.endswith("CO2 reactivity rose ( n = 4 102 ).")


def test_book_articles_come_through_as_books():
    records = by_pmid(SHAPES)
    chapter, guideline = records["39000007"], records["39000008"]
    assert chapter.kind == guideline.kind == "book"
    assert (chapter.title, chapter.journal) == ("Esketamine", "StatPearls")
    assert [a.last_name for a in chapter.authors] == ["Patel"], "editors are not authors"
    assert chapter.entrez_date == date(2025, 1, 15)
    assert chapter.pub_date == PartialDate(year=2025, month=1)
    assert chapter.abstract[0].text.startswith("Esketamine is the S-enantiomer")
    assert guideline.title == "Depression in adults: treatment and management"
    assert guideline.journal is None
    assert guideline.doi == "10.9999/book.2024"
    assert guideline.publication_type_uis == {"D016431", "D016454"}
    assert guideline.date_revised == date(2024, 7, 1)


def test_delete_citation_and_order_of_items():
    items = list(iter_records(SHAPES))
    assert [type(i).__name__ for i in items] == ["PaperRecord"] * 8 + ["DeletedCitation"]
    assert items[-1] == DeletedCitation(("38000001", "38000002"))


def test_sources_bytes_path_string_and_binary_file():
    data = SHAPES.read_bytes()
    expected = list(iter_records(data))
    assert list(iter_records(SHAPES)) == expected
    assert list(iter_records(str(SHAPES))) == expected
    with open(SHAPES, "rb") as stream:
        assert list(iter_records(stream)) == expected


def test_record_from_raw_rederives_the_record():
    for record in by_pmid(SHAPES).values():
        again = record_from_raw(record.raw_xml)
        assert again == record


def test_parse_record_element_rejects_other_elements():
    from lxml import etree

    with pytest.raises(ResponseError, match="not a PubMed record"):
        parse_record_element(etree.fromstring(b"<Foo/>"))


# -- real NCBI output, and parity with Bio.Entrez --------------------------------------------------


def test_real_ncbi_files_are_present():
    names = {p.name for p in pubmed_files()}
    assert {"pubmed1.xml", "pubmed2.xml", "pubmed4.xml", "pubmed6.xml"} <= names


@pytest.mark.parametrize(
    "path", [*pubmed_files(), SHAPES], ids=lambda p: p.name
)
def test_parity_with_bio_entrez(path: Path):
    with open(path, "rb") as stream:
        answer = Entrez.read(stream, escape=True)
    expected = [entrez_view(a, "article") for a in answer.get("PubmedArticle", [])]
    expected += [entrez_view(b, "book") for b in answer.get("PubmedBookArticle", [])]
    ours = [our_view(r) for r in iter_records(path) if isinstance(r, PaperRecord)]
    assert len(ours) == len(expected) > 0
    for mine, theirs in zip(ours, expected, strict=True):
        for field in theirs:
            assert mine[field] == theirs[field], f"{path.name} PMID {theirs['pmid']}: {field}"


def our_view(record: PaperRecord) -> dict:
    return {
        "pmid": record.pmid,
        "version": record.version,
        "status": record.status,
        "title": record.title,
        "vernacular": record.vernacular_title,
        "abstract": [(s.label, s.category, s.text) for s in record.abstract],
        "authors": [
            (a.last_name, a.fore_name, a.initials, a.collective_name, list(a.affiliations))
            for a in record.authors
        ],
        "journal": (record.journal, record.journal_abbrev, record.volume, record.issue),
        "pages": record.pages,
        "pub_date": record.pub_date,
        "electronic_date": record.electronic_date,
        "entrez_date": record.entrez_date,
        "pubmed_date": record.pubmed_date,
        "date_revised": record.date_revised,
        "languages": list(record.languages),
        "publication_types": [(p.ui, p.name) for p in record.publication_types],
        "mesh": [(m.descriptor, m.ui, m.major, list(m.qualifiers)) for m in record.mesh],
        "keywords": list(record.keywords),
        "comments": [(c.ref_type, c.pmid, c.source) for c in record.comments_corrections],
        "databanks": list(record.databanks),
        "doi": record.doi,
        "pmcid": record.pmcid,
    }


def entrez_view(item, kind: str) -> dict:
    """The same fields read independently from Bio.Entrez's dictionaries."""
    if kind == "book":
        return book_view(item)
    citation, article = item["MedlineCitation"], item["MedlineCitation"]["Article"]
    journal = article["Journal"]
    issue = journal["JournalIssue"]
    data = item.get("PubmedData", {})
    ids = {str(i.attributes["IdType"]): str(i) for i in reversed(data.get("ArticleIdList", []))}
    elocation = [
        str(e) for e in article.get("ELocationID", [])
        if e.attributes.get("EIdType") == "doi" and e.attributes.get("ValidYN", "Y") == "Y"
    ]
    electronic = [d for d in article.get("ArticleDate", [])
                  if d.attributes.get("DateType", "Electronic") == "Electronic"]
    pagination = article.get("Pagination", {})
    return {
        "pmid": str(citation["PMID"]),
        "version": int(citation["PMID"].attributes.get("Version", "1")),
        "status": citation.attributes["Status"],
        "title": flat(article.get("ArticleTitle", "")),
        "vernacular": flat(article["VernacularTitle"]) if "VernacularTitle" in article else None,
        "abstract": abstract_view(article.get("Abstract")),
        "authors": authors_view(article.get("AuthorList", [])),
        "journal": (
            journal.get("Title") or None, journal.get("ISOAbbreviation") or None,
            issue.get("Volume") or None, issue.get("Issue") or None,
        ),
        "pages": pages_view(pagination),
        "pub_date": pub_date_view(issue.get("PubDate", {})),
        "electronic_date": ymd(electronic[0]) if electronic else None,
        "entrez_date": history_view(data, "entrez"),
        "pubmed_date": history_view(data, "pubmed"),
        "date_revised": ymd(citation["DateRevised"]) if "DateRevised" in citation else None,
        "languages": [str(x) for x in article.get("Language", [])],
        "publication_types": [
            (p.attributes.get("UI", ""), flat(p)) for p in article.get("PublicationTypeList", [])
        ],
        "mesh": [
            (
                flat(h["DescriptorName"]),
                h["DescriptorName"].attributes.get("UI", ""),
                h["DescriptorName"].attributes.get("MajorTopicYN") == "Y"
                or any(q.attributes.get("MajorTopicYN") == "Y" for q in h["QualifierName"]),
                [flat(q) for q in h["QualifierName"]],
            )
            for h in citation.get("MeshHeadingList", [])
        ],
        "keywords": [flat(k) for group in citation.get("KeywordList", []) for k in group
                     if flat(k)],
        "comments": [
            (c.attributes["RefType"], str(c["PMID"]) if "PMID" in c else None,
             str(c.get("RefSource", "")) or None)
            for c in citation.get("CommentsCorrectionsList", [])
        ],
        "databanks": [
            (str(bank["DataBankName"]), str(number))
            for bank in article.get("DataBankList", [])
            for number in (bank.get("AccessionNumberList") or [""])
        ],
        "doi": ids.get("doi") or (elocation[0] if elocation else None),
        "pmcid": ids.get("pmc"),
    }


def book_view(item) -> dict:
    document, book = item["BookDocument"], item["BookDocument"]["Book"]
    data = item.get("PubmedBookData", {})
    if "ArticleTitle" in document:
        title, container = flat(document["ArticleTitle"]), flat(book["BookTitle"]) or None
    else:
        title, container = flat(book["BookTitle"]), None
    lists = [a for a in document.get("AuthorList", [])
             if a.attributes.get("Type") != "editors"]
    return {
        "pmid": str(document["PMID"]),
        "title": title,
        "journal": (container, None, book.get("Volume") or None, None),
        "abstract": abstract_view(document.get("Abstract")),
        "authors": [a for author_list in lists for a in authors_view(author_list)],
        "pub_date": pub_date_view(book["PubDate"]),
        "entrez_date": history_view(data, "entrez"),
        "languages": [str(x) for x in document.get("Language", [])],
        "publication_types": [(p.attributes.get("UI", ""), flat(p))
                              for p in document.get("PublicationType", [])],
    }


def flat(value) -> str:
    """Bio.Entrez (escape=True) keeps inline tags; drop them, MathML layout space included."""
    text = str(value)
    text = re.sub(
        r"<math\b.*?</math>",
        lambda m: re.sub(r"\s*(<[^>]+>)\s*", r"\1", m.group()),
        text,
        flags=re.S,
    )
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return " ".join(text.split())


def abstract_view(abstract) -> list:
    if not abstract:
        return []
    return [
        (s.attributes.get("Label") or None, s.attributes.get("NlmCategory") or None, flat(s))
        for s in abstract["AbstractText"]
    ]


def authors_view(author_list) -> list:
    authors = []
    for author in author_list:
        if author.attributes.get("ValidYN") == "N":
            continue
        affiliations = [flat(i["Affiliation"]) for i in author.get("AffiliationInfo", [])]
        authors.append((
            author.get("LastName") or None,
            author.get("ForeName") or None,
            author.get("Initials") or None,
            flat(author["CollectiveName"]) if "CollectiveName" in author else None,
            [a for a in affiliations if a],
        ))
    return authors


def pages_view(pagination) -> str | None:
    if pagination.get("MedlinePgn"):
        return str(pagination["MedlinePgn"])
    start, end = pagination.get("StartPage"), pagination.get("EndPage")
    return f"{start}-{end}" if start and end else (str(start) if start else None)


MONTHS = {m: i for i, m in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}


def pub_date_view(pub_date) -> PartialDate:
    if pub_date.get("MedlineDate"):
        return PartialDate(medline_date=str(pub_date["MedlineDate"]))
    month = pub_date.get("Month")
    month = int(month) if month and month.isdigit() else MONTHS.get(month)
    return PartialDate(
        year=int(pub_date["Year"]) if pub_date.get("Year") else None,
        month=month,
        day=int(pub_date["Day"]) if pub_date.get("Day") else None,
        season=pub_date.get("Season") or None,
    )


def ymd(element) -> date:
    month = element["Month"]
    return date(int(element["Year"]), int(month) if month.isdigit() else MONTHS[month],
                int(element["Day"]))


def history_view(data, status: str) -> date | None:
    for pub_date in data.get("History", []):
        if pub_date.attributes.get("PubStatus") == status:
            return ymd(pub_date)
    return None


# -- bad input -----------------------------------------------------------------------------------


def error_of(data: bytes) -> str:
    with pytest.raises(ResponseError) as caught:
        list(iter_records(data))
    message = str(caught.value)
    assert "\n" not in message, "one clear line"
    return message


@pytest.mark.parametrize("fraction", [0.05, 0.3, 0.5, 0.9, 0.999])
def test_truncated_answer_raises_response_error(fraction: float):
    data = SHAPES.read_bytes()
    cut = data[: int(len(data) * fraction)]
    message = error_of(cut)
    assert "line" in message and ("truncated" in message or "malformed" in message)


def test_answer_cut_after_a_whole_record_still_fails_and_keeps_earlier_records():
    data = SHAPES.read_bytes()
    cut = data[: data.index(b"</PubmedArticle>") + len(b"</PubmedArticle>")]
    seen = []
    with pytest.raises(ResponseError, match="truncated"):
        for item in iter_records(cut):
            seen.append(item)
    assert [r.pmid for r in seen] == ["39000001"]


def test_malformed_xml_names_the_place():
    data = SHAPES.read_bytes().replace(b"</ArticleTitle>", b"</ArticleTitel>", 1)
    message = error_of(data)
    assert message.startswith("malformed XML at line 37")
    assert "ArticleTitel" in message or "mismatch" in message


def test_empty_answer_and_html_error_page():
    assert error_of(b"") == "empty answer: no XML at all"
    page = (entrez_test_dir() / "pubmed3.html").read_bytes()  # a real NCBI HTML answer
    assert error_of(page)


def test_wrong_root_element():
    message = error_of(b"<?xml version='1.0'?><eSearchResult><Count>1</Count></eSearchResult>")
    assert message == "not a PubMed EFetch answer: the root element is <eSearchResult>"


def test_efetch_error_envelope_gives_ncbis_message():
    message = error_of((FIXTURES / "efetch_error.xml").read_bytes())
    assert message.startswith("PubMed answered with an error: Cannot retrieve history data")


def test_unknown_dtd_version_does_not_matter():
    data = (FIXTURES / "efetch_2026.xml").read_bytes()
    assert [r.pmid for r in iter_records(data)] == ["39000005"]


def test_dtd_is_never_fetched_even_when_reachable():
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'<!ENTITY leak "LEAKED">')

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/pubmed_999999.dtd"
        data = SHAPES.read_bytes().replace(
            b"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd", url.encode()
        )
        records = [r for r in iter_records(data) if isinstance(r, PaperRecord)]
    finally:
        server.shutdown()
        server.server_close()
    assert len(records) == 8
    assert hits == []


# -- memory stays flat ---------------------------------------------------------------------------


def peak_while_parsing(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for _ in iter_records(path))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_records(tmp_path: Path):
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    with open(small, "wb") as out:
        write_articleset(synthetic_records(200, seed=3), out)
    with open(large, "wb") as out:
        write_articleset(synthetic_records(2000, seed=3), out)
    small_count, small_peak = peak_while_parsing(small)
    large_count, large_peak = peak_while_parsing(large)
    assert (small_count, large_count) == (200, 2000)
    assert large.stat().st_size > 9 * small.stat().st_size
    # ten times the records may not cost more than a little extra memory
    assert large_peak < 1.5 * small_peak + 256 * 1024, (small_peak, large_peak)


def test_stream_is_read_incrementally():
    """The first record arrives before the parser has read the whole answer."""
    data = io.BytesIO()
    write_articleset(synthetic_records(3000, seed=4), data)
    size = len(data.getvalue())
    data.seek(0)
    first = next(iter_records(data))
    assert isinstance(first, PaperRecord)
    assert data.tell() < size / 10


def _minimal(inner_citation: str, version: str = "1") -> bytes:
    return (
        b'<?xml version="1.0"?><PubmedArticleSet><PubmedArticle>'
        b'<MedlineCitation Status="MEDLINE" Owner="NLM">'
        + f'<PMID Version="{version}">90000777</PMID>'.encode()
        + b"<Article><Journal><Title>J</Title></Journal><ArticleTitle>T</ArticleTitle></Article>"
        + inner_citation.encode()
        + b"</MedlineCitation></PubmedArticle></PubmedArticleSet>"
    )


def test_comments_inside_lists_are_not_keywords():
    xml = _minimal('<KeywordList Owner="NOTNLM"><!-- editor note --><Keyword>ketamine</Keyword>'
                   "</KeywordList>")
    (record,) = list(iter_records(xml))
    assert record.keywords == ("ketamine",)


def test_a_malformed_pmid_version_is_a_clear_error_not_a_crash():
    with pytest.raises(ResponseError, match="[Vv]ersion"):
        list(iter_records(_minimal("", version="²")))
