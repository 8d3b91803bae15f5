"""Pathways polled like therapies: their own queries, watermarks, and the report's section."""

import json
from datetime import date

import pytest
from sqlalchemy import select

from tracker.errors import BaselineError
from tracker.store.database import Database
from tracker.store.models import TherapyPaper, Watermark

from cli_run import run
from records_factory import RCT, make_record


@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


def test_every_pathway_has_a_query_with_tiab_markers(baseline):
    assert {t.id for t in baseline.pathway_targets} == {
        "pathway:glutamatergic", "pathway:neuroinflammation", "pathway:hpa_axis",
        "pathway:neurotrophic", "pathway:circuit", "pathway:serotonergic"}
    for target in baseline.pathway_targets:
        assert "[tiab]" in target.query and target.full_query.endswith(f"({baseline.condition})")
        assert target.category == "pathway"


def test_a_pathway_query_without_tiab_terms_is_rejected(tmp_path):
    import shutil

    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir

    seeds = tmp_path / "seeds"
    shutil.copytree(default_seeds_dir(), seeds)
    text = (seeds / "therapies.toml").read_text()
    text = text.replace(' OR "5-HT2A"[tiab] OR "serotonin 2A"[tiab]', "")
    (seeds / "therapies.toml").write_text(text)
    with pytest.raises(BaselineError, match=r"pathway #6 \(serotonergic\): query has no \[tiab\]"):
        load_baseline(seeds)


def test_pathways_are_polled_with_their_own_watermarks_and_reported(capsys, env, db_url):
    env.add_records([
        make_record("90002001", "Interleukin-6 and CRP in treatment-resistant depression",
                    date(2025, 3, 10), abstract="Serum IL-6 and C-reactive protein were higher "
                    "in patients with treatment-resistant depression than in responders."),
        make_record("90002002", "Intravenous ketamine in treatment-resistant depression: a "
                    "randomized trial", date(2025, 3, 12), types=(RCT,),
                    abstract="Ketamine infusions, an NMDA receptor antagonist acting on glutamate "
                    "signalling, in treatment-resistant depression."),
        make_record("90002003", "Hair cortisol in treatment-resistant depression",
                    date(2025, 3, 14), abstract="Cortisol and the HPA axis in rats and patients "
                    "with treatment-resistant depression."),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    code, out, _ = run(capsys, "report", "--since", "2025-03-01", "--until", "2025-03-31",
                       "--format", "json", "--output", "-")
    assert code == 0
    assert all(p["new"] is None for p in json.loads(out)["pathways"])  # nothing polled yet

    code, out, err = run(capsys, "poll", "--until", "2025-03-31")
    assert code == 0, err
    assert "pathway:neuroinflammation" in out
    database = Database(db_url)
    with database.session() as session:
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
        links = set(session.execute(select(TherapyPaper.therapy_id, TherapyPaper.paper_id)).all())
    database.dispose()
    assert marks["pathway:hpa_axis"] == date(2025, 3, 31) and marks["ketamine"] == date(2025, 3, 31)
    assert {t for t, _ in links} >= {"pathway:neuroinflammation", "pathway:glutamatergic",
                                     "pathway:hpa_axis", "ketamine"}

    code, out, err = run(capsys, "report", "--since", "2025-03-01", "--until", "2025-03-31",
                         "--format", "json", "--output", "-")
    assert code == 0, err
    pathways = {p["id"]: p for p in json.loads(out)["pathways"]}
    assert pathways["neuroinflammation"]["new"] == 1
    assert pathways["neuroinflammation"]["also_found_by"] == []
    assert pathways["glutamatergic"]["new_by_level"]["rct"] == 1
    assert pathways["glutamatergic"]["also_found_by"] == [
        {"therapy": "Intravenous ketamine", "papers": 1}]
    assert pathways["hpa_axis"]["new"] == 1
    assert pathways["serotonergic"]["new"] == 0  # polled, nothing found: a real zero

    code, out, _ = run(capsys, "poll", "--therapy", "pathway:circuit", "--until", "2025-04-30")
    assert code == 0 and "pathway:circuit" in out
    code, out, _ = run(capsys, "report", "--since", "2025-04-01", "--until", "2025-04-30",
                       "--format", "txt", "--output", "-")
    assert "Circuit dysfunction: 0 new" in out
    assert "HPA axis / cortisol: 0 new, 1 in all; also found by: none; polled only through " \
        "2025-03-31" in " ".join(out.split())
    code, out, _ = run(capsys, "therapies")
    assert "pathway:circuit" in out and "2025-04-30" in out


def test_init_backfills_each_pathways_whole_history(capsys, env, db_url):
    """A pathway is polled like a therapy from the start: `tracker init` searches its whole
    PubMed history too, so its counts are of the literature, not of the database."""
    from tracker.evidence import coverage

    env.add_records([make_record(
        "90002101", "Hair cortisol in treatment-resistant depression", date(2014, 5, 6),
        abstract="Cortisol and the HPA axis in patients with treatment-resistant depression.")])
    code, out, err = run(capsys, "init")
    assert code == 0, err
    assert "whole PubMed history" in out or "searched back to the start of PubMed" in out
    database = Database(db_url)
    with database.session() as session:
        found = coverage(session, ["pathway:hpa_axis", "pathway:circuit"], date(2025, 6, 30),
                         date(2025, 6, 30))
        hpa = set(session.scalars(select(TherapyPaper.paper_id)
                                  .where(TherapyPaper.therapy_id == "pathway:hpa_axis")))
    database.dispose()
    assert {"pathway:hpa_axis", "pathway:circuit"} <= set(found.history_complete)
    assert len(hpa) == 1  # the 2014 paper, found by the history backfill
