"""A backfill fetches the next EFetch batches while the caller stores the one it has, and the
throttle still paces every request (bench/bench_requests.py --strategy poll measures the time)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date

from tracker.pubmed.eutils import FETCH_AHEAD, EutilsClient

from records_factory import make_record


def efetches(server) -> int:
    return sum(1 for request in server.requests if request.endpoint == "efetch.fcgi")


def test_the_next_batches_are_fetched_while_one_is_being_stored(eutils_server, settings):
    records = [make_record(str(90_001_000 + n), f"Ketamine infusions, cohort {n}",
                           date(2025, 3, 3)) for n in range(10)]
    eutils_server.add_records(records)
    client = EutilsClient(replace(settings, batch_size=2))
    batches_seen, requests_while_storing = 0, []
    for item in client.fetch([r.pmid for r in records]):
        if int(item.pmid) % 2 == 0:  # the first record of a batch: "store" the batch slowly
            batches_seen += 1
            time.sleep(0.5)
            requests_while_storing.append(efetches(eutils_server))
    assert batches_seen == 5
    # While the caller held batch 1, the next one was already requested...
    assert requests_while_storing[0] >= 2
    # ...but never more than FETCH_AHEAD batches ahead of what the caller has taken (bounded).
    for taken, requested in enumerate(requests_while_storing, start=1):
        assert requested <= taken + FETCH_AHEAD
    assert efetches(eutils_server) == 5  # each batch fetched once, none twice


def test_fetching_ahead_keeps_to_the_rate_limit(eutils_server, settings):
    records = [make_record(str(90_002_000 + n), f"Esketamine, site {n}", date(2025, 3, 3))
               for n in range(12)]
    eutils_server.add_records(records)
    client = EutilsClient(replace(settings, batch_size=1, requests_per_second=3.0))
    assert sum(1 for _ in client.fetch([r.pmid for r in records])) == 12
    times = sorted(r.time for r in eutils_server.requests if r.endpoint == "efetch.fcgi")
    assert len(times) == 12
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 3
