"""A small review queue on real-shaped records, shared by the queue's CLI and web tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from tracker.ingest.papers import link_therapies, upsert_records
from tracker.pubmed.xmlwrite import article_xml
from tracker.records import PublicationType
from tracker.store.models import DuplicateLink, Watermark

from records_factory import RCT, make_record

NOW = datetime(2025, 3, 10, 9, 0)
OBSERVATIONAL = PublicationType("D064888", "Observational Study")

TRD_TRIAL = "90000101"
PAIN_TRIAL = "90000102"
CHART_REVIEW = "90000103"
DUPLICATE_A = "90000104"
DUPLICATE_B = "90000105"


def record(pmid, title, created, **kw):
    made = make_record(pmid, title, created, **kw)
    return replace(made, raw_xml=article_xml(made))


def rewritten(made, **changes):
    """The record as PubMed would send it after the changes (new XML, not the stored one)."""
    changed = replace(made, raw_xml=b"", **changes)
    return replace(changed, raw_xml=article_xml(changed))


def records():
    return [
        record(TRD_TRIAL, "Repeated intravenous ketamine for treatment-resistant depression: a "
                          "randomised controlled trial", date(2025, 3, 3), types=(RCT,),
               abstract="Adults with treatment-resistant depression received ketamine or "
                        "midazolam.", mesh=("Depressive Disorder, Treatment-Resistant",)),
        record(PAIN_TRIAL, "Intraoperative ketamine and chronic postsurgical pain after knee "
                           "arthroplasty: a randomised controlled trial", date(2025, 3, 4),
               types=(RCT,), abstract="Patients undergoing knee arthroplasty were randomised "
                                      "to ketamine or saline. Pain at six months did not "
                                      "differ. Ketamine is also used in treatment-resistant "
                                      "depression.", mesh=("Pain, Postoperative", "Ketamine")),
        record(CHART_REVIEW, "Esketamine in treatment-resistant depression: a retrospective "
                             "chart review", date(2025, 3, 5),
               abstract="We reviewed the charts of 40 patients with treatment-resistant "
                        "depression given esketamine."),
        record(DUPLICATE_A, "Esketamine nasal spray in treatment resistant depression: a "
                            "naturalistic cohort", date(2025, 3, 6),
               abstract="Patients with treatment-resistant depression took esketamine."),
        record(DUPLICATE_B, "Esketamine nasal spray in treatment-resistant depression: a "
                            "naturalistic cohort.", date(2025, 3, 7),
               abstract="Patients with treatment-resistant depression took esketamine."),
    ]


def fill(database, extra=()):
    """Store the records, link them to their therapies, mark the therapies polled."""
    with database.session() as session:
        ids = upsert_records(session, [*records(), *extra], run_id=None, now=NOW).ids
        link_therapies(session, [("ketamine", ids[TRD_TRIAL]), ("ketamine", ids[PAIN_TRIAL]),
                                 ("esketamine", ids[CHART_REVIEW]),
                                 ("esketamine", ids[DUPLICATE_A]),
                                 ("esketamine", ids[DUPLICATE_B])], run_id=None, now=NOW)
        for therapy in ("ketamine", "esketamine"):
            session.add(Watermark(therapy_id=therapy, polled_through=date(2025, 3, 9),
                                  updated_at=NOW))
        session.add(DuplicateLink(paper_id=ids[DUPLICATE_A], other_id=ids[DUPLICATE_B],
                                  kind="title", score=96.0, reason="near-identical title",
                                  status="possible", found_at=NOW))
    return ids
