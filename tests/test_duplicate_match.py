"""Deduplication rules and traps, on PaperRecords as the parser produces them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date

import pytest

from tracker.evidence import duplicate_match
from tracker.evidence.duplicate_match import (
    DuplicateIndex,
    Fingerprint,
    find_duplicates,
    fingerprint,
    is_notice,
    normalize_doi,
    normalize_pmcid,
    normalize_title,
    title_score,
)
from tracker.records import Author, CommentCorrection, PaperRecord, PartialDate, PublicationType

ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")
ERRATUM = PublicationType("D016425", "Published Erratum")
RETRACTION = PublicationType("D016440", "Retraction of Publication")
COMMENT = PublicationType("D016420", "Comment")
LETTER = PublicationType("D016422", "Letter")
CONCERN = PublicationType("D000000000", "Expression of Concern")  # UI unknown: matched by name

TITLE = (
    "Repeated intravenous ketamine versus electroconvulsive therapy for treatment-resistant "
    "major depression: a randomized non-inferiority trial"
)


def record(
    pmid: str,
    title: str = TITLE,
    author: str | None = "Okafor",
    year: int | None = 2024,
    *,
    doi: str | None = None,
    pmcid: str | None = None,
    types: tuple[PublicationType, ...] = (ARTICLE, RCT),
    links: tuple[tuple[str, str], ...] = (),
    electronic: date | None = None,
) -> PaperRecord:
    return PaperRecord(
        pmid=pmid,
        title=title,
        authors=(Author(last_name=author, initials="A"),) if author else (),
        pub_date=PartialDate(year=year),
        electronic_date=electronic,
        publication_types=types,
        comments_corrections=tuple(CommentCorrection(ref, pmid=p) for ref, p in links),
        doi=doi,
        pmcid=pmcid,
    )


def duplicates(stored: list[PaperRecord], new: PaperRecord, threshold: float = 90.0):
    index = DuplicateIndex(fingerprint(i, r) for i, r in enumerate(stored, start=1))
    return index.matches(fingerprint(1000, new), threshold=threshold)


# --- normalisation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "10.1016/j.jad.2024.05.017",
        "10.1016/J.JAD.2024.05.017",
        "https://doi.org/10.1016/J.JAD.2024.05.017",
        "http://dx.doi.org/10.1016/j.jad.2024.05.017",
        "https://www.doi.org/10.1016/j.jad.2024.05.017",
        "doi:10.1016/j.jad.2024.05.017",
        "DOI: 10.1016/j.jad.2024.05.017",
        "  10.1016/j.jad.2024.05.017\n",
        "10.1016/j.jad.2024.05.017.",
        "10.1016/j.jad.2024.05.017;",
        "10.1016%2Fj.jad.2024.05.017",
        "https://doi.org/10.1016%2FJ.JAD.2024.05.017",
    ],
)
def test_doi_spellings_normalise_to_one(raw):
    assert normalize_doi(raw) == "10.1016/j.jad.2024.05.017"


def test_doi_keeps_balanced_parentheses_and_drops_a_stray_one():
    assert normalize_doi("10.1016/S0140-6736(05)67006-7") == "10.1016/s0140-6736(05)67006-7"
    assert normalize_doi("(10.1016/S0140-6736(05)67006-7)") is None  # not a DOI at the start
    assert normalize_doi("10.1016/S0140-6736(05)67006-7).") == "10.1016/s0140-6736(05)67006-7"


@pytest.mark.parametrize("raw", [None, "", "   ", "not a doi", "10.1016", "10.1016/", "11.1/x"])
def test_non_dois_are_none(raw):
    assert normalize_doi(raw) is None


@pytest.mark.parametrize("raw", ["PMC7654321", "pmc7654321", " PMC 7654321 ", "7654321",
                                 "PMC7654321.2", "PMCID: PMC7654321", "PMC007654321"])
def test_pmcid_spellings_normalise_to_one(raw):
    assert normalize_pmcid(raw) == "PMC7654321"


@pytest.mark.parametrize("raw", [None, "", "PMC", "PMCabc", "PMID12345", "PMC0"])
def test_non_pmcids_are_none(raw):
    assert normalize_pmcid(raw) is None


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Ketamine in Depression.", "ketamine in depression"),
        ("Ketamine: a <i>rapid</i> antidepressant", "Ketamine - a rapid antidepressant"),
        ("<b>Ketamine</b> &amp; esketamine", "Ketamine and esketamine"),
        ("Randomised trial of behaviour therapy", "Randomized trial of behavior therapy"),
        ("Oestrogen, anaemia and the centre", "Estrogen, anemia and the center"),
        ("Modelling haemodynamic programmes", "Modeling hemodynamic programs"),
        ("TNF-α and IL-1β in TRD", "TNF-alpha and IL-1beta in TRD"),
        ("μ-opioid signalling", "Mu opioid signaling"),
        ("Électroconvulsive thérapie à Zürich", "Electroconvulsive therapie a Zurich"),
        ("5-HT2A agonists", "5-HT 2A agonists"),
        ("COVID-19 and depression", "COVID 19 and depression"),
        ("[Ketamine for depression].", "Ketamine for depression"),
        ("RETRACTED: Ketamine for depression", "Ketamine for depression"),
        ("Ketamine<sup>2</sup> dosing", "Ketamine 2 dosing"),
    ],
)
def test_title_variants_normalise_to_one(left, right):
    assert normalize_title(left) == normalize_title(right)
    assert normalize_title(left) == normalize_title(left).casefold().strip()


def test_title_normalisation_keeps_different_words_different():
    assert normalize_title("Ketamine in TRD") != normalize_title("Esketamine in TRD")
    assert normalize_title("p <0.05 in TRD") == "p 0 05 in trd"


# --- notices -------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", [ERRATUM, RETRACTION, COMMENT, LETTER, CONCERN])
def test_notice_by_publication_type(kind):
    assert is_notice(record("1", types=(kind,)))


@pytest.mark.parametrize(
    "title",
    [
        "Erratum: " + TITLE,
        "Erratum to " + TITLE,
        "Errata",
        "Correction to: " + TITLE,
        "Correction: " + TITLE,
        "Corrigendum to " + TITLE,
        "Retraction: " + TITLE,
        "Retraction Note: " + TITLE,
        "Retraction notice to " + TITLE,
        "Notice of retraction: " + TITLE,
        "Expression of Concern: " + TITLE,
        "Editorial Expression of Concern",
        "Reply to Smith et al.",
        "Reply",
        "In reply",
        "Authors' reply",
        "The author\u2019s reply",
        "Comment on: " + TITLE,
        "Commentary on " + TITLE,
        "Re: " + TITLE,
        "[Erratum] " + TITLE,
        "<i>Erratum</i>: " + TITLE,
    ],
)
def test_notice_by_title(title):
    assert is_notice(record("1", title=title, types=(ARTICLE,)))


@pytest.mark.parametrize(
    "ref", ["ErratumFor", "RetractionOf", "CommentOn", "ExpressionOfConcernFor"]
)
def test_notice_by_link_to_the_other_record(ref):
    assert is_notice(record("2", types=(ARTICLE,), links=((ref, "1"),)))


@pytest.mark.parametrize(
    "title",
    [
        TITLE,
        "Correction of hyponatraemia during lithium treatment",
        "Response to ketamine in treatment-resistant depression: predictors",
        "Replication of a ketamine trial",
        "Retractions in psychiatry: a bibliometric study",
        "Erratic sleep and depression",
        "Commentaries in psychiatry journals",
    ],
)
def test_articles_are_not_notices(title):
    links = (("ErratumIn", "9"), ("CommentIn", "8"), ("RetractionIn", "7"), ("UpdateIn", "6"))
    assert not is_notice(record("1", title=title, links=links))


# --- rules that must match -----------------------------------------------------------------------


def test_same_doi_upper_case_with_url_prefix_is_a_sure_duplicate():
    stored = record("100", doi="10.1176/appi.ajp.2024.20230891")
    new = record(
        "200", title="A different looking title", author="Someone",
        doi="https://doi.org/10.1176/APPI.AJP.2024.20230891",
    )
    [match] = duplicates([stored], new)
    assert (match.paper_id, match.other_id, match.kind, match.score) == (1000, 1, "doi", 100.0)
    assert "10.1176/appi.ajp.2024.20230891" in match.reason


def test_same_pmcid_is_a_sure_duplicate():
    stored = record("100", pmcid="PMC11223344")
    new = record("200", title="Other title", author=None, year=None, pmcid="pmc11223344.1")
    [match] = duplicates([stored], new)
    assert (match.kind, match.score) == ("pmcid", 100.0)


def test_print_and_electronic_records_of_one_article_match():
    epub = record("100", year=2024, electronic=date(2024, 12, 3), doi=None)
    print_record = record("200", year=2025, electronic=date(2024, 12, 3), doi=None)
    [match] = duplicates([epub], print_record)
    assert match.kind == "title" and match.score == 100.0

    epub_without_date = record("300", year=2024)
    issue_only = record("400", year=2025)
    [match] = duplicates([epub_without_date], issue_only)
    assert match.kind == "title" and 90 <= match.score < 100


@pytest.mark.parametrize(
    "edited",
    [
        TITLE.replace(":", ".").replace("-", " ") + ".",
        TITLE.replace("randomized", "randomised"),
        TITLE.replace("ketamine", "<i>ketamine</i>").replace("major", "<b>major</b>"),
        TITLE.replace("treatment", "treatmnet").replace("major ", "major  "),
        TITLE.replace(": a randomized", ". A randomized").lower(),
        TITLE.replace("depression", "depresion"),
        TITLE.replace("non-inferiority", "noninferiority").replace("therapy", "thxrapy"),
        TITLE.replace("major", "mjaor").replace("with", "wiht"),
    ],
)
def test_reissued_record_with_small_title_edits_matches(edited):
    stored = record("100")
    [match] = duplicates([stored], record("200", title=edited), threshold=80.0)
    assert match.kind == "title"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("Serum TNF-α predicts ketamine response", "Serum TNF-alpha predicts ketamine response"),
        ("Behaviour activation in resistant depression", "Behavior activation in resistant "
                                                         "depression"),
        ("<i>BDNF</i> Val66Met and rTMS outcome", "BDNF Val66Met and rTMS outcome."),
        ("Psilocybin; a randomised, controlled trial", "Psilocybin: a randomized controlled trial"),
    ],
)
def test_reissued_records_match_at_the_default_threshold(old, new):
    [match] = duplicates([record("100", title=old)], record("200", title=new))
    assert match.kind == "title" and match.score >= 90


def test_author_spelling_variants_still_agree():
    stored = record("100", author="Müller")
    assert duplicates([stored], record("200", author="Mueller"))
    assert duplicates([stored], record("201", author="Muller"))


# --- traps that must not match -------------------------------------------------------------------


@pytest.mark.parametrize(
    "notice",
    [
        record("200", types=(ERRATUM,)),
        record("200", title="Erratum: " + TITLE, types=(ARTICLE,)),
        record("200", types=(ARTICLE,), links=(("ErratumFor", "100"),)),
        record("200", types=(RETRACTION,), links=(("RetractionOf", "100"),)),
        record("200", title="Retraction note: " + TITLE, types=()),
        record("200", types=(CONCERN,)),
        record("200", title="Comment on: " + TITLE, types=(COMMENT, LETTER)),
        record("200", title="Reply to: " + TITLE, types=(LETTER,)),
    ],
)
def test_notice_titled_like_its_article_never_matches(notice):
    article = record("100", doi="10.1/trd.1", pmcid="PMC1")
    assert duplicates([article], notice) == []
    assert duplicates([notice], article) == []
    # even when the notice record wrongly carries the article's identifiers
    carrying = replace(notice, doi="10.1/TRD.1", pmcid="PMC1")
    assert duplicates([article], carrying) == []


def test_notices_match_each_other_only_by_identifier():
    erratum_a = record("200", title="Erratum", author=None, types=(ERRATUM,))
    erratum_b = record("201", title="Erratum", author=None, types=(ERRATUM,))
    assert duplicates([erratum_a], erratum_b, threshold=0.0) == []
    same_doi = record("202", title="Erratum.", author=None, types=(ERRATUM,), doi="10.9/err")
    also = record("203", title="Erratum", author=None, types=(ERRATUM,), doi="doi:10.9/ERR")
    [match] = duplicates([same_doi], also)
    assert match.kind == "doi"


def test_generic_titles_from_different_teams_do_not_match():
    generic = "Ketamine for treatment-resistant depression: a randomized controlled trial"
    first = record("100", title=generic, author="Okafor")
    second = record("200", title=generic.replace("randomized", "randomised"), author="Lindqvist")
    assert duplicates([first], second) == []
    assert duplicates([second], first) == []


@pytest.mark.parametrize(
    ("old", "new"),
    [("ketamine", "esketamine"), ("electroconvulsive", "magnetic seizure"),
     ("randomized non-inferiority trial", "study protocol for a randomized non-inferiority trial"),
     ("trial", "trial (phase 2)"), ("major depression:", "major depression (cohort 2):")],
)
def test_same_team_different_study_words_do_not_match(old, new):
    first = record("100")
    second = record("200", title=TITLE.replace(old, new))
    assert duplicates([first], second) == []
    [possible] = duplicates([first], second, threshold=70.0)
    assert "words differ" in possible.reason


def test_same_title_and_author_years_apart_do_not_match():
    index = DuplicateIndex([fingerprint(1, record("100", year=2012))])
    assert index.matches(fingerprint(2, record("200", year=2019)), threshold=0.0) == []
    assert index.comparisons == 0  # filtered before any scoring
    assert index.matches(fingerprint(3, record("300", year=2015)), threshold=0.0) == []


def test_records_pubmed_links_are_not_duplicates():
    review = record("100", title="Ketamine for depression: a Cochrane review", year=2023)
    update = record("200", title="Ketamine for depression: a Cochrane review", year=2024,
                    links=(("UpdateOf", "100"),))
    assert duplicates([review], update) == []


def test_an_update_does_not_match_copies_of_what_it_updates():
    review = record("100", title="Ketamine for depression: a Cochrane review", year=2023)
    copy = record("150", title="Ketamine for depression: a Cochrane review.", year=2024)
    update = record("200", title="Ketamine for depression: a Cochrane review", year=2024,
                    links=(("UpdateOf", "100"),))
    index = DuplicateIndex([fingerprint(1, review), fingerprint(2, copy)])
    assert index.matches(fingerprint(3, update)) == []
    index = DuplicateIndex([fingerprint(1, review), fingerprint(3, update)])
    assert [m.other_id for m in index.matches(fingerprint(2, copy))] == [1]


def test_conflicting_dois_cost_points():
    first = record("100", doi="10.1/a")
    second = record("200", doi="10.1/b")
    [match] = duplicates([first], second, threshold=80.0)
    assert match.score == 90.0 and "different DOIs" in match.reason
    renamed = record("300", title=TITLE.replace("trial", "study"), doi="10.1/c")
    assert duplicates([first], renamed) == []


def test_never_itself_and_never_the_same_pmid():
    fp = fingerprint(1, record("100", doi="10.1/a"))
    index = DuplicateIndex([fp])
    assert index.matches(fp, threshold=0.0) == []
    same_pmid_other_row = fingerprint(2, record("100", doi="10.1/a"))
    assert index.matches(same_pmid_other_row, threshold=0.0) == []


# --- scores --------------------------------------------------------------------------------------


def test_score_combines_title_author_and_year():
    base = fingerprint(1, record("100"))
    same, reason = title_score(base, fingerprint(2, record("200")))
    assert same == 100.0 and "same first author okafor" in reason
    unknown_author, _ = title_score(base, fingerprint(3, record("300", author=None)))
    one_year, _ = title_score(base, fingerprint(4, record("400", year=2025)))
    two_years, _ = title_score(base, fingerprint(5, record("500", year=2026)))
    other_author, reason = title_score(base, fingerprint(6, record("600", author="Lindqvist")))
    unknown_year, _ = title_score(base, fingerprint(7, record("700", year=None)))
    assert (unknown_author, one_year, two_years, other_author, unknown_year) == (
        95.0, 97.0, 90.0, 70.0, 95.0)
    assert "first authors differ" in reason


def test_threshold_decides_what_is_reported():
    stored = record("100", author=None)
    new = record("200", year=2025)
    [match] = duplicates([stored], new)  # 100 - 5 (author unknown) - 3 (a year apart)
    assert match.score == 92.0
    assert duplicates([stored], new, threshold=92.0) == [match]
    assert duplicates([stored], new, threshold=92.5) == []


# --- batches and the index -----------------------------------------------------------------------


def test_find_duplicates_checks_against_the_store_and_within_the_batch():
    index = DuplicateIndex([fingerprint(1, record("100", doi="10.1/a"))])
    incoming = [
        fingerprint(2, record("200", title="x", author="y", doi="HTTPS://DOI.ORG/10.1/A")),
        fingerprint(3, record("300", title="Lithium augmentation in TRD", author="Haddad")),
        fingerprint(4, record("400", title="Lithium augmentation in TRD.", author="Haddad")),
        fingerprint(5, record("500", title="Unrelated work on sleep", author="Haddad")),
    ]
    found = find_duplicates(incoming, index)
    assert [(m.paper_id, m.other_id, m.kind) for m in found] == [(2, 1, "doi"), (4, 3, "title")]
    assert len(index) == 5


def test_adding_a_paper_again_replaces_its_fingerprint():
    index = DuplicateIndex([fingerprint(1, record("100", doi="10.1/a"))])
    index.add(fingerprint(1, record("100", title="Completely new title", doi="10.1/b")))
    assert index.matches(fingerprint(2, record("200", doi="10.1/a")), threshold=95.0) == []
    [match] = index.matches(fingerprint(3, record("300", title="x", doi="10.1/b")))
    assert match.other_id == 1 and len(index) == 1


def test_fingerprint_fields():
    rec = PaperRecord(
        pmid="42",
        title="<i>Ketamine</i> in TRD.",
        authors=(Author(collective_name="STAR*D Investigators"),),
        pub_date=PartialDate(medline_date="1998 Dec-1999 Jan"),
        doi="https://doi.org/10.1/X",
        pmcid="PMC9",
        comments_corrections=(CommentCorrection("CommentIn", pmid="43"),),
    )
    assert fingerprint(7, rec) == Fingerprint(
        paper_id=7, pmid="42", doi="10.1/x", pmcid="PMC9", title="ketamine in trd",
        first_author="stardinvestigators", year=1998, notice=False,
        linked_pmids=frozenset({"43"}),
    )


# --- blocking ------------------------------------------------------------------------------------


def _random_corpus(count: int, seed: int) -> list[Fingerprint]:
    rng = random.Random(seed)
    common = ["depression", "treatment", "resistant", "ketamine", "trial", "patients", "major"]
    rare = [f"term{n}" for n in range(4000)]
    names = [f"author{n}" for n in range(800)]
    out = []
    for n in range(count):
        words = rng.sample(common, 4) + rng.sample(rare, 5)
        rng.shuffle(words)
        out.append(Fingerprint(
            paper_id=n, pmid=str(10_000 + n), doi=None, pmcid=None, title=" ".join(words),
            first_author=rng.choice(names), year=rng.randint(2000, 2025), notice=False,
        ))
    return out


def test_blocking_compares_far_fewer_than_all_pairs_and_still_finds_duplicates():
    stored = _random_corpus(5000, seed=1)
    index = DuplicateIndex(stored)
    rng = random.Random(2)
    planted = rng.sample(stored, 200)
    incoming = []
    for n, original in enumerate(planted):
        words = original.title.split()
        words[rng.randrange(len(words))] += "s"  # one small edit
        incoming.append(Fingerprint(
            paper_id=100_000 + n, pmid=str(900_000 + n), doi=None, pmcid=None,
            title=" ".join(words), first_author=original.first_author,
            year=original.year, notice=False,
        ))
    sizes = [len(index.candidates(fp)) for fp in incoming]
    found = find_duplicates(incoming, index)
    assert {(m.paper_id, m.other_id) for m in found} >= {
        (fp.paper_id, original.paper_id) for fp, original in zip(incoming, planted, strict=True)
    }
    all_pairs = len(incoming) * len(stored)
    assert index.comparisons < all_pairs / 100
    assert max(sizes) < len(stored) / 20


def test_common_words_alone_do_not_make_candidates():
    stored = _random_corpus(4000, seed=3)  # each common word is on ~2,300 titles, over the cap
    index = DuplicateIndex(stored)
    probe = Fingerprint(1_000_000, "1", None, None, "treatment resistant depression trial",
                        "nobody", 2010, False)
    assert len(index.candidates(probe)) == 0


# --- a numbered series: near ties everywhere, no duplicate among them ---------------------------

SERIES = "Esketamine nasal spray in treatment-resistant depression: real-world cohort {n}"


def test_a_numbered_series_is_scored_on_its_most_similar_titles_only():
    stored = [record(str(100 + n), SERIES.format(n=n)) for n in range(1, 201)]
    index = DuplicateIndex(fingerprint(i, r) for i, r in enumerate(stored, start=1))
    reissue = record("999", SERIES.format(n=150).replace("nasal", "nasl"))  # a typo, re-issued
    found = index.matches(fingerprint(1000, reissue))
    assert [stored[m.other_id - 1].pmid for m in found] == ["250"]
    assert index.comparisons >= 150  # the series members are all candidates...
    scored = duplicate_match._similar_titles(fingerprint(1000, reissue).title,
                                             [fingerprint(i, r) for i, r in enumerate(stored)],
                                             90.0)
    assert len(scored) == duplicate_match.SCORED_PER_RECORD  # ...only the most similar scored
    assert "250" in {fp.pmid for fp in scored}


def test_no_member_of_a_numbered_series_is_a_duplicate_of_another():
    series = [fingerprint(n, record(str(100 + n), SERIES.format(n=n))) for n in range(1, 301)]
    assert find_duplicates(series, DuplicateIndex()) == []
