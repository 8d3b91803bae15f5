"""Evidence classification on PubMed-shaped records built directly (no XML, no network)."""

from __future__ import annotations

import dataclasses
import json
import runpy
from pathlib import Path

import pytest

from tracker.evidence import (
    LEVELS_BY_RANK,
    RULES_VERSION,
    Level,
    classify,
    classify_text,
    sample_size,
    trial_registry_ids,
)
from tracker.records import (
    AbstractSection,
    CommentCorrection,
    MeshHeading,
    PaperRecord,
    PublicationType,
)

FIXTURES = Path(__file__).parent / "fixtures" / "evidence" / "records.json"
JOURNAL_ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")


def record(title="", abstract="", status="Publisher", types=(JOURNAL_ARTICLE,), mesh=(),
           links=(), databanks=(), pmid="40000000") -> PaperRecord:
    sections = (AbstractSection(abstract),) if abstract else ()
    return PaperRecord(
        pmid=pmid, status=status, title=title, abstract=sections,
        publication_types=tuple(types),
        mesh=tuple(MeshHeading(name, ui) for ui, name in mesh),
        comments_corrections=tuple(CommentCorrection(kind, pmid) for kind, pmid in links),
        databanks=tuple(databanks),
    )


def from_fixture(item: dict) -> PaperRecord:
    return PaperRecord(
        pmid=item["pmid"], status=item["status"], title=item["title"],
        abstract=tuple(AbstractSection(text, label or None) for label, text in item["abstract"]),
        publication_types=tuple(PublicationType(*pt) for pt in item["publication_types"]),
        mesh=tuple(MeshHeading(name, ui) for ui, name in item.get("mesh", [])),
        comments_corrections=tuple(
            CommentCorrection(kind, pmid) for kind, pmid in item.get("comments_corrections", [])
        ),
        databanks=tuple(tuple(bank) for bank in item.get("databanks", [])),
    )


FIXTURE_ITEMS = json.loads(FIXTURES.read_text())["records"]


@pytest.mark.parametrize("item", FIXTURE_ITEMS, ids=[i["title"][:40] for i in FIXTURE_ITEMS])
def test_labelled_fixture_records(item):
    result = classify(from_fixture(item))
    expect = item["expect"]
    for key in ("source", "design", "sample_size", "notice_kind", "retracted"):
        if key in expect:
            assert getattr(result, key) == expect[key], (key, result)
    if "level" in expect:
        assert result.level.value == expect["level"], result
    for key in ("trial_ids", "notice_of"):
        if key in expect:
            assert list(getattr(result, key)) == expect[key], (key, result)
    if "min_confidence" in expect:
        assert result.confidence >= expect["min_confidence"], result
    if "max_confidence" in expect:
        assert result.confidence <= expect["max_confidence"], result
    if "reason_contains" in expect:
        assert expect["reason_contains"] in result.reason
    assert result.rules_version == RULES_VERSION


# --- the same paper before and after MEDLINE indexing -----------------------------------------

TITLE = "Accelerated iTBS in treatment-resistant depression: a sham-controlled randomised trial"
ABSTRACT = "Eighty patients were randomised to active or sham stimulation for five days."


def test_same_paper_before_and_after_indexing():
    before = classify(record(TITLE, ABSTRACT, status="Publisher"))
    after = classify(record(TITLE, ABSTRACT, status="MEDLINE", types=(JOURNAL_ARTICLE, RCT),
                            mesh=[("D006801", "Humans")]))
    assert before.level is after.level is Level.RCT
    assert before.source == "text" and "not yet indexed" in before.reason
    assert after.source == "publication_type"
    assert after.reason == "publication type D016449 Randomized Controlled Trial"
    assert before.confidence < after.confidence
    assert before.sample_size == after.sample_size == 80


def test_publisher_supplied_type_is_trusted_less_than_an_indexed_one():
    publisher = classify(record(TITLE, ABSTRACT, status="Publisher", types=(RCT,)))
    medline = classify(record(TITLE, ABSTRACT, status="MEDLINE", types=(RCT,)))
    assert publisher.source == medline.source == "publication_type"
    assert publisher.confidence < medline.confidence
    assert "publisher-supplied" in publisher.reason


def test_publication_types_match_by_ui_not_name():
    renamed = PublicationType("D016449", "Randomised Trial (renamed)")
    assert classify(record("Untitled", status="MEDLINE", types=(renamed,))).level is Level.RCT
    notice = PublicationType("D016440", "Retraction Notice")
    assert classify(record("Ketamine", status="MEDLINE", types=(notice,))).notice_kind == (
        "retraction"
    )


# --- traps ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("title", "abstract", "level", "design"),
    [
        ("Ketamine versus ECT: protocol for a randomised controlled trial",
         "Patients will be randomised to ketamine or ECT.", Level.PROTOCOL, "trial protocol"),
        ("Esketamine in depression: a systematic review and meta-analysis of randomised trials",
         "We searched MEDLINE and pooled 9 randomised trials.", Level.SYSTEMATIC_REVIEW,
         "systematic review and meta-analysis"),
        ("Cognitive outcomes in a secondary analysis of a randomized clinical trial of ketamine",
         "Data from 300 randomized patients were reanalysed.", Level.RCT,
         "secondary analysis of an RCT"),
        ("Ketamine restores synaptic connectivity after chronic stress",
         "Male rats exposed to chronic unpredictable stress were randomly assigned to ketamine "
         "or saline.", Level.PRECLINICAL, "animal study"),
        ("Electroconvulsive therapy after failed esketamine: a case series",
         "We describe eight consecutive patients.", Level.CASE_REPORT, "case series"),
        ("Ketamine exposure and later psychosis: a case-control study",
         "Cases were matched to controls by age and sex.", Level.OBSERVATIONAL,
         "case-control study"),
        ("Psilocybin for resistant depression: an open-label, single-arm study",
         "Nineteen patients received two doses.", Level.NON_RANDOMISED_TRIAL, "single-arm trial"),
        ("A non-randomised comparison of rTMS with and without psychotherapy",
         "Allocation followed patient preference.", Level.NON_RANDOMISED_TRIAL,
         "non-randomised controlled trial"),
        ("Long-term esketamine: results of the open-label extension of a randomized trial",
         "Patients who completed the double-blind phase continued on esketamine.",
         Level.NON_RANDOMISED_TRIAL, "open-label extension"),
        ("Crossover trial of nitrous oxide in depression",
         "Participants received nitrous oxide and placebo in random order.", Level.RCT,
         "crossover RCT"),
        ("Comment on: esketamine versus quetiapine, a randomized trial",
         "The open-label design limits conclusions.", Level.NARRATIVE_REVIEW, "comment"),
    ],
)
def test_text_traps(title, abstract, level, design):
    result = classify_text(title, abstract)
    assert result.level is level, result
    assert result.design == design, result
    assert result.source == "text"


def test_mice_in_the_background_of_a_human_trial_do_not_make_it_preclinical():
    result = classify_text(
        "Ketamine for depression in older adults",
        "Work in mice suggested synaptic effects. We randomly assigned 90 participants to "
        "ketamine or midazolam.",
    )
    assert result.level is Level.RCT


def test_title_cue_beats_abstract_cue_and_strong_beats_weak():
    title_only = classify_text("Esketamine: a randomized trial", "")
    both = classify_text("Esketamine: a randomized trial", "Patients were randomized 1:1.")
    weak = classify_text("Esketamine in depression: a double-blind study", "")
    assert title_only.confidence < both.confidence <= 0.9
    assert weak.level is Level.RCT and weak.confidence < title_only.confidence


def test_no_cue_is_unclassified_with_zero_confidence():
    result = classify_text("Ketamine", "")
    assert (result.level, result.source, result.confidence) == (Level.UNCLASSIFIED, "none", 0.0)


def test_reason_quotes_the_words_that_matched():
    result = classify_text(
        "Zuranolone: a Randomized, Placebo-Controlled Trial", "Adults were enrolled."
    )
    assert result.reason == 'title matches "Randomized" and "Placebo-Controlled"'


# --- publication types, MeSH and their order ------------------------------------------------

def test_meta_analysis_type_wins_over_rct_type():
    types = (RCT, PublicationType("D017418", "Meta-Analysis"))
    assert classify(record("x", status="MEDLINE", types=types)).level is Level.SYSTEMATIC_REVIEW


def test_review_type_is_narrowed_by_a_systematic_review_title():
    review = PublicationType("D016454", "Review")
    narrow = classify(record("tDCS for depression: a systematic review", status="MEDLINE",
                             types=(review,)))
    plain = classify(record("tDCS for depression: past and future", status="MEDLINE",
                            types=(review,)))
    assert narrow.level is Level.SYSTEMATIC_REVIEW and narrow.source == "text"
    assert "D016454 Review, narrowed by text" in narrow.reason
    assert plain.level is Level.NARRATIVE_REVIEW and plain.source == "publication_type"


def test_clinical_trial_type_is_not_randomised_unless_text_says_so():
    trial = PublicationType("D017427", "Clinical Trial, Phase II")
    open_label = classify(record("Psilocybin in TRD", "Twenty patients received psilocybin.",
                                 status="MEDLINE", types=(trial,)))
    randomised = classify(record("Psilocybin in TRD", "Patients were randomly assigned.",
                                 status="MEDLINE", types=(trial,)))
    assert open_label.level is Level.NON_RANDOMISED_TRIAL
    assert randomised.level is Level.RCT and randomised.source == "text"


def test_animals_with_humans_is_not_preclinical_by_mesh():
    animals_only = record("Ketamine", status="MEDLINE", mesh=[("D000818", "Animals")])
    both = record("Ketamine", status="MEDLINE",
                  mesh=[("D000818", "Animals"), ("D006801", "Humans")])
    assert classify(animals_only).level is Level.PRECLINICAL
    assert classify(animals_only).source == "mesh"
    assert classify(both).level is Level.UNCLASSIFIED


def test_indexed_record_classified_by_text_notes_its_status_and_loses_confidence():
    title, abstract = "Esketamine outcomes: a retrospective cohort study", "n = 80"
    indexed = classify(record(title, abstract, status="MEDLINE"))
    publisher = classify(record(title, abstract, status="Publisher"))
    assert indexed.level is publisher.level is Level.OBSERVATIONAL
    assert "status MEDLINE" in indexed.reason
    assert indexed.confidence < publisher.confidence


# --- notices and retractions ----------------------------------------------------------------

def test_expression_of_concern_matched_by_name_links_its_target():
    eoc = PublicationType("D000000000", "Expression of Concern")
    result = classify(record("Expression of concern: ketamine and memory", types=(eoc,),
                             links=[("ExpressionOfConcernFor", "30000001")]))
    assert result.notice_kind == "expression_of_concern"
    assert result.notice_of == ("30000001",)
    assert not result.counts_as_evidence


@pytest.mark.parametrize(("title", "kind"), [
    ("Correction to: Esketamine in adolescents", "erratum"),
    ("Corrigendum: Theta burst stimulation outcomes", "erratum"),
    ("Retraction: Ketamine and sleep", "retraction"),
    ("Notice of Retraction: DBS outcomes", "retraction"),
    ("Expression of Concern: Psilocybin in TRD", "expression_of_concern"),
])
def test_notices_of_unindexed_records_are_found_from_the_title(title, kind):
    result = classify(record(title))
    assert result.notice_kind == kind
    assert result.source == "text"
    assert result.level is Level.UNCLASSIFIED


def test_a_correction_study_title_is_not_a_notice():
    result = classify(record("Correction of sleep deprivation effects: a randomised trial"))
    assert result.notice_kind is None and result.level is Level.RCT


@pytest.mark.parametrize("how", ["type", "link", "title"])
def test_retracted_paper_keeps_its_level_but_is_flagged(how):
    types, links, title = (JOURNAL_ARTICLE, RCT), [], "Ketamine in TRD: a randomized trial"
    if how == "type":
        types += (PublicationType("D016441", "Retracted Publication"),)
    elif how == "link":
        links = [("RetractionIn", "39999999")]
    else:
        title = "RETRACTED: " + title
    result = classify(record(title, status="MEDLINE", types=types, links=links))
    assert result.retracted is True
    assert result.level is Level.RCT
    assert result.notice_kind is None and not result.counts_as_evidence


def test_a_research_letter_without_comment_link_is_not_a_notice():
    letter = PublicationType("D016422", "Letter")
    result = classify(record("Esketamine use in Norway", status="MEDLINE", types=(letter,)))
    assert result.notice_kind is None and result.level is Level.NARRATIVE_REVIEW


# --- trial ids and sample sizes --------------------------------------------------------------

def test_trial_ids_from_databanks_then_text_deduplicated_and_normalised():
    paper = record(
        "Ketamine (NCT 01234567)",
        "Registered as ISRCTN-12345678, EudraCT No. 2019-001234-56, ChiCTR2000031234, "
        "ChiCTR-IOR-17012345, DRKS00012345, CTRI/2020/05/025123, UMIN000012345, "
        "IRCT20200101045123N1, jRCTs031180123 and again NCT01234567; PROSPERO CRD42024512345.",
        databanks=[("ClinicalTrials.gov", "NCT01234567"), ("GENBANK", "MN908947"),
                   ("ANZCTR", "ACTRN12618000123456")],
    )
    assert trial_registry_ids(paper) == (
        "NCT01234567", "ACTRN12618000123456", "ISRCTN12345678", "EudraCT 2019-001234-56",
        "ChiCTR2000031234", "ChiCTR-IOR-17012345", "DRKS00012345", "CTRI/2020/05/025123",
        "UMIN000012345", "IRCT20200101045123N1", "jRCTs031180123", "CRD42024512345",
    )


def test_no_trial_ids_in_plain_numbers():
    assert trial_registry_ids(record("Ketamine", "Grant 123456789; NCT; 2019-12-01")) == ()


@pytest.mark.parametrize(("text", "size"), [
    ("Participants (n = 120) received ketamine.", 120),
    ("N=64", 64),
    ("120 patients were randomized to ketamine or midazolam.", 120),
    ("A total of 56 participants completed the study.", 56),
    ("Seventy-two adults with TRD were randomised.", 72),
    ("We randomly assigned 1,944 veterans to guided care.", 1944),
    ("A total of 410 patients were screened and 120 patients were randomized.", 120),
    ("Of 310 screened, 120 were randomised.", 120),
    ("Ketamine (n = 30) or midazolam (n = 28) was given.", 30),
    ("We enrolled 174 participants at five sites.", 174),
    ("Depression affects 280 million people worldwide.", None),
    ("Patients aged 18-65 years with a MADRS above 20 were eligible.", None),
    ("Response was 52% at 24 hours.", None),
])
def test_sample_size(text, size):
    assert sample_size(text) == size


# --- taxonomy and purity ------------------------------------------------------------------------

def test_levels_have_unique_ranks_slugs_and_labels():
    ranks = [level.rank for level in Level]
    assert len(set(ranks)) == len(ranks)
    assert min(Level, key=lambda level: level.rank) is Level.UNCLASSIFIED
    assert LEVELS_BY_RANK[0] is Level.SYSTEMATIC_REVIEW and LEVELS_BY_RANK[1] is Level.RCT
    assert [lv.rank for lv in LEVELS_BY_RANK] == sorted(ranks, reverse=True)
    assert all(lv.value.islower() and " " not in lv.value and lv.label for lv in Level)


def test_classification_is_a_pure_function_of_the_stored_record():
    paper = from_fixture(FIXTURE_ITEMS[0])
    copy = dataclasses.replace(paper, raw_xml=b"<ignored/>", journal="Other")
    assert classify(paper) == classify(paper) == classify(copy)


def test_text_rules_on_the_labelled_development_set_stay_accurate():
    labelled = runpy.run_path(str(Path(__file__).parents[1] / "bench" / "labelled_evidence.py"))
    dev = labelled["DEV"]
    right = sum(classify_text(t, a).level.value == truth for truth, t, a in dev)
    assert right / len(dev) >= 0.9


def test_word_boundaries_hold_after_the_fast_search():
    assert classify_text("Strategies to migrate care: an operational note", "").level is (
        Level.UNCLASSIFIED
    )
    assert classify_text("Ketamine in rats", "").level is Level.PRECLINICAL


def test_dashes_and_case_are_folded():
    result = classify_text("Ketamine: A RANDOMIZED, PLACEBO\u2013CONTROLLED TRIAL", "")
    assert result.level is Level.RCT
    assert '"PLACEBO\u2013CONTROLLED"' in result.reason


def test_earlier_meta_analyses_in_a_trial_abstract_do_not_make_it_a_review():
    result = classify_text(
        "Ketamine for depression in older adults",
        "Previous meta-analyses suggested benefit. We randomly assigned 90 patients to ketamine "
        "or placebo.",
    )
    assert result.level is Level.RCT
    review = classify_text("Ketamine for depression", "We conducted a meta-analysis of 12 trials.")
    assert review.level is Level.SYSTEMATIC_REVIEW
