"""EutilsClient against the local E-utilities server: fewest requests, faults, limits, secrets."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import date, timedelta

import pytest

from tracker.config import Settings
from tracker.demo.server import EutilsServer
from tracker.errors import PubMedError, QueryRejectedError, ResponseError, TransportError
from tracker.pubmed.eutils import Citation, EutilsClient, crdt_term, split_window
from tracker.pubmed.transport import Throttle, Transport
from tracker.records import Author, DeletedCitation, PaperRecord, PartialDate

from eutils_faults import (
    bad_gateway,
    cpp_exception,
    empty_body,
    empty_esearch_result,
    error_in_body,
    expired_webenv,
    fewer_records,
    hang,
    malformed_xml,
    max_in_window,
    missing_lines,
    rate_limited,
    reset,
    search_backend_failed,
    server_error,
    temporary_bad_request,
    truncated,
    unavailable,
)

API_KEY = "NCBIKEY-5f4dcc3b5aa765d61d8327deb882cf99"
DAY0 = date(2025, 3, 1)


def paper(pmid: int, day: int, title: str = "Ketamine infusion for treatment-resistant depression",
          **fields) -> PaperRecord:
    return PaperRecord(pmid=str(pmid), title=title, entrez_date=DAY0 + timedelta(days=day),
                       **fields)


# 30 ketamine papers created one a day from DAY0, and 5 on an unrelated topic
RECORDS = [paper(38000000 + i, i) for i in range(30)] + [
    paper(39000000 + i, i, title="Lithium in bipolar disorder") for i in range(5)
]
KETAMINE = [r.pmid for r in RECORDS if "Ketamine" in r.title]


def client_for(server: EutilsServer, **overrides) -> EutilsClient:
    values = dict(
        eutils_url=server.url, email="tests@example.org", tool="trd-tracker-tests",
        batch_size=10, max_retries=3, backoff_base=0.01, backoff_max=0.05, timeout=2.0,
        requests_per_second=200.0,  # a loopback server: no need to wait between requests
    )
    values.update(overrides)
    settings = Settings(**values)
    return EutilsClient(settings, Transport(settings, throttle=Throttle()))


def endpoint_requests(server: EutilsServer, endpoint: str):
    return [r for r in server.requests if r.endpoint == endpoint]


@pytest.fixture
def start_server():
    """Start local E-utilities servers holding given records; all stop after the test."""
    started: list[EutilsServer] = []

    def start(records) -> EutilsServer:
        started.append(EutilsServer(records).start())
        return started[-1]

    yield start
    for running in started:
        running.stop()


@pytest.fixture
def server(start_server):
    return start_server(RECORDS)


# -- ESearch ---------------------------------------------------------------------------------------

def test_search_ids_is_one_request_with_a_crdt_window(server):
    client = client_for(server)
    window = (DAY0 + timedelta(days=5), DAY0 + timedelta(days=14))
    result = client.search_ids("ketamine", window)

    assert sorted(result.ids) == sorted(KETAMINE[5:15])  # both ends of the window included
    assert result.count == 10
    assert "Date - Create" in result.translation
    [request] = server.requests
    assert request.params["term"] == (
        '(ketamine) AND ("2025/03/06"[crdt] : "2025/03/15"[crdt])'
    )
    assert request.params["retmax"] == "9999"


def test_count_asks_for_no_ids(server):
    result = client_for(server).count("ketamine")
    assert (result.count, result.ids) == (30, [])
    assert server.requests[0].params["retmax"] == "0"


def test_zero_hits_is_a_valid_answer_not_retried(server):
    result = client_for(server).search_ids("psilocybin", (DAY0, DAY0 + timedelta(days=40)))
    assert (result.count, result.ids) == (0, [])
    assert any(w.startswith("PhraseNotFound") for w in result.warnings)
    assert len(server.requests) == 1


@pytest.mark.parametrize("term", ["ketamine[xyz]", "ketamine[tiab] OR esketamine[notafield]"])
def test_unknown_field_is_rejected_without_retry(server, term):
    with pytest.raises(QueryRejectedError, match="xyz|notafield"):
        client_for(server).search_ids(term)
    assert len(server.requests) == 1


def test_query_syntax_error_is_rejected_without_retry(server):
    with pytest.raises(QueryRejectedError):
        client_for(server).search_ids('ketamine AND ("2025/01/01"[crdt] :')
    assert len(server.requests) == 1


# fault -> what the retry warning must name, so a test cannot pass on some other failure
ESEARCH_FAULTS = {
    "429": (rate_limited(), "HTTP 429"),
    "429 Retry-After": (rate_limited(retry_after=0.01), "HTTP 429"),
    "500": (server_error(), "HTTP 500"),
    "502": (bad_gateway(), "HTTP 502"),
    "503": (unavailable(), "HTTP 503"),
    "400 Unknown Error": (temporary_bad_request(), "HTTP 400"),
    "hang": (hang(2.0), "timed out"),
    "reset": (reset(), "ConnectionError"),
    "truncated": (truncated(0.6), "IncompleteRead"),
    "malformed": (malformed_xml(), "ResponseError"),
    "empty body": (empty_body(), "ResponseError"),
    "ERROR in 200": (error_in_body(), "ResponseError: PubMed: Error: External viewer error"),
    "Search Backend failed": (search_backend_failed(), "ResponseError: PubMed: Search Backend"),
    "Search Backend failed 400": (search_backend_failed(400), "HTTP 400"),
    "C++ exception": (cpp_exception(), "ResponseError"),
    "empty eSearchResult": (empty_esearch_result(), "Count 0 without a query translation"),
}


@pytest.mark.parametrize(("fault", "reason"), ESEARCH_FAULTS.values(), ids=ESEARCH_FAULTS.keys())
def test_esearch_faults_are_retried_then_succeed(server, caplog, fault, reason):
    server.inject("esearch.fcgi", fault, times=2)
    client = client_for(server, timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="tracker.pubmed"):
        result = client.search_ids("ketamine")
    assert sorted(result.ids) == sorted(KETAMINE)
    assert len(server.requests) == 3
    assert client.transport.stats.retries == 2
    retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 2 and all(reason in message for message in retried), retried


@pytest.mark.parametrize(
    ("fault", "error"),
    [(server_error(), TransportError), (error_in_body(), ResponseError),
     (empty_esearch_result(), ResponseError)],
    ids=["500", "ERROR in 200", "empty eSearchResult"],
)
def test_esearch_gives_up_cleanly_after_max_retries(server, fault, error):
    server.inject("esearch.fcgi", fault, times=10)
    with pytest.raises(error):
        client_for(server, max_retries=2).search_ids("ketamine")
    assert len(server.requests) == 3


# -- past 9,999: splitting the create-date window -------------------------------------------------

@pytest.fixture(scope="module")
def big_server():
    spread = [paper(30000000 + i, i % 61, title=f"Esketamine cohort {i}") for i in range(10_500)]
    one_day = [paper(31000000 + i, 10, title=f"Lithium cohort {i}") for i in range(10_000)]
    with EutilsServer(spread + one_day) as server:
        yield server


def test_search_past_9999_splits_the_window_and_gets_everything(big_server):
    big_server.requests.clear()
    client = client_for(big_server)
    window = (DAY0, DAY0 + timedelta(days=60))
    result = client.search_ids("esketamine", window)

    assert result.count == 10_500
    assert sorted(result.ids) == [str(30000000 + i) for i in range(10_500)]
    searches = endpoint_requests(big_server, "esearch.fcgi")
    assert len(searches) == 3  # the whole window, then two parts that fit
    assert all(int(r.params.get("retstart", 0)) < 9999 for r in searches)
    assert all("[crdt]" in r.params["term"] for r in searches)


def test_search_past_9999_without_a_window_still_gets_everything(big_server):
    result = client_for(big_server).search_ids("esketamine")
    assert len(set(result.ids)) == 10_500


def test_a_single_day_past_9999_is_an_error_not_a_truncation(big_server):
    with pytest.raises(PubMedError, match="2025-03-11"):
        client_for(big_server).search_ids("lithium", (DAY0, DAY0 + timedelta(days=60)))


def test_split_window_covers_every_day_once():
    window = (date(2024, 1, 1), date(2024, 12, 31))
    for parts in (1, 2, 3, 7, 366, 1000):
        pieces = split_window(window, parts)
        days = [p[0] + timedelta(days=d) for p in pieces for d in range((p[1] - p[0]).days + 1)]
        assert days == [window[0] + timedelta(days=d) for d in range(366)]
        assert len(pieces) == min(parts, 366)


def test_crdt_term_shape():
    assert crdt_term("rtms", None) == "rtms"
    assert crdt_term("a OR b", (date(2025, 1, 28), date(2025, 2, 3))) == (
        '(a OR b) AND ("2025/01/28"[crdt] : "2025/02/03"[crdt])'
    )


# -- EFetch by id ---------------------------------------------------------------------------------

def test_fetch_posts_batches_and_yields_every_record(server):
    client = client_for(server, batch_size=8)
    items = list(client.fetch(KETAMINE))

    assert [i.pmid for i in items] == KETAMINE
    assert items[0].title == RECORDS[0].title and items[0].entrez_date == DAY0
    fetches = endpoint_requests(server, "efetch.fcgi")
    assert len(fetches) == math.ceil(30 / 8)
    assert all(r.method == "POST" for r in fetches)
    assert client.missing == []


def test_fetch_refetches_records_left_out_once(server):
    server.inject("efetch.fcgi", fewer_records(drop=2), times=1)
    client = client_for(server, batch_size=10)
    items = list(client.fetch(KETAMINE))

    assert sorted(i.pmid for i in items) == sorted(KETAMINE)
    assert len(items) == 30  # nothing twice
    fetches = endpoint_requests(server, "efetch.fcgi")
    assert len(fetches) == 4
    short = fetches[0].params["id"].split(",")  # batches run concurrently: the first to arrive
    assert fetches[-1].params["id"].split(",") == short[-2:]
    assert client.missing == []


def test_fetch_reports_what_never_comes_back(server):
    ghosts = ["99999901", "99999902"]
    client = client_for(server, batch_size=10)
    items = list(client.fetch(KETAMINE[:5] + ghosts + ["99999903"]))
    assert [i.pmid for i in items] == KETAMINE[:5]
    assert client.missing == ghosts + ["99999903"]
    assert len(endpoint_requests(server, "efetch.fcgi")) == 2  # the batch, one refetch


def test_fetch_of_only_unknown_ids_is_an_answer_not_a_failure(server):
    client = client_for(server)
    assert list(client.fetch(["99999901"])) == []  # HTTP 400 "ID list is empty!"
    assert client.missing == ["99999901"]
    assert client.transport.stats.retries == 0


def test_still_missing_after_the_refetch(server):
    server.inject("efetch.fcgi", fewer_records(drop=1), times=2)
    client = client_for(server, batch_size=10)
    items = list(client.fetch(KETAMINE[:10]))
    assert len(items) == 9
    assert client.missing == [KETAMINE[9]]


def test_deleted_citations_are_returned(server):
    server.delete_records([KETAMINE[3]])
    client = client_for(server)
    items = list(client.fetch(KETAMINE[:5]))
    deleted = [i for i in items if isinstance(i, DeletedCitation)]
    assert [d.pmids for d in deleted] == [(KETAMINE[3],)]
    assert sorted(i.pmid for i in items if isinstance(i, PaperRecord)) == sorted(
        KETAMINE[:3] + KETAMINE[4:5]
    )
    assert client.missing == []


EFETCH_FAULTS = {
    "429": (rate_limited(), "HTTP 429"),
    "500": (server_error(), "HTTP 500"),
    "503": (unavailable(), "HTTP 503"),
    "400 Unknown Error": (temporary_bad_request(), "HTTP 400"),
    "hang": (hang(2.0), "timed out"),
    "reset": (reset(), "ConnectionError"),
    "truncated": (truncated(0.5), "IncompleteRead"),
    "malformed": (malformed_xml(), "ResponseError"),
    "empty body": (empty_body(), "ResponseError"),
    "ERROR in 200": (error_in_body(), "ResponseError: PubMed EFetch: Error: External viewer"),
    "C++ exception": (cpp_exception(), "ResponseError"),
}


@pytest.mark.parametrize(("fault", "reason"), EFETCH_FAULTS.values(), ids=EFETCH_FAULTS.keys())
def test_efetch_faults_are_retried_then_succeed(server, caplog, fault, reason):
    server.inject("efetch.fcgi", fault, times=2)
    client = client_for(server, timeout=0.5)
    with caplog.at_level(logging.WARNING, logger="tracker.pubmed"):
        items = list(client.fetch(KETAMINE[:10]))
    assert [i.pmid for i in items] == KETAMINE[:10]
    assert len(endpoint_requests(server, "efetch.fcgi")) == 3
    assert client.missing == []
    retried = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(retried) == 2 and all(reason in message for message in retried), retried


def test_efetch_gives_up_with_response_error(server):
    server.inject("efetch.fcgi", malformed_xml(), times=10)
    with pytest.raises(ResponseError):
        list(client_for(server, max_retries=1).fetch(KETAMINE[:3]))
    assert len(server.requests) == 2


# -- ESearch history + EFetch by WebEnv --------------------------------------------------------

def test_fetch_search_uses_the_history_server(server):
    client = client_for(server, batch_size=7)
    items = list(client.fetch_search("ketamine", (DAY0, DAY0 + timedelta(days=29))))

    assert sorted(i.pmid for i in items) == sorted(KETAMINE)
    [search] = endpoint_requests(server, "esearch.fcgi")
    assert search.params["usehistory"] == "y"
    fetches = endpoint_requests(server, "efetch.fcgi")
    assert len(fetches) == math.ceil(30 / 7)
    assert [int(f.params["retstart"]) for f in fetches] == [0, 7, 14, 21, 28]
    assert all(f.params["WebEnv"] == fetches[0].params["WebEnv"] for f in fetches)
    assert client.missing == []


def test_expired_webenv_is_recreated_and_fetching_goes_on(server):
    client = client_for(server, batch_size=10)
    stream = client.fetch_search("ketamine")
    first = [next(stream) for _ in range(10)]
    server.expire_history()  # NCBI evicted the WebEnv between two batches
    rest = list(stream)

    assert sorted(i.pmid for i in first + rest) == sorted(KETAMINE)
    assert len(first + rest) == 30
    searches = endpoint_requests(server, "esearch.fcgi")
    fetches = endpoint_requests(server, "efetch.fcgi")
    assert len(searches) == 2
    assert [int(f.params["retstart"]) for f in fetches] == [0, 10, 10, 20]
    assert fetches[2].params["WebEnv"] != fetches[0].params["WebEnv"]


def test_webenv_that_keeps_expiring_fails_cleanly(server):
    server.inject("efetch.fcgi", expired_webenv(), times=100)
    with pytest.raises(ResponseError, match="history"):
        list(client_for(server).fetch_search("ketamine"))


def test_fetch_search_with_fewer_records_refetches_by_id(server):
    server.inject("efetch.fcgi", fewer_records(drop=3), times=1)
    client = client_for(server, batch_size=10)
    items = list(client.fetch_search("ketamine"))
    assert sorted(i.pmid for i in items) == sorted(KETAMINE)
    last = endpoint_requests(server, "efetch.fcgi")[-1]
    assert len(last.params["id"].split(",")) == 3
    assert client.missing == []


def test_fetch_search_past_9999(big_server):
    big_server.requests.clear()
    client = client_for(big_server, batch_size=5000)
    items = list(client.fetch_search("esketamine", (DAY0, DAY0 + timedelta(days=60))))
    assert len({i.pmid for i in items}) == 10_500
    searches = endpoint_requests(big_server, "esearch.fcgi")
    assert len(searches) == 3 and all(s.params["usehistory"] == "y" for s in searches)
    assert len(endpoint_requests(big_server, "efetch.fcgi")) == 4  # 2 parts x 2 batches of 5,000


# -- refresh: modification dates -------------------------------------------------------------------

def test_search_modified_uses_mdat(server):
    revised = replace(RECORDS[2], date_revised=date(2025, 6, 10))
    server.add_records([revised])
    result = client_for(server).search_modified("ketamine", date(2025, 6, 1), date(2025, 6, 30))
    assert result.ids == [revised.pmid]
    params = server.requests[0].params
    assert (params["datetype"], params["mindate"], params["maxdate"]) == (
        "mdat", "2025/06/01", "2025/06/30"
    )


# -- ECitMatch -----------------------------------------------------------------------------------

CITED = [
    paper(37000001, 1, title="rTMS of the DLPFC", journal="Brain Stimulation",
          volume="16", pages="101-110", pub_date=PartialDate(2023),
          authors=(Author("George", "Mark", "MS"),)),
    paper(37000002, 1, title="VNS at five years", journal="Journal of Affective Disorders",
          volume="300", pages="55-60", pub_date=PartialDate(2022),
          authors=(Author("Rush", "John", "AJ"),)),
    paper(37000003, 1, title="VNS at five years, again", journal="Journal of Affective Disorders",
          volume="300", pages="55-60", pub_date=PartialDate(2022),
          authors=(Author("Rush", "John", "AJ"),)),
]
CITATIONS = [
    Citation("george2023", "Brain Stimulation", 2023, 16, 101, "George MS"),
    Citation("rush2022", "Journal of Affective Disorders", 2022, 300, 55, "Rush AJ"),
    Citation("nobody", "Brain Stimulation", 1999, 1, 1, "Nobody X"),
    Citation("badjournal", "Journal of Nothing", 2020, 1, 1, "Nobody X"),
]


def test_citmatch_found_not_found_ambiguous(start_server):
    server = start_server(CITED)
    results = client_for(server).citmatch(CITATIONS)
    assert list(results) == ["george2023", "rush2022", "nobody", "badjournal"]
    assert (results["george2023"].status, results["george2023"].pmid) == ("found", "37000001")
    assert results["rush2022"].status == "ambiguous"
    assert set(results["rush2022"].candidates) == {"37000002", "37000003"}
    assert results["nobody"].status == "not_found"
    assert results["badjournal"].status == "not_found"
    assert "INVALID_JOURNAL" in results["badjournal"].detail
    [request] = server.requests
    assert request.params["bdata"].count("|") == 4 * 6


def test_citmatch_asks_again_for_lost_lines_then_reports_them(start_server):
    server = start_server(CITED)
    server.inject("ecitmatch.cgi", server_error(), times=1)
    server.inject("ecitmatch.cgi", missing_lines(drop=1), times=1)
    results = client_for(server).citmatch(CITATIONS)
    assert results["badjournal"].status == "not_found"  # asked again, answered
    requests = endpoint_requests(server, "ecitmatch.cgi")
    assert len(requests) == 3  # the 500, the short answer, the retry of the lost line
    assert "badjournal" in requests[-1].params["bdata"]
    assert "george2023" not in requests[-1].params["bdata"]

    server.inject("ecitmatch.cgi", missing_lines(drop=1), times=2)
    again = client_for(server).citmatch(CITATIONS)
    assert again["badjournal"].status == "missing"
    assert again["george2023"].status == "found"


# -- politeness and secrets, end to end ------------------------------------------------------------

def _busy_run(client: EutilsClient, server: EutilsServer) -> None:
    server.inject("esearch.fcgi", rate_limited(), times=1)
    server.inject("efetch.fcgi", server_error(), times=1)
    result = client.search_ids("ketamine")
    list(client.fetch(result.ids))


def test_rate_limit_and_identity_at_the_server(server):
    settings = Settings(eutils_url=server.url, email="tests@example.org", tool="trd-tracker-tests",
                        batch_size=10, backoff_base=0.01, backoff_max=0.05)
    throttle = Throttle()
    first = EutilsClient(settings, Transport(settings, throttle=throttle))
    second = EutilsClient(settings, Transport(settings, throttle=throttle))
    _busy_run(first, server)
    second.count("lithium")

    assert len(server.requests) == 7  # 2 searches (one retry), 4 fetches (one retry), 1 count
    assert max_in_window([r.time for r in server.requests]) <= 3
    for request in server.requests:
        assert request.params["tool"] == "trd-tracker-tests"
        assert request.params["email"] == "tests@example.org"
        assert "api_key" not in request.params


def test_rate_limit_with_api_key(server):
    settings = Settings(eutils_url=server.url, email="tests@example.org", api_key=API_KEY,
                        batch_size=2, backoff_base=0.01, backoff_max=0.05)
    client = EutilsClient(settings, Transport(settings, throttle=Throttle()))
    _busy_run(client, server)
    times = [r.time for r in server.requests]
    assert len(times) == 2 + 16
    assert 9 <= max_in_window(times) <= 10
    assert all(r.params["api_key"] == API_KEY for r in server.requests)


def test_api_key_never_in_logs_or_errors(server, caplog):
    client = client_for(server, api_key=API_KEY, max_retries=2)
    server.inject("esearch.fcgi", rate_limited(), times=10)  # NCBI's 429 body echoes the key
    with caplog.at_level(logging.DEBUG), pytest.raises(TransportError) as info:
        client.search_ids("ketamine")
    assert "429" in str(info.value)
    assert API_KEY not in str(info.value)
    server.inject("efetch.fcgi", reset(), times=10)
    with caplog.at_level(logging.DEBUG), pytest.raises(TransportError) as info:
        list(client.fetch(KETAMINE[:2]))
    assert API_KEY not in str(info.value)
    assert "esearch.fcgi" in caplog.text and "efetch.fcgi" in caplog.text
    assert API_KEY not in caplog.text
    assert all(r.params["api_key"] == API_KEY for r in server.requests)
