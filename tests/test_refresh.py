"""Refresh end to end: the real client against the local E-utilities server, into SQLite.

Each test polls first (the papers arrive as PubMed first shows them), then changes the records on
the server the way PubMed changes them, then refreshes.
"""

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tracker.errors import PubMedError
from tracker.evidence.notice_links import baseline_notices
from tracker.evidence.snapshots import load_snapshots, rebuild_snapshots
from tracker.ingest.poll import poll
from tracker.ingest.refresh import last_refresh, refresh
from tracker.pubmed.eutils import EutilsClient
from tracker.records import CommentCorrection, PublicationType
from tracker.store.models import (
    DuplicateLink,
    NoticeLink,
    Paper,
    PaperChange,
    PaperVersion,
    Reference,
    Run,
    TherapyPaper,
)

from eutils_faults import fewer_records, server_error
from records_factory import JOURNAL_ARTICLE, META, RCT, make_record

POLLED = date(2025, 6, 1)
TODAY = date(2025, 6, 30)
RETRACTED = PublicationType("D016441", "Retracted Publication")
RETRACTION_NOTICE = PublicationType("D016440", "Retraction of Publication")
ERRATUM = PublicationType("D016425", "Published Erratum")
TRD_MESH = ("Ketamine", "Depressive Disorder, Treatment-Resistant")
UNRELATED = "The editors withdraw this article after an investigation of its data."


def clock(day: date):
    return lambda: datetime(day.year, day.month, day.day, 6, 0)


def ketamine_paper(pmid, **kw):
    kw.setdefault("title", "Ketamine infusions in treatment-resistant depression")
    title = kw.pop("title")
    return make_record(pmid, title, date(2025, 5, 20), **kw)


def poll_first(db, baseline, settings):
    return poll(db, EutilsClient(settings), baseline, therapy_ids=["ketamine"],
                since=date(2025, 5, 1), today=POLLED, now=clock(POLLED))


def run_refresh(db, baseline, settings, today=TODAY):
    return refresh(db, EutilsClient(settings), baseline, today=today, now=clock(today))


def fetched_ids(server, after: int = 0) -> list[str]:
    ids = []
    for request in server.requests[after:]:
        if request.endpoint == "efetch.fcgi" and request.params.get("id"):
            ids.extend(request.params["id"].split(","))
    return ids


def changes(db, pmid):
    with db.session() as session:
        return {
            c.field: (c.old, c.new)
            for c in session.scalars(
                select(PaperChange).join(Paper, Paper.id == PaperChange.paper_id)
                .where(Paper.pmid == pmid)
            )
        }


def paper(db, pmid) -> Paper:
    with db.session() as session:
        return session.scalars(select(Paper).where(Paper.pmid == pmid)).one()


def therapies_of(db, pmid):
    with db.session() as session:
        return sorted(session.scalars(
            select(TherapyPaper.therapy_id).join(Paper).where(Paper.pmid == pmid)
        ))


def test_indexing_changes_types_mesh_and_level_and_is_recorded(db, baseline, eutils_server,
                                                                settings):
    trial_text = ("In this randomised, double-blind, placebo-controlled trial, 60 patients with "
                  "treatment-resistant depression received ketamine or midazolam.")
    eutils_server.add_records([
        ketamine_paper("90000101", status="Publisher", abstract=trial_text),
        ketamine_paper("90000102", status="Publisher"),
        ketamine_paper("90000103", status="In-Process"),
        ketamine_paper("90000104", status="MEDLINE"),
    ])
    poll_first(db, baseline, settings)
    before = paper(db, "90000102")
    assert paper(db, "90000101").level_source == "text"

    indexed = dict(status="MEDLINE", mesh=TRD_MESH, date_revised=date(2025, 6, 20))
    eutils_server.add_records([
        ketamine_paper("90000101", abstract=trial_text, types=(JOURNAL_ARTICLE, RCT), **indexed),
        ketamine_paper("90000102", types=(JOURNAL_ARTICLE, META), **indexed),
    ])
    mark = len(eutils_server.requests)
    summary = run_refresh(db, baseline, settings)

    assert summary.status == "ok"
    assert (summary.since, summary.until) == (date(2025, 5, 31), TODAY)
    assert (summary.modified, summary.unindexed) == (2, 1)
    # each PMID fetched once: the two modified and the one still in process, not the MEDLINE one
    assert sorted(fetched_ids(eutils_server, mark)) == ["90000101", "90000102", "90000103"]
    first = changes(db, "90000101")
    assert first["medline_status"] == ("Publisher", "MEDLINE")
    assert first["level_source"] == ("text", "publication_type")
    assert [ui for ui, _ in first["publication_types"][1]] == ["D016428", "D016449"]
    assert [m["descriptor"] for m in first["mesh"][1]] == list(TRD_MESH)
    assert changes(db, "90000102")["level"] == (before.level, "systematic_review")
    assert changes(db, "90000103") == {}
    assert summary.changes["level"] >= 1 and summary.updated == 2 and summary.unchanged == 1
    with db.session() as session:
        run = session.get(Run, summary.run_id)
        assert (run.kind, run.status, run.window_end) == ("refresh", "ok", TODAY)
        assert run.counts["modified"] == 2 and run.counts["changes"]["level_source"] == 2
    assert last_refresh(db) == TODAY
    assert "level_source 2" in summary.describe()

    # the next refresh starts where this one ended and re-checks only the unindexed record
    mark = len(eutils_server.requests)
    later = run_refresh(db, baseline, settings, today=date(2025, 7, 2))
    assert later.since == TODAY
    assert fetched_ids(eutils_server, mark) == ["90000103"]
    assert later.changes == {}


def test_a_new_pmid_version_is_recorded_and_the_old_one_kept(db, baseline, eutils_server,
                                                              settings):
    eutils_server.add_records([ketamine_paper("90000201", types=(JOURNAL_ARTICLE, RCT))])
    poll_first(db, baseline, settings)
    eutils_server.add_records([ketamine_paper(
        "90000201", version=2, types=(JOURNAL_ARTICLE, RCT), date_revised=date(2025, 6, 10),
        title="Ketamine infusions in treatment-resistant depression: a randomised trial",
    )])
    summary = run_refresh(db, baseline, settings)
    assert summary.updated == 1
    assert changes(db, "90000201")["version"] == (1, 2)
    stored = paper(db, "90000201")
    assert stored.version == 2
    with db.session() as session:
        kept = session.scalars(select(PaperVersion).where(PaperVersion.paper_id == stored.id))
        assert [v.version for v in kept] == [1]


def test_a_retraction_the_query_did_not_return_is_fetched_linked_and_uncounted(
        db, baseline, eutils_server, settings):
    eutils_server.add_records([
        ketamine_paper("90000301", types=(JOURNAL_ARTICLE, RCT)),
        ketamine_paper("90000302", types=(JOURNAL_ARTICLE, RCT)),
    ])
    poll_first(db, baseline, settings)
    notice = make_record("90000900", "Notice of retraction", date(2025, 6, 12),
                         abstract=UNRELATED, types=(RETRACTION_NOTICE,),
                         comments_corrections=(CommentCorrection("RetractionOf", "90000301"),))
    eutils_server.add_records([
        notice,
        ketamine_paper("90000301", types=(JOURNAL_ARTICLE, RCT, RETRACTED),
                       comments_corrections=(CommentCorrection("RetractionIn", "90000900"),),
                       date_revised=date(2025, 6, 15)),
    ])
    mark = len(eutils_server.requests)
    summary = run_refresh(db, baseline, settings)

    assert summary.status == "ok" and summary.new_papers == 1
    assert summary.newly_retracted == 1 and summary.notice_links == 1
    # the notice came in its own request, by PMID, after the original
    assert fetched_ids(eutils_server, mark) == ["90000301", "90000900"]
    assert paper(db, "90000301").retracted is True
    assert changes(db, "90000301")["retracted"] == (False, True)
    assert paper(db, "90000900").notice_kind == "retraction"
    assert therapies_of(db, "90000900") == ["ketamine"]
    with db.session() as session:
        links = session.execute(select(NoticeLink.paper_pmid, NoticeLink.notice_pmid,
                                       NoticeLink.kind)).all()
        assert [tuple(link) for link in links] == [("90000301", "90000900", "retraction")]
        rebuild_snapshots(session, baseline, until=TODAY, now=clock(TODAY)())
        latest = load_snapshots(session, ["ketamine"], TODAY, TODAY)["ketamine"][-1]
    assert latest.cumulative_by_level == {"rct": 1}
    assert latest.retracted == 1


def test_a_polled_notice_retracts_a_stored_paper_without_refetching_it(
        db, baseline, eutils_server, settings):
    eutils_server.add_records([
        ketamine_paper("90000401", types=(JOURNAL_ARTICLE, RCT)),
        make_record("90000901", "Retraction: Ketamine infusions in treatment-resistant depression",
                    date(2025, 5, 22), types=(RETRACTION_NOTICE,),
                    comments_corrections=(CommentCorrection("RetractionOf", "90000401"),)),
    ])
    poll_first(db, baseline, settings)
    # the poll that stores the notice links it: the original is retracted at once
    assert paper(db, "90000401").retracted is True
    mark = len(eutils_server.requests)
    summary = run_refresh(db, baseline, settings)
    assert fetched_ids(eutils_server, mark) == []
    assert paper(db, "90000401").retracted is True
    assert summary.newly_retracted == 0  # nothing left for the refresh to find


def test_an_erratum_is_linked_not_merged_and_not_counted(db, baseline, eutils_server, settings):
    title = "Ketamine infusions in treatment-resistant depression"
    eutils_server.add_records([ketamine_paper("90000501", types=(JOURNAL_ARTICLE, RCT),
                                              doi="10.1000/trd.2025.1")])
    poll_first(db, baseline, settings)
    eutils_server.add_records([
        make_record("90000902", f"Correction to: {title}", date(2025, 6, 14),
                    types=(ERRATUM,), doi="10.1000/trd.2025.1",
                    comments_corrections=(CommentCorrection("ErratumFor", "90000501"),)),
        ketamine_paper("90000501", types=(JOURNAL_ARTICLE, RCT), doi="10.1000/trd.2025.1",
                       comments_corrections=(CommentCorrection("ErratumIn", "90000902"),),
                       date_revised=date(2025, 6, 15)),
    ])
    summary = run_refresh(db, baseline, settings)
    assert summary.new_papers == 1
    erratum, original = paper(db, "90000902"), paper(db, "90000501")
    assert erratum.notice_kind == "erratum"
    assert (erratum.canonical_id, original.canonical_id) == (None, None)
    assert original.retracted is False
    assert therapies_of(db, "90000902") == ["ketamine"]
    with db.session() as session:
        confirmed = session.scalars(select(DuplicateLink).where(
            DuplicateLink.status == "confirmed")).all()
        assert confirmed == []
        link = session.scalars(select(NoticeLink)).one()
        assert (link.paper_pmid, link.notice_pmid, link.kind) == ("90000501", "90000902",
                                                                  "erratum")
        rebuild_snapshots(session, baseline, until=TODAY, now=clock(TODAY)())
        latest = load_snapshots(session, ["ketamine"], TODAY, TODAY)["ketamine"][-1]
    assert latest.cumulative_by_level == {"rct": 1}


def test_a_retracted_baseline_reference_is_fetched_and_reported(db, baseline, eutils_server,
                                                                 settings):
    eutils_server.add_records([
        make_record("90000601", "Oligodendrocyte loss in a demyelination model", date(2019, 3, 1),
                    abstract=UNRELATED, types=(JOURNAL_ARTICLE, RETRACTED),
                    comments_corrections=(CommentCorrection("RetractionIn", "90000903"),)),
        make_record("90000903", "Retraction notice", date(2025, 6, 2), abstract=UNRELATED,
                    types=(RETRACTION_NOTICE,),
                    comments_corrections=(CommentCorrection("RetractionOf", "90000601"),)),
    ])
    with db.session() as session:
        session.add(Reference(key="ricci-2025#1", document="ricci-2025", number=1,
                              citation="c", title="t", first_author="A", journal="J",
                              year=2019, pmid="90000601"))
    summary = run_refresh(db, baseline, settings)
    assert summary.references == 1 and summary.new_papers == 2
    with db.session() as session:
        found = baseline_notices(session)
    assert [(n.reference_key, n.pmid, n.kind, n.notice_pmid) for n in found] == [
        ("ricci-2025#1", "90000601", "retraction", "90000903")
    ]
    assert therapies_of(db, "90000601") == [] and therapies_of(db, "90000903") == []


def test_a_failed_search_records_a_failed_run_and_keeps_the_watermark(
        db, baseline, eutils_server, settings):
    eutils_server.add_records([ketamine_paper("90000701")])
    poll_first(db, baseline, settings)
    eutils_server.inject("esearch.fcgi", server_error(), times=50)
    with pytest.raises(PubMedError, match="recorded as failed"):
        run_refresh(db, baseline, settings)
    with db.session() as session:
        run = session.scalars(select(Run).where(Run.kind == "refresh")).one()
        assert run.status == "failed"
    assert last_refresh(db) is None


def test_a_tracked_record_pubmed_leaves_out_makes_the_run_incomplete(
        db, baseline, eutils_server, settings):
    eutils_server.add_records([ketamine_paper("90000801", status="In-Process")])
    poll_first(db, baseline, settings)
    eutils_server.inject("efetch.fcgi", fewer_records(drop=1), times=2)
    summary = run_refresh(db, baseline, settings)
    assert summary.status == "incomplete" and summary.missing == ["90000801"]
    assert last_refresh(db) is None
    summary = run_refresh(db, baseline, settings)  # PubMed answers again: the window is re-covered
    assert summary.status == "ok" and summary.since == date(2025, 5, 31)

