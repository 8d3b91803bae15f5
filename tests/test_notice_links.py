"""Notice links: what records claim, idempotent links in the store, and the retraction effect."""

from dataclasses import replace
from datetime import date, datetime

from sqlalchemy import select

from tracker.evidence.notice_links import (
    Claim,
    baseline_notices,
    link_notices,
    missing_counterparts,
    notice_claims,
)
from tracker.ingest.papers import upsert_records
from tracker.pubmed.xmlwrite import article_xml
from tracker.records import CommentCorrection, PublicationType
from tracker.store.models import NoticeLink, Paper, PaperChange, Reference, Run

from records_factory import make_record

NOW = datetime(2025, 6, 30, 12, 0)
RETRACTED = PublicationType("D016441", "Retracted Publication")
RETRACTION_NOTICE = PublicationType("D016440", "Retraction of Publication")
ERRATUM = PublicationType("D016425", "Published Erratum")
CONCERN = PublicationType("D000084862", "Expression of Concern")


def paper(pmid, title="Ketamine in treatment-resistant depression", **kw):
    """A record as the parser gives it: with its own XML, which the store compares."""
    record = make_record(pmid, title, date(2025, 3, 3), **kw)
    return replace(record, raw_xml=article_xml(record))


def links_of(*pairs):
    return tuple(CommentCorrection(ref_type, pmid) for ref_type, pmid in pairs)


def new_run(session) -> int:
    run = Run(kind="refresh", started_at=NOW, status="running")
    session.add(run)
    session.flush()
    return run.id


def store(session, records, run_id=None):
    result = upsert_records(session, records, run_id=run_id, now=NOW)
    return result.ids


def stored_links(session):
    return sorted(
        (link.paper_pmid, link.notice_pmid or "", link.kind)
        for link in session.scalars(select(NoticeLink))
    )


# -- what one record claims ------------------------------------------------------------------

def test_claims_from_both_ends_and_from_types():
    assert notice_claims("1", [["RetractionIn", "9", None]], []) == [
        Claim("1", "9", "retraction", "RetractionIn in 1")
    ]
    assert notice_claims("9", [["RetractionOf", "1", None]], [["D016440", "Retraction"]]) == [
        Claim("1", "9", "retraction", "RetractionOf in 9")
    ]
    claims = notice_claims("5", [["ErratumIn", "6", None], ["ExpressionOfConcernIn", "7", None],
                                 ["UpdateIn", "8", None], ["CommentIn", "4", None],
                                 ["Cites", "3", None]], [])
    assert sorted((c.notice_pmid, c.kind) for c in claims) == [
        ("6", "erratum"), ("7", "expression_of_concern"), ("8", "update")
    ]


def test_retracted_type_alone_gives_an_unnamed_retraction():
    assert notice_claims("1", [], [["D016441", "Retracted Publication"]]) == [
        Claim("1", None, "retraction", "D016441 in 1")
    ]
    # the notice's PMID is known: no unnamed claim beside it
    named = notice_claims("1", [["RetractionIn", "9", None]], [["D016441", "anything"]])
    assert [c.notice_pmid for c in named] == ["9"]


def test_types_match_by_ui_not_by_name():
    # a renamed "Retraction Notice" type still says what a CommentOn link is
    claims = notice_claims("9", [["CommentOn", "1", None]], [["D016440", "Retraction Notice"]])
    assert claims == [Claim("1", "9", "retraction", "D016440 in 9")]
    assert notice_claims("9", [["CommentOn", "1", None]], [["D000084862", "EoC"]])[0].kind == (
        "expression_of_concern"
    )
    # a plain comment is no notice, and a name without the UI changes nothing for retractions
    assert notice_claims("9", [["CommentOn", "1", None]], [["D016420", "Comment"]]) == []
    assert notice_claims("1", [], [["D999999", "Retracted Publication"]]) == []


def test_links_to_itself_or_without_pmid_are_ignored():
    assert notice_claims("1", [["RetractionIn", "1", None], ["ErratumIn", None, "x"]], []) == []


# -- links in the store ----------------------------------------------------------------------

def test_a_notice_stored_first_names_the_missing_original_then_retracts_it(db):
    with db.session() as session:
        run_id = new_run(session)
        ids = store(session, [paper("90000900", "Retraction notice", types=(RETRACTION_NOTICE,),
                                    comments_corrections=links_of(("RetractionOf", "90000001")))],
                    run_id)
        first = link_notices(session, ids.values(), run_id, NOW)
        assert [(x.paper_pmid, x.notice_pmid, x.kind) for x in first] == [
            ("90000001", "90000900", "retraction")
        ]
        assert missing_counterparts(session) == ["90000001"]

        # the original arrives without any sign of its retraction in its own record
        ids = store(session, [paper("90000001")], run_id)
        assert link_notices(session, ids.values(), run_id, NOW) == []
        original = session.scalars(select(Paper).where(Paper.pmid == "90000001")).one()
        assert original.retracted is True
        assert missing_counterparts(session) == []
        changes = session.scalars(select(PaperChange).where(PaperChange.field == "retracted"))
        assert [(c.paper_id, c.old, c.new) for c in changes] == [(original.id, False, True)]


def test_linking_again_adds_nothing(db):
    records = [
        paper("90000001", comments_corrections=links_of(("ErratumIn", "90000902"),
                                                        ("RetractionIn", "90000900"))),
        paper("90000900", "Retraction", types=(RETRACTION_NOTICE,),
              comments_corrections=links_of(("RetractionOf", "90000001"))),
    ]
    with db.session() as session:
        ids = store(session, records)
        made = link_notices(session, ids.values(), None, NOW)
        assert len(made) == 2
        assert link_notices(session, ids.values(), None, NOW) == []
        assert stored_links(session) == [("90000001", "90000900", "retraction"),
                                         ("90000001", "90000902", "erratum")]
        assert missing_counterparts(session) == ["90000902"]


def test_an_unnamed_retraction_gives_way_to_the_named_one(db):
    with db.session() as session:
        ids = store(session, [paper("90000001", types=(RETRACTED,))])
        link_notices(session, ids.values(), None, NOW)
        assert stored_links(session) == [("90000001", "", "retraction")]
        ids = store(session, [paper("90000900", "Retraction", types=(RETRACTION_NOTICE,),
                                    comments_corrections=links_of(("RetractionOf", "90000001")))])
        link_notices(session, ids.values(), None, NOW)
        assert stored_links(session) == [("90000001", "90000900", "retraction")]


def test_a_refetch_that_forgets_the_retraction_leaves_no_change_behind(db):
    """The store re-derives `retracted` from the record alone; the link puts it back."""
    with db.session() as session:
        first_run = new_run(session)
        ids = store(session, [
            paper("90000001"),
            paper("90000900", "Retraction", types=(RETRACTION_NOTICE,),
                  comments_corrections=links_of(("RetractionOf", "90000001"))),
        ], first_run)
        link_notices(session, ids.values(), first_run, NOW)
        second_run = new_run(session)
        ids = store(session, [paper("90000001", title="Ketamine for TRD (corrected title)")],
                    second_run)
        link_notices(session, ids.values(), second_run, NOW)
        original = session.scalars(select(Paper).where(Paper.pmid == "90000001")).one()
        assert original.retracted is True
        fields = sorted(session.scalars(
            select(PaperChange.field).where(PaperChange.run_id == second_run)
        ))
        assert fields == ["title"]


def test_errata_and_concerns_do_not_retract(db):
    with db.session() as session:
        ids = store(session, [
            paper("90000001", comments_corrections=links_of(("ErratumIn", "90000902"),
                                                            ("ExpressionOfConcernIn", "90000903"))),
            paper("90000903", "Expression of concern", types=(CONCERN,),
                  comments_corrections=links_of(("ExpressionOfConcernFor", "90000001"))),
        ])
        link_notices(session, ids.values(), None, NOW)
        original = session.scalars(select(Paper).where(Paper.pmid == "90000001")).one()
        assert original.retracted is False
        assert stored_links(session) == [("90000001", "90000902", "erratum"),
                                         ("90000001", "90000903", "expression_of_concern")]


def test_notices_on_baseline_references_are_reported_retractions_first(db):
    with db.session() as session:
        for number, pmid in ((1, "90000001"), (2, "90000002"), (3, None)):
            session.add(Reference(
                key=f"doc#{number}", document="doc", number=number, citation="c", title="t",
                first_author="A", journal="J", year=2020, pmid=pmid,
            ))
        ids = store(session, [
            paper("90000001", comments_corrections=links_of(("ErratumIn", "90000902"))),
            paper("90000002", types=(RETRACTED,),
                  comments_corrections=links_of(("RetractionIn", "90000900"))),
            paper("90000900", "Retraction: a cited paper", types=(RETRACTION_NOTICE,)),
            paper("90000005", comments_corrections=links_of(("RetractionIn", "90000901"))),
        ])
        link_notices(session, ids.values(), None, NOW)
        found = baseline_notices(session)
        assert [(n.reference_key, n.pmid, n.kind, n.notice_pmid) for n in found] == [
            ("doc#2", "90000002", "retraction", "90000900"),
            ("doc#1", "90000001", "erratum", "90000902"),
        ]
        assert found[0].withdraws and found[0].notice_title == "Retraction: a cited paper"
        assert [n.kind for n in baseline_notices(session, kinds=["retraction"])] == ["retraction"]
