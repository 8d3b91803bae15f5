"""The review queue through the `tracker` command: flags, decisions, history, undo, export,
PRISMA counts, and decisions that survive a new version of the record and a merge."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.evidence import decide as decide_duplicate
from tracker.ingest.papers import upsert_records
from tracker.review import load_screened, polled_through, prisma_counts
from tracker.store.database import Database
from tracker.store.models import DuplicateLink, Paper, ReviewDecision, ReviewFlag

from cli_run import initialised, run
from review_data import (
    CHART_REVIEW,
    DUPLICATE_A,
    DUPLICATE_B,
    NOW,
    OBSERVATIONAL,
    PAIN_TRIAL,
    TRD_TRIAL,
    fill,
    records,
    rewritten,
)


@pytest.fixture
def env(monkeypatch, tmp_path, db_url, capsys):
    config = tmp_path / "tracker.toml"
    config.write_text('[review]\nmin_confidence = 0.85\n'
                      'exclusion_reasons = ["wrong population", "wrong intervention", "other"]\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    database = initialised(capsys, monkeypatch, db_url)
    fill(database)
    yield database
    database.dispose()


def queue_json(capsys, *options):
    code, out, err = run(capsys, "queue", "list", "--format", "json", *options)
    assert code == 0, err
    return {row["pmid"]: row for row in json.loads(out)}


def test_flags_decisions_history_and_report(capsys, env):
    listed = queue_json(capsys, "--status", "all")
    assert listed[PAIN_TRIAL]["reasons"] == ["new_rct", "doubtful_relevance"]
    assert listed[TRD_TRIAL]["reasons"] == ["new_rct"]
    assert "low_confidence_level" in listed[CHART_REVIEW]["reasons"]
    assert "possible_duplicate" in listed[DUPLICATE_A]["reasons"]
    row = listed[PAIN_TRIAL]
    assert set(row) == {"pmid", "title", "therapies", "reasons", "status", "level",
                        "decided_by", "decided_at"}
    assert row["therapies"] == ["ketamine"] and row["status"] == "open" and row["level"] == "rct"
    assert list(queue_json(capsys, "--reason", "doubtful_relevance")) == [PAIN_TRIAL]
    assert set(queue_json(capsys, "--therapy", "esketamine")) == {CHART_REVIEW, DUPLICATE_A,
                                                                   DUPLICATE_B}

    code, out, err = run(capsys, "queue", "decide", PAIN_TRIAL, "exclude", "--reason",
                         "wrong population", "--note", "knee surgery", "--reviewer", "alice")
    assert code == 0, err
    assert PAIN_TRIAL not in queue_json(capsys)
    decided = queue_json(capsys, "--status", "decided")
    assert decided[PAIN_TRIAL]["status"] == "excluded"
    assert decided[PAIN_TRIAL]["decided_by"] == "alice"

    code, out, _ = run(capsys, "queue", "show", PAIN_TRIAL)
    assert "Decision: exclude by alice" in out and "wrong population; knee surgery" in out
    assert "doubtful_relevance:" in out and "postsurgical pain" in out

    code, out, err = run(capsys, "report", "--since", "2025-03-03", "--until", "2025-03-09",
                         "--format", "json", "--output", "-")
    assert code == 0, err
    report = json.loads(out)
    ketamine = next(t for t in report["therapies"] if t["id"] == "ketamine")
    assert [p["pmid"] for p in ketamine["highlights"]] == [TRD_TRIAL]
    assert [p["pmid"] for p in report["excluded"]] == [PAIN_TRIAL]
    prisma = report["prisma"]
    assert prisma["by_therapy"]["ketamine"] == {
        "identified": 2, "duplicates_removed": 0, "screened": 2, "excluded": 1,
        "excluded_by_reason": {"wrong population": 1}, "included": 0, "awaiting": 1}
    assert prisma["by_therapy"]["rtms"] is None  # never polled: not a zero
    for fmt, heading in (("md", "## Screening (PRISMA)"), ("txt", "SCREENING (PRISMA)")):
        code, out, _ = run(capsys, "report", "--since", "2025-03-03", "--until", "2025-03-09",
                           "--format", fmt, "--output", "-")
        assert heading in out and "not polled" in out

    code, out, _ = run(capsys, "queue", "stats", "--since", "2025-03-03", "--until",
                       "2025-03-09", "--format", "json")
    stats = json.loads(out)["window"]
    assert stats["total"]["excluded"] == 1 and stats["total"]["identified"] == 5

    # undo: back to open, and the history keeps both steps
    code, out, err = run(capsys, "queue", "undo", PAIN_TRIAL, "--reviewer", "bob")
    assert code == 0 and "now undecided" in out, err
    assert queue_json(capsys)[PAIN_TRIAL]["status"] == "open"
    code, out, _ = run(capsys, "queue", "show", PAIN_TRIAL)
    assert "decided exclude by alice" in out and "undid exclude by bob" in out


def test_decisions_survive_a_new_version_and_follow_a_merge(capsys, env):
    assert run(capsys, "queue", "decide", TRD_TRIAL, "include", "--reviewer", "alice")[0] == 0
    assert run(capsys, "queue", "decide", DUPLICATE_B, "exclude", "--reason", "other",
               "--reviewer", "alice")[0] == 0
    assert run(capsys, "queue", "decide", DUPLICATE_A, "include", "--reviewer", "bob")[0] == 0

    # a refresh brings a new version of the TRD trial, and indexing moves the chart review's
    # level from text rules to publication types
    stored = {r.pmid: r for r in records()}
    newer = rewritten(stored[TRD_TRIAL], version=2, title=stored[TRD_TRIAL].title + " (v2)")
    chart = rewritten(stored[CHART_REVIEW], publication_types=(OBSERVATIONAL,))
    with env.session() as session:
        result = upsert_records(session, [newer, chart], run_id=None, now=NOW)
        assert set(result.updated) == {TRD_TRIAL, CHART_REVIEW}
        link = session.scalar(select(DuplicateLink))
        decide_duplicate(session, link.id, "confirm", who="alice", note=None, now=NOW)

    listed = queue_json(capsys, "--status", "all")
    assert listed[TRD_TRIAL]["status"] == "included"
    assert CHART_REVIEW not in listed  # its only reason dropped off: it left the queue
    code, out, _ = run(capsys, "queue", "show", CHART_REVIEW)
    assert "flag low_confidence_level dropped" in out and "from publication_type" in out
    # the merged record's exclusion meets the canonical record's inclusion: a conflict
    assert DUPLICATE_B not in listed
    assert "decision_conflict" in listed[DUPLICATE_A]["reasons"]
    code, out, _ = run(capsys, "queue", "show", DUPLICATE_B)  # a merged PMID shows its canonical
    assert f"PMID {DUPLICATE_A}" in out and f"merged PMID {DUPLICATE_B}" in out


def test_a_decision_on_a_merged_paper_is_carried_to_its_canonical_record(capsys, env):
    assert run(capsys, "queue", "decide", DUPLICATE_B, "exclude", "--reason", "other",
               "--reviewer", "alice")[0] == 0
    with env.session() as session:
        link = session.scalar(select(DuplicateLink))
        decide_duplicate(session, link.id, "confirm", who="alice", note=None, now=NOW)
    listed = queue_json(capsys, "--status", "decided")
    assert listed[DUPLICATE_A]["status"] == "excluded"
    assert listed[DUPLICATE_A]["decided_by"] == "alice"
    assert queue_json(capsys, "--status", "decided") == listed  # idempotent: carried once
    with env.session() as session:
        assert session.scalar(select(func.count()).select_from(ReviewDecision)) == 2
    code, out, _ = run(capsys, "queue", "undo", DUPLICATE_A, "--reviewer", "bob")
    assert code == 0 and "now undecided" in out
    after_undo = queue_json(capsys, "--status", "all")[DUPLICATE_A]
    assert after_undo["status"] == "open"  # not carried again
    assert "decision_conflict" in after_undo["reasons"]  # the merged record is still excluded


def test_export_has_the_columns_screening_tools_import(capsys, env, tmp_path):
    run(capsys, "queue", "decide", TRD_TRIAL, "include", "--reviewer", "alice")
    run(capsys, "queue", "decide", PAIN_TRIAL, "exclude", "--reason", "wrong population",
        "--reviewer", "alice")
    code, out, err = run(capsys, "queue", "export")
    assert code == 0, err
    rows = {r["pmid"]: r for r in csv.DictReader(io.StringIO(out))}
    assert {"title", "abstract", "doi", "pmid", "included"} <= set(next(iter(rows.values())))
    assert rows[TRD_TRIAL]["included"] == "1" and rows[PAIN_TRIAL]["included"] == "0"
    assert rows[CHART_REVIEW]["included"] == ""
    assert "randomised to ketamine" in rows[PAIN_TRIAL]["abstract"]


@pytest.mark.parametrize(("argv", "message"), [
    (("queue", "decide", PAIN_TRIAL, "exclude"), "excluding needs --reason"),
    (("queue", "decide", PAIN_TRIAL, "exclude", "--reason", "boring"),
     "unknown exclusion reason 'boring'"),
    (("queue", "decide", "12345", "include"), "PMID 12345 is not tracked"),
    (("queue", "decide", "abc", "include"), "'abc' is not a PMID"),
    (("queue", "undo", TRD_TRIAL), "has no decision to undo"),
    (("queue", "list", "--therapy", "ect"), "unknown therapy 'ect'"),
])
def test_bad_input_is_one_line_and_changes_nothing(capsys, env, argv, message):
    queue_json(capsys)  # flags raised once, so only the command under test could change rows
    with env.session() as session:
        before = (session.scalar(select(func.count()).select_from(ReviewDecision)),
                  session.scalar(select(func.count()).select_from(ReviewFlag)),
                  sorted(session.execute(select(Paper.pmid, Paper.inclusion)).all()))
    code, out, err = run(capsys, *argv)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err
    with env.session() as session:
        after = (session.scalar(select(func.count()).select_from(ReviewDecision)),
                 session.scalar(select(func.count()).select_from(ReviewFlag)),
                 sorted(session.execute(select(Paper.pmid, Paper.inclusion)).all()))
    assert after == before


def test_queue_on_an_uninitialised_database_says_what_to_do(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TRACKER_DATABASE_URL", f"sqlite:///{tmp_path / 'nothing.db'}")
    code, _, err = run(capsys, "queue", "list")
    assert code == 1 and "not initialised: run `tracker init`" in err


def test_serve_without_a_secret_refuses_to_start(capsys, env):
    code, _, err = run(capsys, "serve", "--port", "8999")
    assert code == 1 and "needs a session secret" in err and "TRACKER_SECRET_KEY" in err
    assert len(err.strip().splitlines()) == 1


def test_users_add_hashes_the_password_and_refuses_a_short_one(capsys, env, monkeypatch):
    from tracker.review import check_password
    from tracker.store.models import Reviewer

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "users", "add", "alice")
    assert code == 1 and "password too short" in err
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough secret\n"))
    code, out, err = run(capsys, "users", "add", "alice")
    assert code == 0, err
    with env.session() as session:
        stored = session.scalar(select(Reviewer.password_hash))
        assert stored.startswith("$argon2") and "a long enough secret" not in stored
        assert check_password(session, "alice", "a long enough secret")
        assert not check_password(session, "alice", "a long enough secreT")
        assert not check_password(session, "bob", "a long enough secret")


def test_an_unknown_rule_in_the_config_is_an_error(capsys, env, tmp_path, monkeypatch):
    config = tmp_path / "bad.toml"
    config.write_text('[review]\nrules_off = ["new_rtc"]\n')
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    code, _, err = run(capsys, "queue", "list")
    assert code == 1 and "unknown rule new_rtc" in err
    with env.session() as session:
        assert session.scalar(select(func.count()).select_from(ReviewFlag)) == 0


def test_first_at_level_follows_the_snapshot_events(capsys, env, baseline):
    from tracker.evidence import rebuild_snapshots

    assert "first_at_level" not in queue_json(capsys)[TRD_TRIAL]["reasons"]  # no snapshots yet
    with env.session() as session:
        rebuild_snapshots(session, baseline, period="week", until=date(2025, 3, 9), now=NOW)
    listed = queue_json(capsys)
    assert "first_at_level" in listed[TRD_TRIAL]["reasons"]
    assert "first_at_level" not in listed[DUPLICATE_A]["reasons"]  # no first_* event for it
    code, out, _ = run(capsys, "queue", "show", TRD_TRIAL)
    assert "Intravenous ketamine has its first randomised controlled trial" in out


def test_a_retraction_of_a_stored_baseline_reference_is_flagged(capsys, env):
    from tracker.evidence import link_notices
    from tracker.records import CommentCorrection, PublicationType
    from tracker.store.models import Reference

    cited = rewritten(records()[0], pmid="90000140", title="Oligodendrocytes and myelin repair")
    notice = rewritten(records()[0], pmid="90000141", title="Retraction notice",
                       publication_types=(PublicationType("D016440", "Retraction of Publication"),),
                       comments_corrections=(CommentCorrection("RetractionOf", "90000140"),))
    with env.session() as session:
        ids = upsert_records(session, [cited, notice], run_id=None, now=NOW).ids
        link_notices(session, ids.values(), None, NOW)
        session.query(Reference).filter(Reference.key == "ricci-2025#1").update(
            {"pmid": "90000140", "resolution": "matched"})
    listed = queue_json(capsys)
    assert listed["90000140"]["reasons"] == ["retraction"]
    assert listed["90000140"]["therapies"] == []


def test_two_reviewers_deciding_one_paper_at_once_take_turns(capsys, env, db_url):
    """Two reviewers on two connections decide the same paper at the same time: the second
    waits for the first to commit, so the later decision wins and both are in the history."""
    import threading
    from datetime import timedelta

    from tracker.review import decide as decide_paper

    first_in, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors = []
    other = Database(db_url)

    def first():
        try:
            with env.session() as session:
                decide_paper(session, TRD_TRIAL, "defer", reviewer="ana", now=NOW)
                first_in.set()
                release.wait(10)  # holds its transaction open while the second one starts
        except Exception as exc:  # surfaced below: a thread's failure must fail the test
            errors.append(exc)

    def second():
        try:
            first_in.wait(10)
            with other.session() as session:
                decide_paper(session, TRD_TRIAL, "include", reviewer="ben",
                             now=NOW + timedelta(minutes=1))
            second_done.set()
        except Exception as exc:
            errors.append(exc)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    assert first_in.wait(10)
    assert not second_done.wait(1.0)  # the second waits for the first to commit
    release.set()
    for thread in threads:
        thread.join(30)
    other.dispose()
    assert errors == [] and second_done.is_set()
    with env.session() as session:
        paper = session.scalars(select(Paper).where(Paper.pmid == TRD_TRIAL)).one()
        decided = session.execute(
            select(ReviewDecision.reviewer, ReviewDecision.decision)
            .where(ReviewDecision.paper_id == paper.id).order_by(ReviewDecision.id)).all()
    assert paper.inclusion == "included"
    assert [tuple(d) for d in decided] == [("ana", "defer"), ("ben", "include")]
    assert "ben" in run(capsys, "queue", "show", TRD_TRIAL)[1]


@pytest.mark.parametrize("since", ["2025-03-03", "2023-03-01"])  # a week, and a long window
def test_the_reports_prisma_counts_agree_with_the_screened_papers(capsys, env, since):
    """The report counts PRISMA in SQL; the queue's statistics count the screened rows in
    Python. Exclusions with reasons, an inclusion and a merged duplicate, over both."""
    for pmid, decision, reason in ((PAIN_TRIAL, "exclude", ["--reason", "wrong population"]),
                                   (CHART_REVIEW, "exclude", ["--reason", "other", "--note",
                                                              "a chart review"]),
                                   (TRD_TRIAL, "include", [])):
        code, _, err = run(capsys, "queue", "decide", pmid, decision, "--reviewer", "alice",
                           *reason)
        assert code == 0, err
    with env.session() as session:
        decide_duplicate(session, session.scalar(select(DuplicateLink)).id, "confirm",
                         who="alice", note=None, now=NOW)

    code, out, err = run(capsys, "report", "--since", since, "--until", "2025-03-09",
                         "--format", "json", "--output", "-")
    assert code == 0, err
    prisma = json.loads(out)["prisma"]
    therapy_ids = list(prisma["by_therapy"])
    with env.session() as session:
        expected = prisma_counts(
            load_screened(session, therapy_ids, (date.fromisoformat(since), date(2025, 3, 9))),
            therapy_ids, polled_through(session), date.fromisoformat(since), date(2025, 3, 9))
    assert prisma == expected
    assert prisma["total"]["excluded_by_reason"] == {"other": 1, "wrong population": 1}
    assert prisma["total"]["duplicates_removed"] == 1 and prisma["total"]["included"] == 1
