"""Building PubMed-shaped records for tests, without repeating every field."""

from __future__ import annotations

from datetime import date, datetime

from tracker.records import (
    AbstractSection,
    Author,
    MeshHeading,
    PaperRecord,
    PartialDate,
    PublicationType,
)

JOURNAL_ARTICLE = PublicationType("D016428", "Journal Article")
RCT = PublicationType("D016449", "Randomized Controlled Trial")
META = PublicationType("D017418", "Meta-Analysis")


def make_record(
    pmid: str,
    title: str,
    created: date,
    *,
    abstract: str = "Patients with treatment-resistant depression were studied.",
    status: str = "MEDLINE",
    types: tuple[PublicationType, ...] = (JOURNAL_ARTICLE,),
    mesh: tuple[str, ...] = (),
    author: str = "Okafor",
    doi: str | None = None,
    **fields,
) -> PaperRecord:
    return PaperRecord(
        pmid=pmid,
        status=status,
        title=title,
        abstract=(AbstractSection(abstract),),
        authors=(Author(last_name=author, fore_name="Chidi", initials="C"),),
        journal="Journal of Affective Tests",
        journal_abbrev="J Affect Tests",
        pub_date=PartialDate(year=created.year, month=created.month),
        entrez_date=created,
        pubmed_date=fields.pop("pubmed_date", created),
        languages=("eng",),
        publication_types=types,
        mesh=tuple(MeshHeading(m) for m in mesh),
        doi=doi,
        **fields,
    )


def mark_searched(session, therapy_ids, start, end, when=datetime(2025, 7, 1)):
    """Record that these therapies were searched over [start, end], as a successful poll does:
    for tests that store papers directly and still want the report to call the days polled."""
    from tracker.evidence import record_window

    for therapy_id in therapy_ids:
        record_window(session, therapy_id, start, end, run_id=None, searched_at=when)
