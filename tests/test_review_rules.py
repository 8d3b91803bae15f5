"""Flag rules on real-shaped records: each rule raises its reason, and is quiet otherwise."""

from datetime import date

import pytest

from tracker.errors import ConfigError
from tracker.review.rules import PaperFacts, RuleSettings, TherapyTerms, flags_for, rule_settings

KETAMINE = TherapyTerms("ketamine", "Intravenous ketamine",
                        ("ketamine", "intravenous ketamine", "NMDA receptor antagonist"))
RTMS = TherapyTerms("rtms", "Repetitive transcranial magnetic stimulation",
                    ("rTMS", "TMS", "transcranial magnetic stimulation"))
RULES = RuleSettings(new_since=date(2025, 1, 28), min_confidence=0.75)


def facts(**overrides) -> PaperFacts:
    values = dict(
        pmid="90000001",
        title="Repeated intravenous ketamine for treatment-resistant depression: a randomised "
              "controlled trial",
        abstract=(
            ("BACKGROUND", "BACKGROUND", "Many patients do not respond to antidepressants."),
            ("METHODS", "METHODS", "Adults with treatment-resistant depression (two failed "
                                   "antidepressants) received six infusions of ketamine or "
                                   "midazolam."),
            ("RESULTS", "RESULTS", "Response was 52% versus 21%."),
        ),
        mesh=("Depressive Disorder, Treatment-Resistant", "Ketamine", "Humans"),
        level="rct", level_source="publication_type", level_confidence=0.98,
        entered=date(2025, 3, 3), therapies=(KETAMINE,),
    )
    values.update(overrides)
    return PaperFacts(**values)


def reasons(paper: PaperFacts, rules: RuleSettings = RULES) -> dict[str, str]:
    return {flag.reason: flag.detail for flag in flags_for(paper, rules)}


OTHER_POPULATION = facts(
    pmid="90000002",
    title="Intraoperative ketamine and chronic postsurgical pain after total knee arthroplasty: "
          "a randomised controlled trial",
    abstract=(
        ("BACKGROUND", "BACKGROUND", "Chronic pain after knee arthroplasty is common."),
        ("METHODS", "METHODS", "Patients undergoing total knee arthroplasty for chronic pain "
                               "were randomised to ketamine 0.5 mg/kg or saline."),
        ("RESULTS", "RESULTS", "Pain at 6 months did not differ."),
        ("CONCLUSIONS", "CONCLUSIONS", "Ketamine, effective in treatment-resistant depression, "
                                       "did not prevent chronic postsurgical pain."),
    ),
    mesh=("Ketamine", "Pain, Postoperative", "Arthroplasty, Replacement, Knee"),
)


def test_a_trial_in_another_population_that_mentions_trd_once_is_doubtful():
    found = reasons(OTHER_POPULATION)
    assert "doubtful_relevance" in found
    detail = found["doubtful_relevance"]
    assert "no treatment-resistant depression in the title, MeSH or methods" in detail
    assert '"postsurgical pain" (title)' in detail


def test_a_trd_trial_of_the_same_therapy_is_not_doubtful():
    found = reasons(facts())
    assert "doubtful_relevance" not in found
    assert set(found) == {"new_rct"}


def test_a_paper_that_never_names_its_therapy_is_doubtful():
    found = reasons(facts(title="Treatment-resistant depression: a randomised trial of "
                                "psilocybin", mesh=(), therapies=(RTMS,)))
    assert "Repetitive transcranial magnetic stimulation not named" in found["doubtful_relevance"]


def test_an_unstructured_abstract_with_trd_only_in_its_last_sentence_is_doubtful():
    paper = facts(
        title="Ketamine for status epilepticus in children",
        abstract=((None, None, "We studied 40 children with status epilepticus given ketamine. "
                               "Seizures stopped in 30. Similar mechanisms may matter in "
                               "treatment-resistant depression."),),
        mesh=(),
    )
    assert "doubtful_relevance" in reasons(paper)


def test_new_high_level_evidence_after_the_baseline_only():
    assert "new_rct" in reasons(facts())
    assert "new_rct" not in reasons(facts(entered=date(2024, 6, 1)))
    review = reasons(facts(level="systematic_review"))
    assert "new_systematic_review_or_meta_analysis" in review and "new_rct" not in review


def test_low_confidence_applies_to_text_levels_below_the_threshold():
    low = facts(level="observational", level_source="text", level_confidence=0.6)
    assert "below 0.75" in reasons(low)["low_confidence_level"]
    assert "low_confidence_level" not in reasons(
        facts(level="observational", level_source="text", level_confidence=0.8))
    # the same level from publication types: the reason drops off
    assert "low_confidence_level" not in reasons(
        facts(level="observational", level_source="publication_type", level_confidence=0.6))
    stricter = RuleSettings(new_since=RULES.new_since, min_confidence=0.9)
    assert "low_confidence_level" in reasons(
        facts(level="observational", level_source="text", level_confidence=0.8), stricter)


def test_notices_duplicates_and_first_at_level():
    found = reasons(facts(
        notices=(("retraction", "90000900"), ("erratum", "90000901"),
                 ("expression_of_concern", None), ("comment", "90000902")),
        possible_duplicates=(("90000003", 93.0),),
        first_at_level=("First randomised controlled trial for Intravenous ketamine",),
    ))
    assert "PMID 90000900" in found["retraction"]
    assert "PMID 90000901" in found["erratum"]
    assert "expression_of_concern" in found and "comment" not in found
    assert found["possible_duplicate"] == "may be the same article as PMID 90000003 (score 93)"
    assert found["first_at_level"].startswith("First randomised controlled trial")


def test_rules_switched_off_raise_nothing_and_unknown_codes_are_errors():
    rules = rule_settings(date(2025, 1, 28), 0.75, ("new_rct", "doubtful_relevance"))
    assert reasons(OTHER_POPULATION, rules) == {}
    with pytest.raises(ConfigError, match="unknown rule new_rtc"):
        rule_settings(date(2025, 1, 28), 0.75, ("new_rtc",))


def test_a_baseline_reference_no_query_found_is_watched_for_notices_only():
    cited = facts(therapies=(), title="Myelin repair in multiple sclerosis: a randomised trial",
                  notices=(("retraction", "90000950"),))
    assert set(reasons(cited)) == {"retraction"}
