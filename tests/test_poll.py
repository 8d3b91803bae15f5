"""Polling end to end: the real client against the local E-utilities server, into SQLite."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tracker.errors import PubMedError, QueryRejectedError
from tracker.evidence.snapshots import load_snapshots
from tracker.ingest.poll import poll
from tracker.pubmed.eutils import EutilsClient
from tracker.store.models import Paper, Run, TherapyPaper, Watermark

from eutils_faults import server_error
from records_factory import RCT, make_record

TODAY = date(2025, 6, 30)


def both_drugs(pmid, created, **kw):
    return make_record(pmid, "Esketamine nasal spray versus intravenous ketamine in "
                       "treatment-resistant depression", created, **kw)


def efetched_ids(server) -> list[str]:
    ids = []
    for request in server.requests:
        if request.endpoint == "efetch.fcgi" and request.params.get("id"):
            ids.extend(request.params["id"].split(","))
    return ids


def count(db, model):
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_paper_two_therapies_find_is_fetched_and_stored_once(db, baseline, eutils_server,
                                                                settings):
    eutils_server.add_records([
        both_drugs("90000101", date(2025, 3, 3), types=(RCT,)),
        make_record("90000102", "Ketamine infusions in treatment-resistant depression",
                    date(2025, 3, 4)),
    ])
    summary = poll(db, EutilsClient(settings), baseline, therapy_ids=["ketamine", "esketamine"],
                   today=TODAY)
    assert summary.status == "ok"
    assert sorted(efetched_ids(eutils_server)) == ["90000101", "90000102"]
    assert count(db, Paper) == 2
    with db.session() as session:
        links = session.execute(
            select(TherapyPaper.therapy_id, Paper.pmid).join(Paper)
        ).all()
        marks = dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())
    assert sorted(links) == [("esketamine", "90000101"), ("ketamine", "90000101"),
                             ("ketamine", "90000102")]
    assert marks == {"ketamine": TODAY, "esketamine": TODAY}
    by_therapy = {p.therapy.id: p for p in summary.therapies}
    assert by_therapy["ketamine"].new_papers == 2
    with db.session() as session:  # the poll rebuilt the evidence snapshots
        latest = load_snapshots(session, ["ketamine"], TODAY, TODAY)["ketamine"][-1]
    assert latest.cumulative_by_level.get("rct") == 1
    assert by_therapy["esketamine"].new_papers == 1


def test_rerun_fetches_nothing_and_the_last_day_is_recovered(db, baseline, eutils_server,
                                                              settings):
    eutils_server.add_records([both_drugs("90000101", date(2025, 6, 29))])
    client = EutilsClient(settings)
    poll(db, client, baseline, therapy_ids=["ketamine"], today=TODAY)
    fetched_before = len(efetched_ids(eutils_server))
    poll(db, client, baseline, therapy_ids=["ketamine"], today=TODAY)
    assert len(efetched_ids(eutils_server)) == fetched_before
    # a record PubMed adds later on the last polled day is still found by the next poll
    eutils_server.add_records([make_record("90000103", "Ketamine for refractory depression",
                                           TODAY)])
    summary = poll(db, client, baseline, therapy_ids=["ketamine"], today=date(2025, 7, 2))
    assert summary.new_papers == 1
    assert summary.therapies[0].start == TODAY
    assert count(db, Paper) == 2


def test_create_date_not_entrez_date(db, baseline, eutils_server, settings):
    """PubMed back-dates the Entrez date of late additions; the create date still finds them."""
    eutils_server.add_records([make_record(
        "90000104", "Ketamine in treatment-resistant depression: a 2019 cohort added late",
        date(2025, 4, 2), pubmed_date=date(2019, 5, 1),
    )])
    summary = poll(db, EutilsClient(settings), baseline, therapy_ids=["ketamine"],
                   since=date(2025, 4, 1), until=date(2025, 4, 3), today=TODAY)
    assert summary.new_papers == 1
    assert "[crdt]" in summary.therapies[0].search.translation.lower() or any(
        "crdt" in r.params.get("term", "").lower() for r in eutils_server.requests
    )


def test_crash_halfway_loses_nothing_and_rerun_duplicates_nothing(db, baseline, eutils_server,
                                                                  settings):
    records = [make_record(str(90000200 + i), f"Ketamine trial {i} in treatment-resistant "
                           "depression", date(2025, 3, 1 + i)) for i in range(6)]
    eutils_server.add_records(records)
    client = EutilsClient(settings.__class__(**{**settings.__dict__, "batch_size": 2,
                                               "max_retries": 1}))
    # the first EFetch batch succeeds, then the server fails long enough to exhaust retries
    calls = []
    fail = server_error()
    outage = {"on": True}

    def first_batch_passes(request):
        calls.append(request)
        return fail(request) if len(calls) > 1 and outage["on"] else None

    eutils_server.inject("efetch.fcgi", first_batch_passes, times=1000)
    with pytest.raises(PubMedError):
        poll(db, client, baseline, therapy_ids=["ketamine"], today=TODAY, batch_size=2)
    with db.session() as session:
        kept = set(session.scalars(select(Paper.pmid)))
    assert len(kept) == 2  # the committed first batch survives the failure
    with db.session() as session:
        run = session.scalars(select(Run)).one()
        assert run.status == "failed" and run.error
        assert session.get(Watermark, "ketamine") is None
    outage["on"] = False
    eutils_server.requests.clear()
    summary = poll(db, client, baseline, therapy_ids=["ketamine"], today=TODAY, batch_size=2)
    assert summary.status == "ok"
    assert count(db, Paper) == 6
    assert sorted(efetched_ids(eutils_server)) == sorted({r.pmid for r in records} - kept)


def test_a_query_pubmed_rejects_writes_nothing(db, baseline, eutils_server, settings):
    from dataclasses import replace

    broken = replace(baseline, therapies=tuple(
        replace(t, query="ketamine[nosuchfield]") if t.id == "ketamine" else t
        for t in baseline.therapies
    ))
    with pytest.raises(QueryRejectedError):
        poll(db, EutilsClient(settings), broken, therapy_ids=["ketamine"], today=TODAY)
    assert count(db, Run) == 0
    assert count(db, Watermark) == 0


def test_dry_run_counts_and_writes_nothing(db, baseline, eutils_server, settings):
    eutils_server.add_records([both_drugs("90000101", date(2025, 3, 3))])
    summary = poll(db, EutilsClient(settings), baseline, therapy_ids=["ketamine"], today=TODAY,
                   dry_run=True)
    assert summary.therapies[0].found == 1
    assert summary.therapies[0].search.translation
    assert efetched_ids(eutils_server) == []
    assert count(db, Run) == 0 and count(db, Paper) == 0


def test_a_poll_leaves_the_garbage_collector_as_it_found_it(db, baseline, eutils_server,
                                                            settings):
    """While batches are written the objects alive at the start are frozen out of collection
    and young ones are collected in larger rounds; the collector is put back afterwards, after
    a failed batch too, and after a whole poll."""
    import gc

    from tracker.heap import YOUNG_OBJECTS
    from tracker.ingest.ahead import BatchesAhead

    before = (gc.get_threshold(), gc.get_freeze_count())
    seen = []

    def write(batch, derived):
        seen.append((gc.get_threshold()[0], gc.get_freeze_count()))
        if len(seen) == 2:
            raise RuntimeError("the second batch fails")

    with pytest.raises(RuntimeError), BatchesAhead(db, write) as ahead:
        for pmid in ("1", "2", "3"):
            ahead.add([make_record(pmid, f"Paper {pmid}", TODAY)])
    assert len(seen) == 2 and all(
        young >= YOUNG_OBJECTS and frozen > 0 for young, frozen in seen)
    assert (gc.get_threshold(), gc.get_freeze_count()) == before

    eutils_server.add_records([both_drugs("40000001", TODAY)])
    poll(db, EutilsClient(settings), baseline, therapy_ids=["esketamine"], today=TODAY)
    assert count(db, Paper) == 1
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
