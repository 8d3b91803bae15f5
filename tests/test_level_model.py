"""The level model end to end: train on indexed papers, save, load, classify, reclassify,
provenance; and how its reading is combined with the rules. Accuracy lives in bench/."""

import json
import random
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from test_cli import run

from tracker.evidence import Classification, Level, classify, reclassify_all
from tracker.evidence.model import combine
from tracker.evidence.training import train_and_save
from tracker.ingest.poll import poll as ingest_poll
from tracker.pubmed.eutils import EutilsClient
from tracker.records import PublicationType
from tracker.store.database import Database
from tracker.store.models import LevelModelRow, Paper

from records_factory import RCT, make_record

SYSTEMATIC = PublicationType("D000078182", "Systematic Review")
OBSERVATIONAL = PublicationType("D064888", "Observational Study")

# Small, made-up vocabularies: enough for the pipeline to learn something, not a benchmark.
WORDS = {
    "rct": (RCT, ["allocation", "arm", "placebo", "sham", "blinded", "assigned", "masked",
                  "concealed", "trial"]),
    "sr": (SYSTEMATIC, ["pooled", "databases", "searched", "heterogeneity", "eligible",
                        "synthesis", "studies", "forest", "funnel"]),
    "obs": (OBSERVATIONAL, ["registry", "records", "cohort", "followed", "claims", "nationwide",
                            "retrospective", "linked", "hazard"]),
}


@pytest.fixture
def env(cli_env):
    """The CLI pointed at the local E-utilities server (conftest's cli_env)."""
    return cli_env


def labelled_records(per_level: int, start: int = 90_001_000, status: str = "MEDLINE"):
    """Indexed psilocybin papers whose words differ by level, with the level's publication type."""
    rng = random.Random(7)
    records, pmid = [], start
    for pt, words in WORDS.values():
        for _ in range(per_level):
            picked = " ".join(rng.sample(words, 5))
            records.append(make_record(
                str(pmid), f"Psilocybin in treatment-resistant depression: {picked}",
                date(2025, 3, 3), abstract=f"We report {picked} and {rng.choice(words)}.",
                status=status, types=(pt,)))
            pmid += 1
    return records


def stored(db_url, pmid):
    database = Database(db_url)
    try:
        with database.session() as session:
            return session.scalars(select(Paper).where(Paper.pmid == pmid)).one()
    finally:
        database.dispose()


def model_rows(db_url):
    database = Database(db_url)
    try:
        with database.session() as session:
            return session.scalar(select(func.count()).select_from(LevelModelRow))
    finally:
        database.dispose()


def poll(capsys):
    code, out, err = run(capsys, "poll", "--therapy", "psilocybin", "--until", "2025-06-30")
    assert code == 0, err
    return out


def test_train_save_load_classify_reclassify(capsys, env, db_url):
    env.add_records(labelled_records(12))
    run(capsys, "init", "--skip-references")
    poll(capsys)

    code, out, err = run(capsys, "classifier", "show")
    assert code == 0, err
    assert "No trained level model: the rules decide alone" in out

    code, out, err = run(capsys, "classifier", "train", "--min-per-level", "10",
                         "--format", "json")
    assert code == 0, err
    trained = json.loads(out)
    assert trained["version"] == "1"
    assert trained["training_size"] + trained["held_out_size"] == 36
    assert set(trained["levels"]) == {"rct", "systematic_review", "observational"}
    for who in ("model", "rules", "combined"):
        assert set(trained["scores"][who]["levels"]) == set(trained["levels"])
        assert 0 <= trained["scores"][who]["accuracy"] <= 1
    assert model_rows(db_url) == 1

    code, out, err = run(capsys, "classifier", "show")
    assert code == 0, err
    assert "Level model 1" in out and "Held-out scores" in out and "rct" in out
    shown = json.loads(run(capsys, "classifier", "show", "--format", "json")[1])["model"]
    assert shown["version"] == "1" and shown["size_bytes"] > 0

    # A new paper, not yet indexed: its text rule decides with the model beside it.
    env.add_records([make_record(
        "90002001", "Psilocybin versus placebo in treatment-resistant depression: a randomized "
        "trial", date(2025, 6, 30), abstract="Participants were assigned to placebo or sham, "
        "blinded and masked allocation.", status="Publisher", types=()),
        # no rule cue at all: the model, sure enough, gives the level alone
        make_record("90002002", "Psilocybin in treatment-resistant depression: allocation arm "
                    "masked concealed", date(2025, 6, 30),
                    abstract="We report allocation masked concealed arm.", status="Publisher",
                    types=()),
        # the rule reads "randomized"; every other word is the observational papers'
        make_record("90002003", "Psilocybin in treatment-resistant depression: a randomized "
                    "registry of records, claims, nationwide and linked", date(2025, 6, 30),
                    abstract="We report registry records followed nationwide, claims linked, "
                    "hazard retrospective.", status="Publisher", types=()),
    ])
    poll(capsys)
    alone = stored(db_url, "90002002")
    assert (alone.level, alone.level_source, alone.level_model) == ("rct", "model", "1")
    assert alone.level_reason.startswith("level model 1: randomised controlled trial (p=")
    assert "no informative publication type, MeSH or text cue" in alone.level_reason
    torn = stored(db_url, "90002003")
    assert torn.level_disagreement and torn.level_model == "1"
    assert 'title matches "randomized"' in torn.level_reason
    assert "observational" in torn.level_reason and torn.level_confidence < 0.5
    paper = stored(db_url, "90002001")
    assert paper.level_model == "1"
    assert paper.level_source in ("text+model", "model")
    assert "level model 1" in paper.level_reason
    assert not paper.level_disagreement
    assert "randomized" in paper.level_reason.lower()  # the rule's reason stays as explanation
    # indexed papers keep their publication type's decision, untouched by the model
    indexed = stored(db_url, "90001000")
    assert (indexed.level_source, indexed.level_model) == ("publication_type", None)

    code, out, err = run(capsys, "reclassify")
    assert code == 0, err
    out = " ".join(out.split())  # the terminal width may wrap the line
    assert "Reclassified 39 papers; 0 changed level" in out
    assert "Level model 1: rules alone 36" in out and "model alone 1" in out
    assert "1 disagreement(s)" in out
    again = stored(db_url, "90002001")
    assert (again.level, again.level_source, again.level_confidence) == (
        paper.level, paper.level_source, paper.level_confidence)

    # the report says which decided
    code, out, err = run(capsys, "report", "--since", "2025-06-01", "--until", "2025-06-30",
                         "--format", "json", "--output", "-")
    assert code == 0, err
    assert "+model" in out or '"model"' in out


def test_train_twice_gives_a_new_current_version(capsys, env, db_url):
    env.add_records(labelled_records(10))
    run(capsys, "init", "--skip-references")
    poll(capsys)
    for expected in ("1", "2"):
        code, out, err = run(capsys, "classifier", "train", "--min-per-level", "10")
        assert code == 0, err
        assert f"Saved level model {expected}" in out
    assert model_rows(db_url) == 2
    assert "Level model 2" in run(capsys, "classifier", "show")[1]


def test_training_refuses_a_store_with_too_few_indexed_papers(capsys, env, db_url):
    env.add_records(labelled_records(4))
    run(capsys, "init", "--skip-references")
    poll(capsys)
    code, out, err = run(capsys, "classifier", "train")
    assert code == 1
    assert len(err.strip().splitlines()) == 1
    assert "need 20 or more indexed papers each" in err
    assert "rct 4" in err
    assert model_rows(db_url) == 0
    code, _, err = run(capsys, "classifier", "train", "--min-per-level", "2")
    assert code == 2 and "--min-per-level" in err and len(err.strip().splitlines()) == 1
    assert model_rows(db_url) == 0


def test_classifier_refuses_an_uninitialised_database(capsys, env, db_url):
    code, _, err = run(capsys, "classifier", "train")
    assert code == 1 and "run `tracker init`" in err
    assert not Database(db_url).current_revision()  # nothing was created or migrated


def test_without_a_model_the_rules_decide_alone(capsys, env, db_url):
    env.add_records([make_record("90000321", "Psilocybin versus placebo in treatment-resistant "
                                 "depression: a randomized controlled trial", date(2025, 3, 10),
                                 status="Publisher")])
    run(capsys, "init", "--skip-references")
    poll(capsys)
    code, out, err = run(capsys, "reclassify")
    assert code == 0, err
    assert "No trained level model: the rules decided alone." in out
    paper = stored(db_url, "90000321")
    assert (paper.level_source, paper.level_model, paper.level_disagreement) == (
        "text", None, False)


# --- combining, on plain data ---------------------------------------------------------------

RULE_RCT = Classification(Level.RCT, "text", 0.85, 'title matches "randomized"')
WEAK_OBS = Classification(Level.OBSERVATIONAL, "text", 0.45, 'abstract matches "patients"')
NO_CUE = Classification(Level.UNCLASSIFIED, "none", 0.0, "no informative cue (status Publisher)")


def test_agreement_takes_the_models_probability_as_confidence():
    found = combine(RULE_RCT, {Level.RCT: 0.93, Level.OBSERVATIONAL: 0.07}, "4", indexed=False)
    assert (found.level, found.source, found.confidence) == (Level.RCT, "text+model", 0.93)
    assert found.reason.startswith('title matches "randomized"')
    assert "model 4 agrees (p=0.93)" in found.reason
    assert not found.disagreement and found.model_version == "4"


def test_disagreement_lowers_confidence_and_marks_the_paper():
    found = combine(RULE_RCT, {Level.RCT: 0.3, Level.OBSERVATIONAL: 0.7}, "4", indexed=False)
    assert found.level is Level.RCT  # a strong rule keeps its level
    assert found.confidence == 0.15
    assert found.disagreement and "disagrees" in found.reason


def test_a_very_sure_model_replaces_even_a_strong_rule():
    found = combine(RULE_RCT, {Level.RCT: 0.04, Level.OBSERVATIONAL: 0.96}, "4", indexed=False)
    assert (found.level, found.source, found.disagreement) == (Level.OBSERVATIONAL, "model", True)
    assert found.confidence == 0.48
    assert 'title matches "randomized"' in found.reason  # the rule's reading stays visible


def test_a_sure_model_replaces_a_weak_rule_and_says_so():
    found = combine(WEAK_OBS, {Level.RCT: 0.84, Level.OBSERVATIONAL: 0.16}, "4", indexed=False)
    assert (found.level, found.source, found.disagreement) == (Level.RCT, "model", True)
    assert found.confidence == 0.42
    assert 'abstract matches "patients"' in found.reason


def test_model_decides_where_no_rule_matched_only_when_sure():
    sure = combine(NO_CUE, {Level.RCT: 0.8, Level.OBSERVATIONAL: 0.2}, "4", indexed=False)
    assert (sure.level, sure.source, sure.confidence) == (Level.RCT, "model", 0.8)
    unsure = combine(NO_CUE, {Level.RCT: 0.4, Level.OBSERVATIONAL: 0.35,
                              Level.SYSTEMATIC_REVIEW: 0.25}, "4", indexed=False)
    assert (unsure.level, unsure.source) == (Level.UNCLASSIFIED, "none")
    assert "too unsure" in unsure.reason


def test_indexed_papers_notices_and_unlearnt_levels_keep_the_rules():
    probabilities = {Level.RCT: 0.1, Level.OBSERVATIONAL: 0.9}
    assert combine(RULE_RCT, probabilities, "4", indexed=True) == RULE_RCT
    notice = Classification(Level.UNCLASSIFIED, "text", 0.8, "retraction notice",
                            notice_kind="retraction")
    assert combine(notice, probabilities, "4", indexed=False) == notice
    protocol = Classification(Level.PROTOCOL, "text", 0.85, "title matches \"protocol\"")
    kept = combine(protocol, probabilities, "4", indexed=False)
    assert (kept.level, kept.confidence, kept.disagreement) == (Level.PROTOCOL, 0.85, False)
    assert "has not learnt" in kept.reason


def test_classify_without_a_model_is_unchanged():
    record = make_record("1", "Ketamine versus placebo: a randomized trial", date(2025, 1, 1),
                         status="Publisher", types=())
    assert classify(record) == classify(record, None)
    assert classify(record).model_version is None


# --- the library on each backend (on PostgreSQL the model's bytes round-trip through bytea) ---


def test_train_save_and_apply_through_the_library(db, baseline, eutils_server, settings):
    db.migrate()
    eutils_server.add_records(labelled_records(10))
    client = EutilsClient(settings)
    ingest_poll(db, client, baseline, therapy_ids=["psilocybin"], today=date(2025, 6, 30))
    report = train_and_save(db, now=datetime(2025, 7, 1), min_per_level=10)
    assert report.version == "1" and report.training_size + report.held_out_size == 30
    eutils_server.add_records([make_record(
        "90002002", "Psilocybin in treatment-resistant depression: allocation arm placebo",
        date(2025, 6, 30), abstract="Sham blinded masked trial.", status="Publisher", types=())])
    ingest_poll(db, client, baseline, therapy_ids=["psilocybin"], today=date(2025, 6, 30))
    with db.session() as session:
        paper = session.scalars(select(Paper).where(Paper.pmid == "90002002")).one()
        assert paper.level_model == "1"
        assert "model 1" in paper.level_reason
        counts = reclassify_all(session, now=datetime(2025, 7, 2))
    assert counts["model_version"] == "1" and counts["rules"] == 30


def test_indexing_hands_the_decision_back_to_publication_types(db, baseline, eutils_server,
                                                               settings):
    from tracker.ingest.refresh import refresh
    from tracker.store.models import PaperChange

    def at(day):
        return lambda: datetime(day.year, day.month, day.day, 6, 0)

    trial = dict(title="Psilocybin versus placebo in treatment-resistant depression: a "
                 "randomized trial", abstract="Participants were assigned to placebo or sham.")
    eutils_server.add_records([*labelled_records(10), make_record(
        "90002004", trial["title"], date(2025, 5, 20), abstract=trial["abstract"],
        status="Publisher", types=())])
    client = EutilsClient(settings)
    polled = date(2025, 6, 1)
    ingest_poll(db, client, baseline, therapy_ids=["psilocybin"], since=date(2025, 3, 1),
                today=polled, now=at(polled))
    train_and_save(db, now=datetime(2025, 6, 1), min_per_level=10)
    ingest_poll(db, client, baseline, therapy_ids=["psilocybin"], since=date(2025, 3, 1),
                today=polled, now=at(polled))
    with db.session() as session:
        reclassify_all(session, now=datetime(2025, 6, 1))  # the model reads the stored paper
        before = session.scalars(select(Paper).where(Paper.pmid == "90002004")).one()
        assert (before.level_model, before.level_source) == ("1", "text+model")

    eutils_server.add_records([make_record(
        "90002004", trial["title"], date(2025, 5, 20), abstract=trial["abstract"],
        status="MEDLINE", types=(RCT,), date_revised=date(2025, 6, 20))])
    today = date(2025, 6, 30)
    assert refresh(db, client, baseline, today=today, now=at(today)).status == "ok"
    with db.session() as session:
        after = session.scalars(select(Paper).where(Paper.pmid == "90002004")).one()
        assert (after.level, after.level_source, after.level_model, after.level_disagreement) == (
            "rct", "publication_type", None, False)
        change = session.scalars(select(PaperChange).where(
            PaperChange.paper_id == after.id, PaperChange.field == "level_source")).one()
        assert (change.old, change.new) == ("text+model", "publication_type")


def test_monthly_retrain_job_trains_and_reclassifies(capsys, env, db_url, tmp_path,
                                                      monkeypatch):
    """The scheduled retrain is `tracker jobs run retrain`: a model saved as current, every
    paper reclassified; on a store with too few indexed papers it fails with the counts."""
    schedule = tmp_path / "schedule.toml"
    schedule.write_text('[job.retrain]\ncron = "0 4 2 * *"\nargs = { min_per_level = 10 }\n')
    monkeypatch.setenv("TRACKER_SCHEDULE", str(schedule))
    run(capsys, "init", "--skip-references")
    code, _, err = run(capsys, "jobs", "run", "retrain")
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert "indexed papers" in err and model_rows(db_url) == 0

    env.add_records(labelled_records(10))
    poll(capsys)
    code, out, err = run(capsys, "jobs", "run", "retrain")
    assert code == 0, err
    assert "job retrain: ok" in out and "level model 1 trained" in out
    assert model_rows(db_url) == 1
    assert "Level model 1" in run(capsys, "classifier", "show")[1]


def test_batches_derived_ahead_are_derived_as_the_writer_would(db, baseline, eutils_server,
                                                               settings):
    """A poll's worker parses each record again from its own XML (a record built without XML
    travels whole) and keeps the level model once sent: every batch it derives has exactly
    the columns the writing process would derive, read with the current model."""
    import io
    from dataclasses import replace

    from tracker.evidence import load_current_model
    from tracker.ingest.ahead import BatchesAhead
    from tracker.ingest.papers import derive_columns
    from tracker.pubmed.parse import iter_records
    from tracker.pubmed.xmlwrite import write_articleset

    db.migrate()
    eutils_server.add_records(labelled_records(10))
    ingest_poll(db, EutilsClient(settings), baseline, therapy_ids=["psilocybin"],
                today=date(2025, 6, 30))
    train_and_save(db, now=datetime(2025, 7, 1), min_per_level=10)
    unindexed = labelled_records(3, start=90_004_000, status="Publisher")
    unindexed = [replace(r, publication_types=()) for r in unindexed]
    xml = io.BytesIO()
    write_articleset(unindexed, xml)
    records = list(iter_records(io.BytesIO(xml.getvalue())))
    assert all(r.raw_xml for r in records)
    records[4] = replace(records[4], raw_xml=b"")  # built, not parsed: sent whole

    written = []
    with BatchesAhead(db, lambda batch, derived: written.append((batch, derived))) as ahead:
        for start in range(0, len(records), 3):
            ahead.add(records[start:start + 3])
    derived_ahead = [(batch, derived) for batch, derived in written if derived is not None]
    assert len(derived_ahead) == 2 and sum(len(b) for b, _ in written) == len(records)
    with db.session() as session:
        model = load_current_model(session)
    for batch, derived in derived_ahead:
        here = derive_columns(batch, model)
        assert derived.model_version == here.model_version == "1"
        assert derived.columns == here.columns and derived.json == here.json
    assert any(c["level_model"] == "1" for _, d in derived_ahead for c in d.columns.values())
