"""Evidence snapshots: periods, counting rules, events, and rebuilding to the same result."""

from collections import Counter
from dataclasses import replace
from datetime import date, datetime

import pytest
from sqlalchemy import select, update

from tracker.evidence.notice_links import link_notices
from tracker.evidence.snapshots import (
    events,
    load_snapshots,
    period_bounds,
    periods,
    rebuild_snapshots,
)
from tracker.ingest.papers import link_therapies, sync_therapies, upsert_records
from tracker.pubmed.xmlwrite import article_xml
from tracker.records import CommentCorrection, PublicationType
from tracker.store.models import Paper, Snapshot

from records_factory import JOURNAL_ARTICLE, META, RCT, make_record

NOW = datetime(2025, 2, 25, 9, 0)
UNTIL = date(2025, 2, 25)
ERRATUM = PublicationType("D016425", "Published Erratum")
RETRACTION_NOTICE = PublicationType("D016440", "Retraction of Publication")


def test_weeks_start_on_monday_and_months_on_the_first():
    assert period_bounds(date(2025, 1, 28), "week") == (date(2025, 1, 27), date(2025, 2, 2))
    assert period_bounds(date(2025, 2, 2), "week") == (date(2025, 1, 27), date(2025, 2, 2))
    assert period_bounds(date(2024, 2, 10), "month") == (date(2024, 2, 1), date(2024, 2, 29))
    with pytest.raises(ValueError, match="unknown period"):
        period_bounds(date(2025, 1, 1), "fortnight")


def test_the_first_period_starts_at_the_baseline_and_the_last_ends_at_until():
    assert periods(date(2025, 1, 28), date(2025, 2, 11), "week") == [
        (date(2025, 1, 28), date(2025, 2, 2)),
        (date(2025, 2, 3), date(2025, 2, 9)),
        (date(2025, 2, 10), date(2025, 2, 11)),
    ]
    assert periods(date(2025, 1, 28), date(2025, 3, 31), "month") == [
        (date(2025, 1, 28), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 31)),
    ]
    assert periods(date(2025, 1, 28), date(2025, 1, 27)) == []


def test_events_between_two_profiles():
    kinds = [e["kind"] for e in events("Ketamine", Counter(), Counter(rct=1, systematic_review=1),
                                       0, 0)]
    assert kinds == ["first_rct", "first_systematic_review"]
    doubled = events("Ketamine", Counter(systematic_review=3), Counter(systematic_review=6), 3, 0)
    assert [(e["kind"], e["count"]) for e in doubled] == [("systematic_reviews_doubled", 6)]
    assert doubled[0]["text"] == (
        "Ketamine now has 6 systematic reviews or meta-analyses, twice the 3 it had at the "
        "baseline date."
    )
    # from one to four in one period: one event, naming the larger step
    quadrupled = events("X", Counter(systematic_review=1), Counter(systematic_review=4), 0, 0)
    assert [e["text"] for e in quadrupled] == [
        "X now has 4 systematic reviews or meta-analyses, 4 times as many as when its first one "
        "appeared."
    ]
    assert events("X", Counter(systematic_review=6), Counter(systematic_review=7), 3, 0) == []
    milestone = events("X", Counter(rct=9), Counter(rct=26), 0, 0)
    assert [(e["kind"], e["text"]) for e in milestone] == [
        ("rct_milestone", "X now has 26 randomised controlled trials, past the mark of 25.")
    ]
    assert events("X", Counter(rct=3), Counter(rct=3), 0, 2) == [
        {"kind": "retractions", "count": 2, "text": "2 papers on X were retracted."}
    ]


# -- rebuilt from the store ------------------------------------------------------------------

def record(pmid, created, *, title="Ketamine in treatment-resistant depression", **kw):
    made = make_record(pmid, title, created, **kw)
    return replace(made, raw_xml=article_xml(made))


def fill(db, baseline):
    """Ketamine: 1 RCT and 1 meta-analysis before the baseline, then a second meta-analysis,
    nine RCTs, a retracted RCT, and papers that must not count. Esketamine: its first RCT and
    first meta-analysis."""
    ketamine = [
        record("90000001", date(2024, 6, 1), types=(RCT,)),
        record("90000002", date(2024, 7, 1), types=(META,)),
        record("90000003", date(2025, 2, 4), types=(META,)),
        *[record(f"900001{n:02d}", date(2025, 2, 12), types=(RCT,)) for n in range(9)],
        record("90000004", date(2025, 2, 5), types=(RCT,),
               comments_corrections=(CommentCorrection("RetractionIn", "90000900"),)),
        record("90000005", date(2025, 2, 5), title="Correction to: ketamine in TRD",
               types=(ERRATUM,), comments_corrections=(CommentCorrection("ErratumFor",
                                                                        "90000003"),)),
        record("90000006", date(2025, 2, 5), types=(RCT,)),  # excluded by a reviewer
        record("90000007", date(2025, 2, 5), types=(RCT,)),  # a duplicate of 90000006
        record("90000008", date(2025, 2, 5), types=(RCT,)),  # deleted by PubMed
    ]
    esketamine = [
        record("90000201", date(2025, 2, 18), types=(RCT,), title="Esketamine in TRD"),
        record("90000202", date(2025, 2, 25), types=(META,), title="Esketamine in TRD"),
    ]
    notice = record("90000900", date(2025, 2, 20), title="Retraction notice",
                    types=(RETRACTION_NOTICE,),
                    comments_corrections=(CommentCorrection("RetractionOf", "90000004"),))
    with db.session() as session:
        sync_therapies(session, baseline)
        result = upsert_records(session, [*ketamine, *esketamine, notice], run_id=None, now=NOW)
        ids = result.ids
        link_therapies(session, [("ketamine", ids[r.pmid]) for r in ketamine]
                       + [("esketamine", ids[r.pmid]) for r in esketamine],
                       run_id=None, now=NOW)
        link_notices(session, ids.values(), None, NOW)
        session.execute(update(Paper).where(Paper.pmid == "90000006").values(inclusion="excluded"))
        session.execute(update(Paper).where(Paper.pmid == "90000007")
                        .values(canonical_id=ids["90000001"]))
        session.execute(update(Paper).where(Paper.pmid == "90000008").values(deleted=True))


def rows(db):
    with db.session() as session:
        return [
            (s.therapy_id, s.period_start, s.period_end, s.new_by_level, s.cumulative_by_level,
             s.retracted, s.events, s.built_at)
            for s in session.scalars(select(Snapshot).order_by(Snapshot.therapy_id,
                                                               Snapshot.period_start))
        ]


def test_snapshots_count_evidence_only_and_mark_events(db, baseline):
    fill(db, baseline)
    with db.session() as session:
        written = rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
        assert written == len(baseline.therapies) * 5
        found = load_snapshots(session, ["ketamine", "esketamine"], date(2025, 1, 28), UNTIL)
    ketamine = found["ketamine"]
    assert [s.period_start for s in ketamine] == [
        date(2025, 1, 28), date(2025, 2, 3), date(2025, 2, 10), date(2025, 2, 17),
        date(2025, 2, 24),
    ]
    assert [s.new_by_level for s in ketamine] == [
        {}, {"systematic_review": 1}, {"rct": 9}, {}, {}
    ]
    assert ketamine[0].cumulative_by_level == {"systematic_review": 1, "rct": 1}
    assert ketamine[-1].cumulative_by_level == {"systematic_review": 2, "rct": 10}
    # the retracted RCT never counts; it is retracted on its notice's create date
    assert [s.retracted for s in ketamine] == [0, 0, 0, 1, 1]
    assert [[e["kind"] for e in s.events] for s in ketamine] == [
        [], ["systematic_reviews_doubled"], ["rct_milestone"], ["retractions"], []
    ]
    name = baseline.therapy("ketamine").name
    assert ketamine[3].events[0]["text"] == f"1 paper on {name} was retracted."
    esketamine = found["esketamine"]
    assert [[e["kind"] for e in s.events] for s in esketamine] == [
        [], [], [], ["first_rct"], ["first_systematic_review"]
    ]
    assert esketamine[-1].period_end == UNTIL


def test_rebuilding_twice_gives_the_same_snapshots(db, baseline):
    fill(db, baseline)
    with db.session() as session:
        rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
    first = rows(db)
    with db.session() as session:
        rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
    assert rows(db) == first
    assert len(first) == len(baseline.therapies) * 5


def test_monthly_snapshots_and_a_later_rebuild_replaces_weekly_ones(db, baseline):
    fill(db, baseline)
    with db.session() as session:
        rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
        rebuild_snapshots(session, baseline, period="month", until=UNTIL, now=NOW)
        found = load_snapshots(session, None, date(2025, 1, 1), UNTIL)
    assert set(found) == {t.id for t in baseline.therapies}
    ketamine = found["ketamine"]
    assert [(s.period_start, s.period_end) for s in ketamine] == [
        (date(2025, 1, 28), date(2025, 1, 31)), (date(2025, 2, 1), UNTIL)
    ]
    assert ketamine[1].new_by_level == {"systematic_review": 1, "rct": 9}
    assert [e["kind"] for e in ketamine[1].events] == [
        "systematic_reviews_doubled", "rct_milestone", "retractions"
    ]


def test_load_snapshots_filters_by_overlap(db, baseline):
    fill(db, baseline)
    with db.session() as session:
        rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
        found = load_snapshots(session, ["ketamine", "nothing"], date(2025, 2, 9),
                               date(2025, 2, 10))
    assert [s.period_start for s in found["ketamine"]] == [date(2025, 2, 3), date(2025, 2, 10)]
    assert found["nothing"] == []


def test_any_level_is_counted_under_its_own_name(db, baseline):
    """The factory's plain journal article is counted at whatever level the rules give it."""
    plain = record("90000301", date(2025, 2, 4), types=(JOURNAL_ARTICLE,))
    with db.session() as session:
        sync_therapies(session, baseline)
        ids = upsert_records(session, [plain], run_id=None, now=NOW).ids
        link_therapies(session, [("ketamine", ids["90000301"])], run_id=None, now=NOW)
        level = session.scalar(select(Paper.level).where(Paper.pmid == "90000301"))
        rebuild_snapshots(session, baseline, until=UNTIL, now=NOW)
        week = load_snapshots(session, ["ketamine"], date(2025, 2, 4), date(2025, 2, 4))
    assert week["ketamine"][0].new_by_level == {level: 1}


def test_rct_events_count_trials_not_papers():
    """Three papers of one registered trial count once toward the RCT milestones, as the
    report counts trials; a paper in no trial is a trial of its own."""
    from tracker.evidence.snapshots import Counted, therapy_series

    spans = periods(date(2025, 1, 27), date(2025, 2, 9), "week")

    def rct(day, trials=()):
        return Counted("ketamine", "rct", day, None, frozenset(trials))

    one_trial = [rct(date(2025, 1, 28), ["NCT04433245"]) for _ in range(3)]
    alone = [rct(date(2025, 1, 29)) for _ in range(8)]
    first, second = therapy_series("Ketamine", [*one_trial, *alone], spans, date(2025, 1, 27))
    assert first["cumulative_by_level"]["rct"] == 11  # the profile still counts papers
    assert [e["kind"] for e in first["events"]] == ["first_rct"]  # 9 trials: no milestone
    assert first["events"][0]["count"] == 9
    later = rct(date(2025, 2, 4))
    _, second = therapy_series("Ketamine", [*one_trial, *alone, later], spans, date(2025, 1, 27))
    assert [e["text"] for e in second["events"]] == [
        "Ketamine now has 10 randomised controlled trials, past the mark of 10."]
