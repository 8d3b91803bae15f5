"""Trials, not papers: grouping by registry id or acronym and authors, roles with provenance,
and trial counts in the report."""

import json
import re
from datetime import date

import pytest

from tracker.evidence import group_trials, role_of
from tracker.evidence.trials import PaperFacts, acronym_of
from tracker.records import PublicationType

from cli_run import run
from records_factory import RCT, make_record

PROTOCOL = PublicationType("D000078325", "Clinical Trial Protocol")


@pytest.mark.parametrize(
    ("title", "types", "role", "source"),
    [
        ("Psilocybin in treatment-resistant depression: a randomized trial", (), "primary",
         "default"),
        ("Post hoc analysis of a randomized sham-controlled trial of iTBS", (), "secondary",
         "text"),
        ("Pooled analysis of two phase 3 esketamine trials", (), "secondary", "text"),
        ("Twelve-month follow-up of the ESCAPE-TRD trial", (), "follow_up", "text"),
        ("Open-label extension study of esketamine", (), "follow_up", "text"),
        ("Study protocol for a randomised trial of psilocybin", (), "protocol", "text"),
        ("Psilocybin for TRD", ("Clinical Trial Protocol",), "protocol", "publication_type"),
        ("Rationale and design of the KETAMINE-TRD trial", (), "design", "text"),
        ("A randomized trial of an accelerated rTMS protocol", (), "primary", "default"),
    ],
)
def test_roles_come_from_rules_that_say_why(title, types, role, source):
    found = role_of(title, types)
    assert (found.role, found.source) == (role, source)
    assert found.reason


def test_acronyms_are_trial_names_not_abbreviations():
    assert acronym_of("Esketamine versus quetiapine: the ESCAPE-TRD trial") == "ESCAPE-TRD"
    assert acronym_of("Ketamine in TRD: results (ELEKT-D)") == "ELEKT-D"
    assert acronym_of("A TRD study of rTMS") is None
    assert acronym_of("An RCT of ECT") is None


def facts(pid, title, ids=(), authors=("okafor",), types=()):
    return PaperFacts(pid, title, "", tuple(ids), frozenset(authors), tuple(types))


def test_grouping_by_registry_id_and_by_acronym_with_a_shared_author():
    groups = group_trials([
        facts(1, "Psilocybin for TRD: a randomized trial", ["NCT01234567"]),
        facts(2, "Post hoc analysis of psilocybin for TRD",
              ["NCT01234567", "EudraCT 2017-003288-36"]),
        facts(3, "Psilocybin protocol", ["EudraCT 2017-003288-36"]),
        facts(4, "Long-term outcomes of the PSILO-TRD trial", [], ["okafor", "lind"]),
        facts(5, "Secondary analysis of the PSILO-TRD trial", ["NCT01234567"], ["okafor"]),
        facts(6, "Results of the PSILO-TRD trial in Norway", [], ["hansen"]),  # no shared author
        facts(7, "A meta-analysis of ketamine trials",
              ["NCT00000001", "NCT00000002", "NCT00000003", "NCT00000004"]),
        facts(8, "A systematic review", ["CRD42020123456"]),
        facts(9, "Ketamine for TRD: an unregistered trial"),
    ])
    by_key = {g.key: g for g in groups}
    main_trial = by_key["EudraCT 2017-003288-36"]
    assert set(main_trial.members) == {1, 2, 3, 4, 5}
    assert main_trial.acronym == "PSILO-TRD" and main_trial.grouped_by == "registry id"
    assert {pid: r.role for pid, r in main_trial.members.items()} == {
        1: "primary", 2: "secondary", 3: "primary", 4: "follow_up", 5: "secondary"}
    lone = [g for g in groups if 6 in g.members]
    assert len(lone) == 1 and set(lone[0].members) == {6}
    assert not any(7 in g.members or 8 in g.members or 9 in g.members for g in groups)




@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


def test_report_counts_trials_beside_papers_and_lists_a_trial_once(capsys, env, tmp_path):
    registered = "Trial registration: ClinicalTrials.gov NCT04433245."
    env.add_records([
        make_record("90001001", "Psilocybin for treatment-resistant depression: a randomized "
                    "controlled trial", date(2025, 3, 3), types=(RCT,), author="Goodwin",
                    abstract="Patients with treatment-resistant depression. " + registered),
        make_record("90001002", "Post hoc analysis of a randomized controlled trial of psilocybin "
                    "in treatment-resistant depression", date(2025, 3, 5), types=(RCT,),
                    author="Goodwin", abstract="Treatment-resistant depression. " + registered),
        make_record("90001003", "Twelve-month follow-up of psilocybin in treatment-resistant "
                    "depression: a randomized controlled trial", date(2025, 3, 7), types=(RCT,),
                    author="Goodwin", abstract="Treatment-resistant depression. " + registered),
        make_record("90001004", "Psilocybin in treatment-resistant depression: study protocol for "
                    "a randomized controlled trial", date(2025, 3, 9), types=(PROTOCOL,),
                    author="Goodwin", abstract="Treatment-resistant depression. " + registered),
        make_record("90001005", "Psilocybin versus escitalopram in treatment-resistant "
                    "depression: a randomized controlled trial", date(2025, 3, 11), types=(RCT,),
                    author="Carhart", abstract="Patients with treatment-resistant depression."),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-03-31")
    assert code == 0, err
    code, out, err = run(capsys, "report", "--therapy", "psilocybin", "--since", "2025-03-01",
                         "--until", "2025-03-31", "--format", "json", "--output", "-")
    assert code == 0, err
    therapy = json.loads(out)["therapies"][0]
    assert therapy["counts"]["new"]["rct"] == 4
    assert therapy["trials"]["new"]["rct"] == 2  # NCT04433245 and the unregistered trial
    assert therapy["trials"]["cumulative"]["rct"] == 2
    assert set(therapy["trials"]) == set(therapy["counts"]) - {
        "change_vs_previous", "change_since_baseline"}
    papers = {p["pmid"]: p for p in therapy["highlights"]}
    assert papers["90001002"]["trial"]["role"] == "secondary / post-hoc / pooled analysis"
    assert "post hoc" in papers["90001002"]["trial"]["role_reason"].lower()
    assert papers["90001003"]["trial"]["role"] == "follow-up / extension"
    assert papers["90001005"]["trial"] is None
    assert "Psilocybin has its first randomised controlled trial." in therapy["events"]

    html = tmp_path / "r.html"
    code, _, err = run(capsys, "report", "--therapy", "psilocybin", "--since", "2025-03-01",
                       "--until", "2025-03-31", "--format", "html", "--output", str(html))
    assert code == 0, err
    text = html.read_text()
    assert text.count("Trial NCT04433245 · 4 papers") == 1  # its protocol joins it
    assert text.count("PMID <a") == 5  # every paper listed once
    assert "Trial or review protocol (" not in text
    assert "RCTs: 2 trials, 4 papers" in text
    code, out, _ = run(capsys, "report", "--therapy", "psilocybin", "--since", "2025-03-01",
                       "--until", "2025-03-31", "--format", "txt", "--output", "-")
    assert "RCTs: 2 trials, 4 papers" in out and "Trial NCT04433245 (4 papers)" in out
    code, out, _ = run(capsys, "report", "--therapy", "psilocybin", "--since", "2025-03-01",
                       "--until", "2025-03-31", "--format", "md", "--output", "-")
    assert "**Trial NCT04433245** (4 papers)" in out and "role in trial: protocol" in out


def test_rct_milestones_in_the_feed_count_trials(capsys, env, tmp_path):
    """Polled papers are grouped into trials before the snapshots are built, so an evidence
    event counts a trial's papers once: 11 RCT papers of 9 trials pass no mark of 10."""
    registered = "Trial registration: ClinicalTrials.gov NCT04433245."
    same_trial = [
        make_record(f"9000210{n}", f"Psilocybin in treatment-resistant depression: analysis {n} "
                    "of a randomized controlled trial", date(2025, 3, 3 + n), types=(RCT,),
                    author="Goodwin", abstract="Treatment-resistant depression. " + registered)
        for n in range(3)]
    others = [
        make_record(f"900022{n:02d}", f"Psilocybin dose {n} in treatment-resistant depression: a "
                    "randomized controlled trial", date(2025, 3, 10 + n), types=(RCT,),
                    author=f"Author{n}", abstract="Patients with treatment-resistant depression.")
        for n in range(8)]
    env.add_records([*same_trial, *others])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-03-31")
    assert code == 0, err

    def event_titles() -> list[str]:
        out = tmp_path / "feeds"
        code, _, err = run(capsys, "feed", "--since", "2025-03-01", "--until", "2025-04-30",
                           "--out", str(out))
        assert code == 0, err
        return re.findall(r"<title>(Psilocybin (?:has|now has)[^<]*)</title>",
                          (out / "psilocybin.xml").read_text())

    assert event_titles() == ["Psilocybin has its first randomised controlled trial."]
    env.add_records([make_record("90002300", "Psilocybin against placebo in treatment-resistant "
                                 "depression: a randomized controlled trial", date(2025, 4, 2),
                                 types=(RCT,), author="Later")])
    code, _, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-04-30")
    assert code == 0, err
    assert "Psilocybin now has 10 randomised controlled trials, past the mark of 10." in (
        event_titles())
