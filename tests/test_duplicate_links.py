"""Duplicates in the store: identifier matches merge, near-duplicates wait for a person, and a
person's decision survives later polls and refreshes."""

from datetime import date, datetime

from sqlalchemy import select

from tracker.evidence.duplicate_links import decide, list_links
from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient
from tracker.store.models import DuplicateLink, Paper

from records_factory import RCT, make_record

TODAY = date(2025, 6, 30)
TITLE = ("Accelerated intermittent theta burst stimulation for treatment-resistant depression: "
         "a randomized sham-controlled trial")


def canonical(db) -> dict[str, str | None]:
    with db.session() as session:
        papers = {p.id: p for p in session.scalars(select(Paper))}
        return {p.pmid: papers[p.canonical_id].pmid if p.canonical_id else None
                for p in papers.values()}


def test_same_doi_under_two_pmids_is_merged(db, baseline, eutils_server, settings):
    eutils_server.add_records([
        make_record("90000501", TITLE, date(2025, 3, 1), doi="10.1000/TBS.2025.01", types=(RCT,)),
        make_record("90000502", TITLE + ".", date(2025, 3, 20),
                    doi="https://doi.org/10.1000/tbs.2025.01", status="Publisher"),
    ])
    summary = poll(db, EutilsClient(settings), baseline, therapy_ids=["rtms"], today=TODAY)
    assert summary.duplicates == 1
    assert canonical(db) == {"90000501": None, "90000502": "90000501"}
    with db.session() as session:
        (link,) = list_links(session)
    assert link.kind == "doi" and link.status == "confirmed" and link.decided_by == "rule:doi"


def test_near_duplicate_waits_for_a_person_and_the_decision_sticks(db, baseline, eutils_server,
                                                                   settings):
    eutils_server.add_records([
        make_record("90000601", TITLE, date(2025, 3, 1), author="Lindqvist"),
        make_record("90000602", TITLE.replace("randomized", "randomised").replace(":", " -"),
                    date(2025, 3, 9), author="Lindqvist"),
        # a different trial with a near-identical generic title, other authors: not a duplicate
        make_record("90000603", "Theta burst stimulation for treatment-resistant depression: a "
                    "randomized controlled trial", date(2025, 3, 10), author="Takahashi"),
    ])
    client = EutilsClient(settings)
    poll(db, client, baseline, therapy_ids=["rtms"], today=TODAY)
    with db.session() as session:
        links = list_links(session)
    assert [({link.pmid, link.other_pmid}, link.status) for link in links] == [
        ({"90000601", "90000602"}, "possible")
    ]
    assert canonical(db)["90000602"] is None  # possible duplicates still count apart

    with db.session() as session:
        decide(session, links[0].id, "reject", who="reviewer", note="different cohorts",
               now=datetime.now())
    # the same pair seen again by a later poll (re-covered window) and a new version of a record
    eutils_server.add_records([make_record("90000602", TITLE.replace("randomized", "randomised"),
                                           date(2025, 3, 9), author="Lindqvist", version=2)])
    poll(db, client, baseline, therapy_ids=["rtms"], since=date(2025, 3, 1), today=TODAY)
    with db.session() as session:
        statuses = session.scalars(select(DuplicateLink.status)).all()
    assert statuses == ["rejected"]

    with db.session() as session:
        decide(session, links[0].id, "confirm", who="reviewer", note=None, now=datetime.now())
    assert canonical(db)["90000602"] == "90000601"
    poll(db, client, baseline, therapy_ids=["rtms"], since=date(2025, 3, 1), today=TODAY)
    assert canonical(db)["90000602"] == "90000601"


def test_an_erratum_titled_like_its_article_is_never_merged(db, baseline, eutils_server,
                                                             settings):
    from tracker.records import CommentCorrection, PublicationType

    eutils_server.add_records([
        make_record("90000701", TITLE, date(2025, 3, 1), doi="10.1000/tbs.7"),
        make_record("90000702", f"Erratum: {TITLE}", date(2025, 4, 1),
                    types=(PublicationType("D016425", "Published Erratum"),),
                    comments_corrections=(CommentCorrection("ErratumFor", "90000701"),)),
    ])
    poll(db, EutilsClient(settings), baseline, therapy_ids=["rtms"], today=TODAY)
    assert canonical(db) == {"90000701": None, "90000702": None}
    with db.session() as session:
        assert list_links(session) == []


def test_stored_fingerprint_equals_the_records(db, baseline, eutils_server, settings):
    """Detection reads fingerprints back from columns; they must match duplicate_match's own."""
    from tracker.evidence import duplicate_match as dedupe
    from tracker.evidence.duplicate_links import FINGERPRINT_COLUMNS, _fingerprint
    from tracker.records import CommentCorrection

    record = make_record("90000901", TITLE, date(2025, 3, 1), doi="doi:10.1000/ABC.",
                         electronic_date=date(2024, 12, 30),
                         comments_corrections=(CommentCorrection("CommentIn", "90000902"),))
    eutils_server.add_records([record])
    poll(db, EutilsClient(settings), baseline, therapy_ids=["rtms"], today=TODAY)
    with db.session() as session:
        row = session.execute(select(*FINGERPRINT_COLUMNS)).one()
    stored = _fingerprint(row)
    assert stored == dedupe.fingerprint(row.id, record)
    assert stored.year == 2024 and stored.linked_pmids == {"90000902"}


def test_the_run_finds_the_duplicates_the_in_memory_index_finds(db):
    """DuplicateFinder keeps only blocking keys and reads candidates from the store; batch by
    batch it must link exactly the pairs duplicate_match's in-memory index finds, against papers
    stored before the run, earlier batches and earlier papers of the same batch alike."""
    from dataclasses import replace

    from tracker.demo.synth import synthetic_records
    from tracker.evidence import DuplicateFinder
    from tracker.evidence import duplicate_match as dedupe
    from tracker.ingest import upsert_records

    now = datetime(2025, 6, 30, 12, 0)
    originals = list(synthetic_records(240))
    records = []
    for number, record in enumerate(originals):
        records.append(record)
        copy_pmid = str(91_000_000 + number)
        if number % 8 == 0 and record.doi:  # the same DOI under another PMID
            records.append(replace(record, pmid=copy_pmid))
        elif number % 8 == 3:  # a re-issued record: no identifiers, a UK spelling, a full stop
            records.append(replace(record, pmid=copy_pmid, doi=None, pmcid=None,
                                   title=record.title.replace("ize", "ise") + "."))
    records.insert(len(records) - 5, replace(originals[1], pmid="91999999", doi=None,
                                             pmcid=None))  # a late copy of an early paper
    stored_before, run = records[:60], records[60:]

    with db.session() as session:
        ids = upsert_records(session, stored_before, run_id=None, now=now).ids
    with db.session() as session:
        finder = DuplicateFinder(session)
    for start in range(0, len(run), 45):
        with db.session() as session:
            result = upsert_records(session, run[start:start + 45], run_id=None, now=now)
            ids.update(result.ids)
            finder.detect(session, list(result.new.values()), now)
    with db.session() as session:
        linked = {(link.paper_id, link.other_id, link.kind, link.score)
                  for link in session.scalars(select(DuplicateLink))}

    fingerprints = {r.pmid: dedupe.fingerprint(ids[r.pmid], r) for r in records}
    index = dedupe.DuplicateIndex(fingerprints[r.pmid] for r in stored_before)
    expected = {
        (*sorted((match.paper_id, match.other_id)), match.kind, match.score)
        for match in dedupe.find_duplicates((fingerprints[r.pmid] for r in run), index)
    }
    assert linked == expected
    assert {kind for _, _, kind, _ in linked} == {"doi", "title"}
    assert len(linked) >= 40


def test_a_title_changed_in_the_run_is_scored_as_it_now_reads(db, baseline):
    """A paper a run updates is filed and scored under the title just written: neither the
    blocking keys and title shape filed when the run began nor the titles kept for scoring
    across batches hold its old title."""
    import io

    from tracker.evidence import DuplicateFinder
    from tracker.ingest.papers import sync_therapies
    from tracker.ingest.poll import store_batch
    from tracker.pubmed.parse import iter_records
    from tracker.pubmed.xmlwrite import write_articleset

    def parsed(*records):
        xml = io.BytesIO()
        write_articleset(records, xml)
        return list(iter_records(io.BytesIO(xml.getvalue())))

    before = ("Ketamine infusions for treatment-resistant depression in older adults: an open "
              "pilot study")
    after = ("Ketamine infusions for treatment-resistant depression in older adults: a "
             "randomised controlled trial of repeated dosing")
    first = parsed(make_record("90000601", before, date(2025, 3, 1)))
    second = parsed(make_record("90000601", after, date(2025, 3, 1), date_revised=date(2025, 4, 1)),
                    make_record("90000602", after.replace("randomised", "randomized"),
                                date(2025, 3, 5)))
    finders = {"90000601": ["ketamine"], "90000602": ["ketamine"]}
    with db.session() as session:
        sync_therapies(session, baseline)
        finder = DuplicateFinder(session)
    for batch in (first, second):
        with db.session() as session:
            store_batch(session, batch, finders, finder, (), run_id=None, now=datetime.now)
    with db.session() as session:
        (link,) = list_links(session)
    assert (link.status, link.kind) == ("possible", "title")
    assert {link.pmid, link.other_pmid} == {"90000601", "90000602"}
