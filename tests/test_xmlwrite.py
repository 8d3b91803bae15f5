"""The PubMed XML writer: round trips, DTD validity, Bio.Entrez acceptance; synthetic records."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from Bio import Entrez
from lxml import etree

from tracker.demo.synth import synthetic_records
from tracker.pubmed.entrez import BUNDLED_DTD_DIR
from tracker.pubmed.parse import iter_records
from tracker.pubmed.xmlwrite import article_xml, articleset_xml, doctype, write_articleset
from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    DeletedCitation,
    PaperRecord,
    PartialDate,
    PublicationType,
)

from real_ncbi import pubmed_files

SHAPES = Path(__file__).parent / "fixtures" / "pubmed" / "efetch_shapes.xml"
GENUINE_DOCTYPE = (
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">'
)


def without_raw(record: PaperRecord) -> PaperRecord:
    return replace(record, raw_xml=b"")


def records_of(data: bytes) -> list[PaperRecord]:
    return [without_raw(r) for r in iter_records(data) if isinstance(r, PaperRecord)]


def parsed_fixture_records() -> list[PaperRecord]:
    records = []
    for path in [SHAPES, *pubmed_files()]:
        records += [without_raw(r) for r in iter_records(path) if isinstance(r, PaperRecord)]
    return records


def pubmed_dtd() -> etree.DTD:
    return etree.DTD(str(BUNDLED_DTD_DIR / "pubmed_250101.dtd"))


def test_declaration_and_doctype_are_ncbis():
    data = articleset_xml([PaperRecord(pmid="1", title="t", languages=("eng",))])
    first, second, third = data.split(b"\n")[:3]
    assert first == b'<?xml version="1.0" ?>'
    assert second == GENUINE_DOCTYPE
    assert third == b"<PubmedArticleSet>"
    assert doctype("pubmed_260101.dtd") == (
        b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2026//EN" '
        b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_260101.dtd">\n'
    )
    assert b"22nd March 2023" in doctype("pubmed_230322.dtd")
    assert b"11th June 2018" in doctype("pubmed_180611.dtd")
    with pytest.raises(ValueError):
        doctype("esearch.dtd")


def test_round_trip_of_parsed_real_and_own_records():
    records = parsed_fixture_records()
    assert len(records) >= 14
    assert records_of(articleset_xml(records)) == records


def test_round_trip_of_synthetic_records():
    records = list(synthetic_records(400, seed=11))
    back = [r for r in iter_records(articleset_xml(records)) if isinstance(r, PaperRecord)]
    assert [without_raw(r) for r in back] == [without_raw(r) for r in records]


def test_round_trip_of_awkward_text():
    record = PaperRecord(
        pmid="42",
        version=3,
        status="Publisher",
        title='Ketamine <10 mg & "quotes" \'apostrophes\' ]]> — ünïcödé α≥β',
        abstract=(AbstractSection("a < b && c > d", "RESULTS", "RESULTS"),),
        authors=(Author("O'Brien", "Seán", "S", affiliations=("Dept <A&B>",)),),
        pub_date=PartialDate(year=2025, season="Spring"),
        languages=("eng",),
        publication_types=(PublicationType("D016428", "Journal Article"),),
        comments_corrections=(CommentCorrection("ErratumIn", None, "J. 2025;1:2"),),
        entrez_date=date(2025, 2, 28),
    )
    assert records_of(articleset_xml([record])) == [record]


def test_output_is_valid_against_the_pubmed_dtd():
    dtd = pubmed_dtd()
    records = parsed_fixture_records() + list(synthetic_records(300, seed=5))
    data = articleset_xml([without_raw(r) for r in records], deleted_pmids=["77"])
    root = etree.fromstring(data, etree.XMLParser(load_dtd=False, no_network=True))
    assert dtd.validate(root), dtd.error_log.filter_from_errors()[:3]


def test_the_dtd_check_can_fail():
    """Guard for the test above: a misplaced element is caught."""
    data = articleset_xml([PaperRecord(pmid="1", title="t", languages=("eng",),
                                       publication_types=(PublicationType("D1", "x"),))])
    broken = data.replace(b"<Language>eng</Language>", b"").replace(
        b"<ArticleTitle>", b"<Language>eng</Language><ArticleTitle>"
    )
    root = etree.fromstring(broken, etree.XMLParser(load_dtd=False, no_network=True))
    assert not pubmed_dtd().validate(root)


def test_bio_entrez_reads_the_output():
    records = list(synthetic_records(200, seed=7))
    data = articleset_xml(records, deleted_pmids=["90", "91"])
    answer = Entrez.read(io.BytesIO(data))
    articles = answer["PubmedArticle"]
    books = answer["PubmedBookArticle"]
    assert len(articles) + len(books) == 200
    pmids = [str(a["MedlineCitation"]["PMID"]) for a in articles]
    pmids += [str(b["BookDocument"]["PMID"]) for b in books]
    assert sorted(pmids) == sorted(r.pmid for r in records)
    assert [str(p) for p in answer["DeleteCitation"]] == ["90", "91"]


def test_raw_xml_is_reused_verbatim():
    record = next(r for r in iter_records(SHAPES) if isinstance(r, PaperRecord))
    assert article_xml(record) == record.raw_xml
    altered = replace(record, title="something else")
    assert article_xml(altered) == record.raw_xml, "raw_xml wins over the fields"
    again = [r for r in iter_records(articleset_xml([record])) if isinstance(r, PaperRecord)]
    assert again[0].title == record.title


def test_deleted_pmids_and_streaming_writer():
    out = io.BytesIO()
    count = write_articleset(synthetic_records(5), out, deleted_pmids=["1", "2"])
    items = list(iter_records(out.getvalue()))
    assert count == 5
    assert items[-1] == DeletedCitation(("1", "2"))


# -- synthetic records ---------------------------------------------------------------------------


def test_synthetic_records_are_deterministic_and_numbered():
    first = list(synthetic_records(300, seed=1))
    assert first == list(synthetic_records(300, seed=1))
    assert first != list(synthetic_records(300, seed=2))
    assert [r.pmid for r in first] == [str(90_000_001 + i) for i in range(300)]
    other = list(synthetic_records(3, start_pmid=5, start_date=date(2020, 1, 1)))
    assert [r.pmid for r in other] == ["5", "6", "7"]
    assert all(date(2020, 1, 1) <= r.entrez_date < date(2021, 1, 1) for r in other)


def test_synthetic_records_have_realistic_shapes():
    records = list(synthetic_records(3000))
    statuses = {r.status for r in records}
    assert {"MEDLINE", "Publisher", "In-Process"} <= statuses
    not_indexed = [r for r in records if r.status in ("Publisher", "In-Process")]
    assert not_indexed and all(not r.mesh for r in not_indexed)
    uis = [r.publication_type_uis for r in records]
    assert sum("D016449" in u for u in uis) > 100, "RCTs"
    assert sum("D017418" in u for u in uis) > 30, "meta-analyses"
    assert any(r.kind == "book" for r in records)
    assert sum(1 for r in records if len(r.abstract) == 4) > 1000, "structured abstracts"
    assert all(1 <= len(r.authors) <= 13 for r in records if r.kind == "article"
               and not r.title.startswith(("Retraction", "Erratum")))
    assert 0.6 < sum(bool(r.doi) for r in records) / len(records) < 0.95
    assert 0.1 < sum(bool(r.pmcid) for r in records) / len(records) < 0.5
    assert len({r.entrez_date for r in records}) > 300
    marked = [r for r in records if r.raw_xml]
    assert marked and all(b"<sub>2A</sub>" in r.raw_xml for r in marked)


def test_synthetic_retractions_link_both_ways():
    records = {r.pmid: r for r in synthetic_records(1000)}
    links = {(pmid, c.ref_type, c.pmid) for pmid, r in records.items()
             for c in r.comments_corrections}
    retraction_ins = [(p, target) for p, kind, target in links if kind == "RetractionIn"]
    assert retraction_ins
    for pmid, notice in retraction_ins:
        assert (notice, "RetractionOf", pmid) in links
        assert "D016440" in records[notice].publication_type_uis
        assert "D016441" in records[pmid].publication_type_uis
    erratum_ins = [(p, target) for p, kind, target in links if kind == "ErratumIn"]
    assert erratum_ins
    assert all((notice, "ErratumFor", pmid) in links for pmid, notice in erratum_ins)
