"""The PubMed query language of the local E-utilities server."""

from datetime import date

import pytest

from tracker.demo.query import (
    NothingToSearch,
    QuerySyntaxError,
    evaluate,
    parse,
    translate,
)
from tracker.records import (
    AbstractSection,
    Author,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)

RCT = PublicationType("D016449", "Randomized Controlled Trial")

KETAMINE = PaperRecord(
    pmid="39000001",
    status="MEDLINE",
    title="Intravenous ketamine for treatment-resistant depression: a randomised trial",
    abstract=(
        AbstractSection("Rapid antidepressant effects of NMDA antagonists.", "BACKGROUND"),
        AbstractSection("Remission at day 28 was higher with ketamine.", "RESULTS"),
    ),
    authors=(
        Author("Smith", "Jane Anne", "JA"),
        Author("van der Berg", "Pieter", "P"),
        Author(collective_name="TRD Study Group"),
    ),
    journal="Journal of Affective Disorders",
    journal_abbrev="J Affect Disord",
    pub_date=PartialDate(2025, 3),
    electronic_date=date(2025, 1, 30),
    entrez_date=date(2025, 2, 1),
    pubmed_date=date(2025, 2, 2),
    date_revised=date(2025, 4, 10),
    languages=("eng",),
    publication_types=(PublicationType("D016428", "Journal Article"), RCT),
    mesh=(
        MeshHeading("Depressive Disorder, Treatment-Resistant", "D061218", True, ("drug therapy",)),
        MeshHeading("Ketamine", "D007649", False, ("administration & dosage",)),
        MeshHeading("Humans", "D006801"),
    ),
    keywords=("NMDA receptor", "glutamate"),
    pmcid="PMC1234567",
)

TMS = PaperRecord(
    pmid="39000002",
    status="Publisher",
    title="Accelerated rTMS of the DLPFC in depression",
    abstract=(AbstractSection("Depressive symptoms fell after theta burst stimulation."),),
    authors=(Author("Smithson", "Karl", "K"),),
    journal="Brain Stimulation",
    pub_date=PartialDate(medline_date="2024 Dec-2025 Jan"),
    entrez_date=date(2025, 3, 5),
    languages=("ger",),
)


def hits(query: str) -> set[str]:
    return {r.pmid for r in (KETAMINE, TMS) if evaluate(query, r)}


# -- text search ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ketamine", {"39000001"}),
        ("KETAMINE", {"39000001"}),
        ("depression", {"39000001", "39000002"}),
        ('"treatment resistant depression"', {"39000001"}),  # hyphen is a word boundary
        ('"treatment-resistant depression"[tiab]', {"39000001"}),
        ("treatment resistant depression[tiab]", {"39000001"}),  # tagged words form a phrase
        ('"resistant treatment"', set()),  # phrase order matters
        ('"ketamine for"[ti]', {"39000001"}),
        ("ketamin", set()),  # whole words only
        ("ketamin*", {"39000001"}),
        ("depress*[ti]", {"39000001", "39000002"}),
        ('"treatment resist*"[tiab]', {"39000001"}),
        ("remission[ab]", {"39000001"}),
        ("remission[ti]", set()),
        ("glutamate[tiab]", {"39000001"}),  # author keywords are part of [tiab]
        ("glutamate[ti]", set()),
        ("glutamate[ot]", {"39000001"}),
        ("nmda antagonists[ab]", {"39000001"}),
        ("theta burst[tw]", {"39000002"}),
        ("affective disorders", {"39000001"}),  # untagged: journal is an all-fields text
        ("39000002", {"39000002"}),  # a bare number finds the PMID
    ],
)
def test_text_terms(query, expected):
    assert hits(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ketamine AND depression", {"39000001"}),
        ("ketamine depression", {"39000001"}),  # untagged words: implicit AND
        ("ketamine OR rtms", {"39000001", "39000002"}),
        ("depression NOT ketamine", {"39000002"}),
        ("depression not ketamine", {"39000002"}),  # operators in any case
        ("rtms OR ketamine AND dlpfc", {"39000002"}),  # left to right: (rtms OR ketamine) AND dlpfc
        ("rtms OR (ketamine AND dlpfc)", {"39000002"}),
        ("dlpfc AND rtms OR ketamine", {"39000001", "39000002"}),
        ("depression NOT (ketamine OR rtms)", set()),
        ("((ketamine))", {"39000001"}),
        ('"not a phrase" OR ketamine', {"39000001"}),  # operators inside quotes are words
    ],
)
def test_boolean_logic(query, expected):
    assert hits(query) == expected


# -- controlled fields ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Depressive Disorder, Treatment-Resistant[mh]", {"39000001"}),
        ('"depressive disorder, treatment-resistant"[MeSH Terms]', {"39000001"}),
        ("depressive disorder[mh]", {"39000001"}),  # explodes to the narrower descriptor
        ("depressive disorder[mh:noexp]", set()),
        ("depressive[mh]", set()),  # descriptor names match whole, not as words
        ("Depressive Disorder*[mh]", {"39000001"}),
        ("ketamine[majr]", set()),
        ("Depressive Disorder, Treatment-Resistant[majr]", {"39000001"}),
        ("Depressive Disorder, Treatment-Resistant/drug therapy[mh]", {"39000001"}),
        ("Ketamine/drug therapy[mh]", set()),
        ("randomized controlled trial[pt]", {"39000001"}),
        ("randomized[pt]", set()),
        ("english[la]", {"39000001"}),
        ("eng[la]", {"39000001"}),
        ("german[la]", {"39000002"}),
        ("39000001[pmid]", {"39000001"}),
        ("39000001[uid]", {"39000001"}),
        ("medline[sb]", {"39000001"}),
        ("publisher[sb]", {"39000002"}),
        ("free full text[sb]", {"39000001"}),
        ("no such subset[sb]", set()),
        ("J Affect Disord[ta]", {"39000001"}),
        ("journal of affective disorders[jour]", {"39000001"}),
        ("affective[ta]", set()),
    ],
)
def test_controlled_fields(query, expected):
    assert hits(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("smith[au]", {"39000001"}),
        ("Smith J[au]", {"39000001"}),
        ("smith ja[au]", {"39000001"}),
        ("smith jb[au]", set()),
        ("smith*[au]", {"39000001", "39000002"}),
        ("van der berg p[au]", {"39000001"}),
        ("trd study group[au]", {"39000001"}),
        ("jane[au]", set()),
    ],
)
def test_authors(query, expected):
    assert hits(query) == expected


# -- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("2025/02/01[crdt]", {"39000001"}),
        ("2025/02[crdt]", {"39000001"}),
        ("2025[crdt]", {"39000001", "39000002"}),
        ("2025/01/28:2025/03/01[crdt]", {"39000001"}),
        ("2025/02/02:2025/03/05[crdt]", {"39000002"}),  # both ends included
        ('"2025/01/28"[crdt] : "3000"[crdt]', {"39000001", "39000002"}),
        ("2025/02/02:3000[crdt]", {"39000002"}),
        ("2025/02/02[edat]", {"39000001"}),
        ("2025/03/05[edat]", {"39000002"}),  # no pubmed date: entry date is the create date
        ("2025/04:2025/04[mdat]", {"39000001"}),
        ("2025/03[dp]", {"39000001"}),  # print date March 2025
        ("2025/01/30[dp]", {"39000001"}),  # electronic date counts for [dp]
        ("2025/02/15[dp]", set()),
        ("2024[dp]", {"39000002"}),  # MedlineDate text: its first year
        ('"2025/01/28"[Date - Create] : "2025/02/28"[Date - Create]', {"39000001"}),
        ("ketamine AND 2025/03:2025/12[crdt]", set()),
    ],
)
def test_date_ranges(query, expected):
    assert hits(query) == expected


def test_record_without_dates_is_outside_every_range():
    bare = PaperRecord(pmid="1", title="ketamine")
    assert not evaluate("1900:3000[crdt]", bare)
    assert not evaluate("1900:3000[dp]", bare)
    assert evaluate("ketamine", bare)


# -- translation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ketamine", '"ketamine"[All Fields]'),
        ("Ketamine[TIAB]", '"ketamine"[Title/Abstract]'),
        ("depress*[ti]", "depress*[Title]"),
        ("a OR b AND c", '("a"[All Fields] OR "b"[All Fields]) AND "c"[All Fields]'),
        ("a OR (b AND c)", '"a"[All Fields] OR ("b"[All Fields] AND "c"[All Fields])'),
        ("a AND b AND c", '"a"[All Fields] AND "b"[All Fields] AND "c"[All Fields]'),
        ("2025/01/28:2025/03/01[crdt]", "2025/01/28:2025/03/01[Date - Create]"),
        ('"2025/01/28"[crdt] : "3000"[crdt]', "2025/01/28:3000[Date - Create]"),
        ("2024[pdat]", "2024[Date - Publication]"),
        ("rct[pt] NOT animals[mh]", '"rct"[Publication Type] NOT "animals"[MeSH Terms]'),
    ],
)
def test_translation(query, expected):
    assert translate(query) == expected


def test_translation_round_trips():
    query = "(ketamine[tiab] OR esketamine[tiab]) AND 2025/01/28:2025/03/01[crdt]"
    once = translate(query)
    assert translate(once) == once
    assert evaluate(once, KETAMINE) == evaluate(query, KETAMINE) is True


# -- unknown fields and errors -------------------------------------------------------------


def test_unknown_field_drops_its_term():
    parsed = parse("ketamine[foo] OR rtms")
    assert parsed.fields_not_found == ("foo",)
    assert parsed.translation == '"rtms"[All Fields]'
    assert hits("ketamine[foo] OR rtms") == {"39000002"}


def test_unknown_field_with_nothing_left_cannot_be_searched():
    parsed = parse("ketamine[foo]")
    assert parsed.root is None and parsed.fields_not_found == ("foo",)
    with pytest.raises(NothingToSearch, match=r"\[foo\]"):
        evaluate(parsed, KETAMINE)


@pytest.mark.parametrize(
    "query",
    [
        "(ketamine",
        "ketamine)",
        "(ketamine OR (rtms)",
        "ketamine AND",
        "OR ketamine",
        "ketamine AND OR rtms",
        "()",
        '"ketamine',
        "ketamine[tiab",
        "ketamine]",
        "2025/13/01[crdt]",
        "2025/03/01:2025/01/01[crdt]",
        "yesterday[crdt]",
        "ketamine[ti] : rtms[ti]",
        "*",
    ],
)
def test_syntax_errors(query):
    with pytest.raises(QuerySyntaxError):
        parse(query)


def test_empty_query():
    with pytest.raises(NothingToSearch):
        parse("   ")
