"""Sharper queries: the query test set through the local server, the post-filters, and dropped
papers visible in `tracker therapies --dropped`."""

import json
import runpy
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.evidence import LinkText, screen
from tracker.store.database import Database
from tracker.store.models import TherapyPaper, TherapyScreen

from cli_run import run
from records_factory import make_record

BENCH = Path(__file__).parents[1] / "bench"




@pytest.fixture
def query_bench():
    return runpy.run_path(str(BENCH / "bench_queries.py"), run_name="bench_queries")


@pytest.mark.parametrize("extra", [False, True], ids=["seed therapies", "with the extra set"])
def test_every_therapy_has_precision_and_recall_one_on_the_query_test_set(query_bench, extra):
    from bench.query_cases import CASES, records
    from tracker.baseline import load_baseline
    from tracker.config import default_seeds_dir
    from tracker.demo.server import EutilsServer

    baseline = load_baseline(default_seeds_dir(), extra_therapies=extra)
    assert len(baseline.therapies) == (21 if extra else 15)

    with EutilsServer(records(), today=date(2025, 6, 30)) as server:
        scores = query_bench["measure"](baseline, server.url)
    by_therapy = {s.therapy: s for s in scores}
    assert set(by_therapy) == {t.id for t in baseline.therapies}
    for score in scores:
        assert score.relevant >= 1, f"{score.therapy} has no true positive in the test set"
        assert (score.precision, score.recall) == (1.0, 1.0), score
    # the false-positive patterns reach the queries or filters, and the filters say why
    reasons = {pmid: reason for s in scores for pmid, reason in s.dropped}
    assert "route oral" in reasons["98000013"]
    assert "anaesthetic for ECT" in reasons["98000015"]
    assert "least significant difference" in reasons["98000021"]
    assert "pharmacokinetic" in reasons["98000023"]
    assert "background" in reasons["98000027"]
    tags = dict(by_therapy["vns"].tags)
    assert tags == {c.pmid: c.vns_tag for c in CASES if c.vns_tag}


@pytest.mark.parametrize(
    ("therapy", "title", "abstract", "dropped"),
    [
        ("ketamine", "Ketamine in treatment-resistant depression",
         "Ketamine 0.5 mg/kg was given intravenously.", False),
        ("ketamine", "Ketamine in treatment-resistant depression",
         "Ketamine was given as sublingual lozenges.", True),
        ("ketamine", "Oral ketamine in DSM-IV major depression", "Oral ketamine daily.", True),
        ("ketamine", "Ketamine IV or oral?", "Ketamine given IV and then orally.", False),
        ("ketamine", "Arketamine in treatment-resistant depression",
         "Arketamine was infused over 40 minutes.", False),
        ("lsd", "LSD-assisted therapy", "Lysergic acid diethylamide; Fisher's LSD test.", False),
        ("lsd", "Psilocybin in TRD", "Psychedelic therapy; Fisher's LSD test.", True),
        ("pharmacogenomics", "CYP2D6-guided dosing", "Genotype-guided dosing; pharmacokinetic "
         "modelling.", False),
        ("ssri", "Sertraline versus psilocybin", "Patients continuing SSRIs.", False),
        ("cbt", "Anything", "Anything at all.", None),
    ],
)
def test_rules_decide_on_the_record_text(therapy, title, abstract, dropped):
    verdict = screen(therapy, LinkText(title, abstract),
                     {"psilocybin": "Psilocybin"} if "psilocybin" in title.lower() else {})
    if dropped is None:
        assert verdict is None
    else:
        assert bool(verdict and verdict.dropped) is dropped, verdict


@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


def test_dropped_papers_are_stored_not_counted_and_listed(capsys, env, db_url):
    env.add_records([
        make_record("90000901", "Intravenous ketamine for treatment-resistant depression",
                    date(2025, 3, 10), abstract="Ketamine infusions in treatment-resistant "
                    "depression."),
        make_record("90000902", "Oral ketamine [red]for[/red] treatment-resistant depression",
                    date(2025, 3, 11), abstract="Oral ketamine tablets in treatment-resistant "
                    "depression."),
        make_record("90000903", "Transcutaneous auricular vagus nerve stimulation in "
                    "treatment-resistant depression", date(2025, 3, 12),
                    abstract="taVNS at the ear in treatment-resistant depression."),
    ])
    assert run(capsys, "init", "--skip-references")[0] == 0
    for therapy in ("ketamine", "vns"):
        code, _, err = run(capsys, "poll", "--therapy", therapy, "--until", "2025-06-30")
        assert code == 0, err
    code, out, _ = run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")
    assert code == 0  # a second poll re-covers the window: nothing is screened twice

    database = Database(db_url)
    with database.session() as session:
        links = set(session.execute(select(TherapyPaper.therapy_id, TherapyPaper.paper_id)))
        screens = session.scalars(select(TherapyScreen)).all()
    database.dispose()
    assert len(links) == 2  # IV ketamine and taVNS; oral ketamine is not linked
    assert sorted((s.therapy_id, s.rule, s.dropped, s.tag) for s in screens) == [
        ("ketamine", "ketamine.route", True, None),
        ("vns", "vns.variant", False, "transcutaneous auricular"),
    ]

    code, out, _ = run(capsys, "therapies", "--dropped")
    assert code == 0
    assert "90000902" in out and "route oral" in out and "[red]for" in out  # not markup
    assert "90000901" not in out
    code, out, _ = run(capsys, "therapies", "--dropped", "--format", "json")
    rows = json.loads(out)
    assert [(r["therapy"], r["pmid"], r["rule"]) for r in rows] == [
        ("ketamine", "90000902", "ketamine.route")]
    code, out, _ = run(capsys, "therapies")
    assert "vns: 1 transcutaneous auricular" in out
    code, out, _ = run(capsys, "therapies", "--format", "json")
    papers = {r["id"]: r["papers"] for r in json.loads(out)}
    assert papers["ketamine"] == 1 and papers["vns"] == 1 and "pathway:circuit" in papers


def test_dropped_with_an_unknown_therapy_is_one_line(capsys, env):
    run(capsys, "init", "--skip-references")
    code, _, err = run(capsys, "therapies", "--dropped", "--therapy", "nope")
    assert code != 0 and "unknown therapy 'nope'" in err and len(err.strip().splitlines()) == 1


def test_the_extra_set_is_off_by_default_and_on_with_one_setting(capsys, env, monkeypatch):
    code, out, _ = run(capsys, "init", "--skip-references")
    assert code == 0
    code, _, err = run(capsys, "poll", "--therapy", "ect", "--dry-run")
    assert code != 0 and "unknown therapy 'ect'" in err
    monkeypatch.setenv("TRACKER_EXTRA_THERAPIES", "1")
    code, out, err = run(capsys, "init", "--skip-references")
    assert code == 0, err
    code, out, _ = run(capsys, "therapies", "--format", "json")
    ids = [t["id"] for t in json.loads(out)]
    assert {"ect", "mst", "nitrous_oxide", "dextromethorphan_bupropion", "sga_augmentation",
            "lithium_augmentation"} <= set(ids)
    code, out, err = run(capsys, "poll", "--therapy", "ect", "--until", "2025-06-30")
    assert code == 0, err
    monkeypatch.setenv("TRACKER_EXTRA_THERAPIES", "maybe")
    code, _, err = run(capsys, "therapies")
    assert code != 0 and "extra_therapies" in err and len(err.strip().splitlines()) == 1


def test_reclassify_applies_the_current_rules_to_stored_links(capsys, env, db_url):
    """Links stored before a rule existed are dropped; a drop the rules no longer make is undone."""
    from datetime import datetime

    from sqlalchemy import delete

    from tracker.store.models import Paper

    env.add_records([
        make_record("90000951", "Oral ketamine in treatment-resistant depression",
                    date(2025, 3, 1), abstract="Oral ketamine tablets were given."),
        make_record("90000952", "Intravenous ketamine in treatment-resistant depression",
                    date(2025, 3, 2), abstract="Ketamine infusions were given."),
    ])
    run(capsys, "init", "--skip-references")
    assert run(capsys, "poll", "--therapy", "ketamine", "--until", "2025-06-30")[0] == 0
    now = datetime(2025, 7, 1)
    database = Database(db_url)
    with database.session() as session:  # as an older version, or older rules, left them
        ids = dict(session.execute(select(Paper.pmid, Paper.id)).all())
        oral, iv = ids["90000951"], ids["90000952"]
        session.execute(delete(TherapyScreen))
        session.execute(delete(TherapyPaper).where(TherapyPaper.paper_id == iv))
        session.add(TherapyPaper(therapy_id="ketamine", paper_id=oral, first_found_at=now))
        session.add(TherapyScreen(therapy_id="ketamine", paper_id=iv, rule="ketamine.old_rule",
                                  dropped=True, reason="an old rule", screened_at=now))
    code, out, err = run(capsys, "reclassify")
    assert code == 0, err
    assert "1 link(s) dropped, 1 restored" in out
    with database.session() as session:
        links = set(session.execute(select(TherapyPaper.therapy_id, TherapyPaper.paper_id)).all())
        screens = session.scalars(select(TherapyScreen)).all()
        assert [(s.paper_id, s.rule) for s in screens] == [(oral, "ketamine.route")]
    assert links == {("ketamine", iv)}
    code, out, _ = run(capsys, "reclassify")
    assert "0 link(s) dropped, 0 restored" in out
    database.dispose()
