"""RIS, BibTeX and CSV as reference managers and screening tools read them back."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date, datetime

import bibtexparser
import pytest
import rispy
from bibtexparser import middlewares

from tracker.cli import main
from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.records import (
    AbstractSection,
    Author,
    CommentCorrection,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)
from tracker.report import export
from tracker.report.build import build_report
from tracker.report.citation import date_parts
from tracker.report.exports import page_range

from records_factory import make_record

NOW = datetime(2025, 7, 2, 9, 30)
RCT = PublicationType("D016449", "Randomized Controlled Trial")
ERRATUM = PublicationType("D016425", "Published Erratum")
TITLE = "Accelerated {iTBS} & 50% response: a $10 trial\x07 of rTMS\nin TRD"
RAW = (b"<PubmedArticle><MedlineCitation><Article><Journal><ISSN IssnType=\"Electronic\">"
       b"1935-861X</ISSN></Journal></Article></MedlineCitation></PubmedArticle>")


def zotero_date(entry: dict) -> str:
    """Zotero's RIS import: the item's date is DA when present, PY only as a fallback."""
    return entry.get("date") or entry.get("year")


@pytest.fixture
def report(db, baseline):
    records = [
        PaperRecord(
            pmid="43000001", title=TITLE, status="MEDLINE", entrez_date=date(2025, 6, 20),
            publication_types=(RCT,), authors=(Author("Nakamura", "Aiko", "A"),
                                               Author("van der Berg", "Jan", "JW")),
            journal="Brain Stimulation", journal_abbrev="Brain Stimul",
            pub_date=PartialDate(2025, 2, 12), volume="18", issue="2", pages="112-9",
            doi="10.5555/x.1", abstract=(AbstractSection("We randomised 84 patients."),),
            mesh=(MeshHeading("Transcranial Magnetic Stimulation", "D050781"),),
            raw_xml=RAW,
        ),
        PaperRecord(
            pmid="43000002", title="Erratum: Accelerated iTBS trial", status="MEDLINE",
            entrez_date=date(2025, 6, 24), publication_types=(ERRATUM,),
            comments_corrections=(CommentCorrection("ErratumFor", "43000001"),),
            raw_xml=b"<a/>",
        ),
    ]
    with db.session() as session:
        sync_therapies(session, baseline)
        ids = upsert_records(session, records, run_id=None, now=NOW).ids
        link_therapies(session, [("rtms", ids["43000001"]), ("rtms", ids["43000002"])],
                       run_id=None, now=NOW)
    with db.session() as session:
        return build_report(session, baseline, since=date(2025, 6, 16), until=date(2025, 6, 30),
                            generated_at=NOW)


def test_ris_reads_back_with_citation_details_and_the_publication_date(report):
    entries = rispy.loads(export(report, "ris"))
    assert len(entries) == 1
    entry = entries[0]
    assert entry["type_of_reference"] == "JOUR"
    # a control character is made visible, as in every output (tracker.text)
    assert entry["title"] == "Accelerated {iTBS} & 50% response: a $10 trial<U+0007> of rTMS in TRD"
    assert entry["authors"] == ["Nakamura A", "van der Berg JW"]
    assert zotero_date(entry).startswith("2025/02/12")  # published in February, not June
    assert entry["year"] == "2025"
    assert (entry["volume"], entry["number"]) == ("18", "2")
    assert (entry["start_page"], entry["end_page"]) == ("112", "119")
    assert entry["issn"] == "1935-861X"
    assert entry["journal_name"] == "Brain Stimulation"
    assert entry["doi"] == "10.5555/x.1" and entry["accession_number"] == "43000001"
    assert entry["urls"] == ["https://pubmed.ncbi.nlm.nih.gov/43000001/"]
    assert entry["abstract"] == "We randomised 84 patients."
    assert entry["keywords"] == ["Repetitive transcranial magnetic stimulation",
                                 "Randomised controlled trial"]
    notes = " ".join(entry["notes"])
    assert "Evidence level: Randomised controlled trial (from publication type" in notes
    assert "D016449" not in notes  # MeSH by name, not by UI
    assert "Erratum (2025-06-24): notice PMID 43000002" in notes
    assert "DEMO" not in notes


def test_ris_has_no_counter_lines(report):
    text = export(report, "ris")
    assert text.splitlines()[0] == "TY  - JOUR"
    assert all(line[:2].isalnum() and line[2:6] == "  - " for line in text.splitlines() if line)


def test_bibtex_parses_back(report):
    text = export(report, "bib")
    assert "url = {https://pubmed.ncbi.nlm.nih.gov/43000001/}" in text  # verbatim, no \\url
    assert "doi = {10.5555/x.1}" in text
    library = bibtexparser.parse_string(
        text, append_middleware=[middlewares.LatexDecodingMiddleware()])
    assert library.failed_blocks == []
    (entry,) = library.entries
    fields = {f.key: f.value.strip("{}") if f.key != "title" else f.value
              for f in entry.fields}
    assert entry.entry_type == "article" and entry.key == "pmid43000001"
    assert "iTBS" in fields["title"] and "50%" in fields["title"] and "$10" in fields["title"]
    assert fields["author"] == "Nakamura, A and van der Berg, JW"
    assert (fields["year"], fields["month"], fields["volume"], fields["number"]) == (
        "2025", "2", "18", "2")
    assert fields["pages"] == "112\u2013119" and fields["issn"] == "1935-861X"
    assert fields["doi"] == "10.5555/x.1" and fields["pmid"] == "43000001"
    assert "Randomised controlled trial" in fields["keywords"]


def test_csv_has_what_a_screening_tool_imports(report):
    (row,) = csv.DictReader(io.StringIO(export(report, "csv")))
    assert row["abstract"] == "We randomised 84 patients."
    assert row["authors"] == "Nakamura A; van der Berg JW"
    assert (row["journal"], row["year"], row["volume"], row["pages"]) == (
        "Brain Stimulation", "2025", "18", "112-9")
    assert row["doi"] == "10.5555/x.1" and row["pmid"] == "43000001"
    assert row["therapy_names"] == "Repetitive transcranial magnetic stimulation"
    assert row["level_label"] == "Randomised controlled trial"
    assert row["inclusion"] == "undecided"
    assert row["mesh"] == "Transcranial Magnetic Stimulation"


@pytest.mark.parametrize(("text", "parts"), [
    ("2025 Feb 12", ("2025", "02", "12")), ("2025 Feb", ("2025", "02", None)),
    ("2025", ("2025", None, None)), ("2025 Spring", ("2025", None, None)),
    ("2024 Dec-2025 Jan", ("2024", None, None)), (None, (None, None, None)),
])
def test_date_parts(text, parts):
    assert date_parts(text) == parts


def test_page_ranges_spelled_out():
    assert page_range("112-9") == ("112", "119")
    assert page_range("e123") == ("e123", None)
    assert page_range("1195-1203") == ("1195", "1203")


def test_report_exports_through_the_cli(capsys, monkeypatch, eutils_server, db_url, tmp_path):
    monkeypatch.setenv("TRACKER_DATABASE_URL", db_url)
    monkeypatch.setenv("TRACKER_EUTILS_URL", eutils_server.url)
    monkeypatch.setenv("NCBI_EMAIL", "tests@example.org")
    eutils_server.add_records([replace(
        make_record("90000901", "Esketamine nasal spray in TRD", date(2025, 6, 3), doi="10.1/e"),
        pub_date=PartialDate(2025, 2), volume="7", issue="1", pages="1-10",
    )])
    for argv in (["init", "--skip-references"],
                 ["poll", "--therapy", "Spravato", "--until", "2025-06-30"]):
        main(argv)
    main(["report", "--since", "2025-06-01", "--until", "2025-06-30", "--format", "ris",
          "--output", "-"])
    (entry,) = rispy.loads(capsys.readouterr().out)
    assert zotero_date(entry).startswith("2025/02/") and entry["volume"] == "7"
    path = tmp_path / "out.bib"
    main(["report", "--since", "2025-06-01", "--until", "2025-06-30", "--format", "bib",
          "--output", str(path)])
    library = bibtexparser.parse_file(str(path))
    assert [e.key for e in library.entries] == ["pmid90000901"]
    # every export says how far the period's data reaches, as the report does: only
    # esketamine was polled, so not for every therapy the report covers
    scope = ("Papers of 2025-06-01 to 2025-06-30. Data complete through: not polled yet for "
             "every therapy shown.")
    assert scope in entry["notes"]
    assert [c.comment for c in library.comments] == [f"trd-tracker report. {scope}"]
    capsys.readouterr()
    main(["report", "--since", "2025-06-01", "--until", "2025-07-31", "--therapy", "esketamine",
          "--format", "csv", "--output", "-"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "90000901" in [r["pmid"] for r in rows]
    # July is not polled: later papers of the period may still come
    assert {r["data_complete_through"] for r in rows} == {"2025-06-30"}


def test_demo_records_say_so_in_every_export(report):
    from tracker.report.exports import bib_entry, csv_row, ris_entry

    paper = replace(report.papers[0], is_demo=True)
    assert ris_entry(paper, [])["notes"][0].startswith("DEMO DATA")
    assert "DEMO DATA" in next(f.value for f in bib_entry(paper, []).fields if f.key == "note")
    assert csv_row(paper)["is_demo"] == "yes"


def test_identifiers_cannot_break_out_of_a_bibtex_field():
    from tracker.report.exports import verbatim

    assert verbatim("10.1/a}b{c\\d\n") == "10.1/a%7Db%7Bc%5Cd"


def test_an_unpolled_period_says_so_in_every_export(report):
    """Papers stored without a poll: no export claims the period's data is complete."""
    (row,) = csv.DictReader(io.StringIO(export(report, "csv")))
    assert row["data_complete_through"] == "not polled"
    (entry,) = rispy.loads(export(report, "ris"))
    assert "Data complete through: not polled yet for every therapy shown." in entry["notes"][-1]
    assert "not polled yet" in bibtexparser.parse_string(export(report, "bib")).comments[0].comment
