"""The local E-utilities server: every endpoint, every error shape, and the injected faults."""

from __future__ import annotations

import io
import socket
import threading
import time
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from Bio import Entrez
from lxml import etree

from tracker.demo.server import EutilsServer, Reply
from tracker.records import Author, PaperRecord, PartialDate

from eutils_faults import (
    bad_gateway,
    cpp_exception,
    empty_body,
    empty_esearch_result,
    error_in_body,
    eutils_server_factory_fixture,  # noqa: F401 - registers the eutils_server_factory fixture
    expired_webenv,
    fewer_records,
    hang,
    malformed_xml,
    missing_lines,
    rate_limited,
    reset,
    running_eutils_server,
    search_backend_failed,
    server_error,
    temporary_bad_request,
    truncated,
    unavailable,
)

FIRST_DAY = date(2025, 1, 1)


def paper(number: int, **fields) -> PaperRecord:
    """Record `number` of a run of papers created one a day from FIRST_DAY."""
    values = dict(
        pmid=str(40000000 + number),
        status="MEDLINE",
        title=f"Paper {number} on ketamine in treatment-resistant depression",
        authors=(Author("Okafor", "Ada", "A"),),
        journal="Journal of Affective Disorders",
        journal_abbrev="J Affect Disord",
        volume="370",
        pages=f"{100 + number}-{110 + number}",
        pub_date=PartialDate(2025, 1 + number % 12),
        entrez_date=FIRST_DAY + timedelta(days=number),
        languages=("eng",),
    )
    values.update(fields)
    return PaperRecord(**values)


PAPERS = [paper(n) for n in range(30)] + [
    paper(
        30,
        title="Theta burst stimulation for depression",
        authors=(Author("Lindqvist", "Maja", "M"),),
        journal="Brain Stimulation",
        journal_abbrev="Brain Stimul",
        volume="18",
        pages="45-52",
        pub_date=PartialDate(2024, 11),
    )
]


@pytest.fixture(scope="module")
def server():
    with EutilsServer(PAPERS, today=date(2025, 2, 10)) as running:
        yield running


@pytest.fixture
def http():
    with requests.Session() as session:
        yield session


def esearch(http, server, method="GET", **params):
    params.setdefault("db", "pubmed")
    if method == "POST":
        return http.post(server.url + "esearch.fcgi", data=params, timeout=10)
    return http.get(server.url + "esearch.fcgi", params=params, timeout=10)


def efetch(http, server, method="GET", **params):
    params.setdefault("db", "pubmed")
    params.setdefault("retmode", "xml")
    if method == "POST":
        return http.post(server.url + "efetch.fcgi", data=params, timeout=10)
    return http.get(server.url + "efetch.fcgi", params=params, timeout=10)


def read(response) -> dict:
    """Parse an answer with Biopython, as the tracker's client does."""
    return Entrez.read(io.BytesIO(response.content))


def fetched_pmids(response) -> list[str]:
    root = etree.fromstring(response.content)
    return [el.findtext("MedlineCitation/PMID") for el in root.iter("PubmedArticle")]


def port_of(server: EutilsServer) -> int:
    return urlsplit(server.url).port


def pmid(number: int) -> str:
    return str(40000000 + number)


# -- ESearch -------------------------------------------------------------------------------


def test_esearch_pages_newest_first_and_biopython_reads_it(http, server):
    response = esearch(http, server, term="ketamine[tiab]", retmax="5", retstart="2")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    assert b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd"' in response.content
    result = read(response)
    assert result["Count"] == "30"
    assert result["RetMax"] == "5" and result["RetStart"] == "2"
    assert result["IdList"] == [pmid(n) for n in (27, 26, 25, 24, 23)]
    assert result["QueryTranslation"] == '"ketamine"[Title/Abstract]'
    assert "WebEnv" not in result


def test_esearch_default_retmax_is_twenty(http, server):
    result = read(esearch(http, server, term="depression"))
    assert result["Count"] == "31"
    assert len(result["IdList"]) == 20 and result["RetMax"] == "20"


def test_esearch_post_answers_like_get(http, server):
    term = " OR ".join(["ketamine[tiab]"] + [f"nothing{n}[tiab]" for n in range(300)])
    assert len(term) > 4000
    posted = read(esearch(http, server, "POST", term=term, retmax="100"))
    got = read(esearch(http, server, term="ketamine[tiab]", retmax="100"))
    assert posted["IdList"] == got["IdList"] and posted["Count"] == "30"
    assert server.requests[-2].method == "POST"


def test_esearch_count_only(http, server):
    response = esearch(http, server, term="theta burst[ti]", rettype="count")
    assert read(response) == {"Count": "1"}
    as_json = esearch(http, server, term="theta burst[ti]", rettype="count", retmode="json")
    assert as_json.json()["esearchresult"] == {"count": "1"}


def test_esearch_json_shape_has_numbers_as_strings(http, server):
    body = esearch(http, server, term="ketamine", retmax="2", usehistory="y", retmode="json")
    assert body.headers["Content-Type"].startswith("application/json")
    data = body.json()
    assert data["header"]["type"] == "esearch"
    result = data["esearchresult"]
    assert result["count"] == "30" and result["retmax"] == "2" and result["retstart"] == "0"
    assert result["idlist"] == [pmid(29), pmid(28)]
    assert result["querykey"] == result["querykey"].strip() and result["querykey"].isdigit()
    assert result["webenv"].startswith("MCID_")
    assert result["querytranslation"] == '"ketamine"[All Fields]'
    assert result["translationset"] == []


def test_esearch_zero_hits_is_an_answer_not_an_error(http, server):
    response = esearch(http, server, term="ketamine[tiab] AND xylophone[tiab]")
    assert response.status_code == 200
    result = read(response)
    assert result["Count"] == "0" and result["IdList"] == []
    assert result["ErrorList"]["PhraseNotFound"] == ["xylophone"]
    assert result["WarningList"]["OutputMessage"] == ["No items found."]
    data = esearch(http, server, term="xylophone", retmode="json").json()["esearchresult"]
    assert data["count"] == "0"
    assert data["errorlist"]["phrasesnotfound"] == ["xylophone"]
    assert data["warninglist"]["outputmessages"] == ["No items found."]


def test_esearch_zero_hits_from_date_limits_still_reports_phrase_not_found(http, server):
    result = read(esearch(http, server, term="ketamine", datetype="crdt", mindate="2030",
                          maxdate="2031"))  # fmt: skip
    assert result["Count"] == "0"
    assert result["ErrorList"]["PhraseNotFound"] == ["ketamine"]


def test_esearch_unknown_field_is_dropped_and_reported(http, server):
    result = read(esearch(http, server, term="theta[ti] OR ketamine[bogus]"))
    assert result["Count"] == "1"
    assert result["ErrorList"]["FieldNotFound"] == ["bogus"]
    assert result["QueryTranslation"] == '"theta"[Title]'


def test_esearch_only_unknown_fields_is_an_error(http, server):
    response = esearch(http, server, term="ketamine[bogus]")
    assert response.status_code == 200
    assert b"<FieldNotFound>bogus</FieldNotFound>" in response.content
    with pytest.raises(RuntimeError, match="nothing todo"):
        read(response)
    data = esearch(http, server, term="ketamine[bogus]", retmode="json").json()
    assert "ERROR" in data["esearchresult"]
    assert data["esearchresult"]["errorlist"]["fieldsnotfound"] == ["bogus"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"term": "(ketamine OR rtms"}, "unbalanced parentheses"),
        ({"term": "ketamine", "db": "pubmedx"}, "Invalid db name specified: pubmedx"),
        ({"term": ""}, "Empty term"),
        ({"term": "ketamine", "retmax": "many"}, "whole numbers"),
        ({"term": "ketamine", "mindate": "2025"}, "together"),
        ({"term": "ketamine", "mindate": "2025-01-01", "maxdate": "2025"}, "Invalid date"),
        ({"term": "ketamine", "datetype": "xdat", "reldate": "3"}, "Invalid datetype"),
        ({"term": "ketamine", "reldate": "week"}, "Invalid reldate"),
    ],
)
def test_esearch_errors_are_http_200_with_error_element(http, server, params, message):
    response = esearch(http, server, **params)
    assert response.status_code == 200
    with pytest.raises(RuntimeError, match=message):
        read(response)
    data = esearch(http, server, retmode="json", **params).json()
    assert message in data["esearchresult"]["ERROR"]


def test_esearch_date_window_on_create_date(http, server):
    result = read(esearch(http, server, term="ketamine", datetype="crdt",
                          mindate="2025/01/05", maxdate="2025/01/07"))  # fmt: skip
    assert result["IdList"] == [pmid(6), pmid(5), pmid(4)]
    assert result["QueryTranslation"] == (
        '"ketamine"[All Fields] AND 2025/01/05:2025/01/07[Date - Create]'
    )


def test_esearch_date_range_in_the_term(http, server):
    result = read(esearch(http, server, term='ketamine AND "2025/01/29"[crdt] : "3000"[crdt]'))
    assert result["IdList"] == [pmid(29), pmid(28)]


def test_esearch_reldate_counts_back_from_today(http, server):
    # today is 2025-02-10; the last 12 days reach back to 2025-01-29 (= paper 28)
    result = read(esearch(http, server, term="ketamine", datetype="crdt", reldate="12"))
    assert result["IdList"] == [pmid(29), pmid(28)]
    assert "2025/01/29:2025/02/10[Date - Create]" in result["QueryTranslation"]


def test_esearch_sort_by_publication_date(http, server):
    result = read(esearch(http, server, term="depression", sort="pub_date", retmax="3"))
    # papers 11 and 23 are dated 2025 Dec; the later PMID first
    assert result["IdList"][:2] == [pmid(23), pmid(11)]
    by_default = read(esearch(http, server, term="depression", retmax="1"))
    assert by_default["IdList"] == [pmid(30)]


# -- the 9,999 paging limit ----------------------------------------------------------------


@pytest.fixture(scope="module")
def big_server():
    many = [
        PaperRecord(pmid=str(100000 + n), title="esketamine", entrez_date=FIRST_DAY)
        for n in range(10050)
    ]
    with EutilsServer(many) as running:
        yield running


def test_retmax_above_limit_is_clamped_with_a_warning(http, big_server):
    result = read(esearch(http, big_server, term="esketamine", retmax="100000"))
    assert result["Count"] == "10050"
    assert result["RetMax"] == "9999" and len(result["IdList"]) == 9999
    assert result["WarningList"]["OutputMessage"] == [
        "Restrictions achieved. start and count adjusted to 0, 9999"
    ]


def test_last_pageable_record_is_9999th(http, big_server):
    result = read(esearch(http, big_server, term="esketamine", retstart="9998", retmax="10"))
    assert len(result["IdList"]) == 1 and result["RetStart"] == "9998"
    assert "adjusted to 9998, 1" in result["WarningList"]["OutputMessage"][0]


@pytest.mark.parametrize("retstart", ["9999", "12000"])
def test_retstart_at_limit_is_a_backend_error(http, big_server, retstart):
    response = esearch(http, big_server, term="esketamine", retstart=retstart)
    assert response.status_code == 200
    with pytest.raises(RuntimeError, match="'retstart' cannot be larger than 9998"):
        read(response)
    assert response.text.count("Search Backend failed: Exception:\n") == 1


def test_count_beyond_limit_is_still_exact(http, big_server):
    assert read(esearch(http, big_server, term="esketamine", rettype="count"))["Count"] == "10050"


# -- history server ------------------------------------------------------------------------


def test_history_search_then_fetch_in_pages(http, server):
    found = read(esearch(http, server, term="ketamine", usehistory="y", retmax="0"))
    assert found["IdList"] == [] and found["Count"] == "30"
    webenv, key = found["WebEnv"], found["QueryKey"]
    pages = []
    for start in range(0, 30, 12):
        response = efetch(http, server, WebEnv=webenv, query_key=key, retstart=str(start),
                          retmax="12")  # fmt: skip
        assert response.status_code == 200
        pages.append(fetched_pmids(response))
    assert [len(p) for p in pages] == [12, 12, 6]
    assert sum(pages, []) == [pmid(n) for n in range(29, -1, -1)]


def test_history_keys_accumulate_in_one_webenv(http, server):
    first = read(esearch(http, server, term="theta", usehistory="y"))
    second = read(esearch(http, server, term="ketamine", usehistory="y", WebEnv=first["WebEnv"]))
    assert second["WebEnv"] == first["WebEnv"]
    assert int(second["QueryKey"]) > int(first["QueryKey"])
    theta = efetch(http, server, WebEnv=first["WebEnv"], query_key=first["QueryKey"])
    assert fetched_pmids(theta) == [pmid(30)]
    ketamine = efetch(http, server, WebEnv=first["WebEnv"], query_key=second["QueryKey"])
    assert len(fetched_pmids(ketamine)) == 20  # EFetch's default retmax


def test_history_errors(http, server):
    found = read(esearch(http, server, term="theta", usehistory="y"))
    unknown = efetch(http, server, WebEnv="MCID_nope", query_key="1")
    assert unknown.status_code == 200
    assert b"<ERROR>Unable to obtain query #1</ERROR>" in unknown.content
    beyond = efetch(http, server, WebEnv=found["WebEnv"], query_key=found["QueryKey"],
                    retstart="5")  # fmt: skip
    assert beyond.status_code == 400
    assert b"Cannot retrieve history data: OUT OF RANGE" in beyond.content
    assert b"<eFetchResult>" in beyond.content


def test_expired_history_is_gone_for_good(eutils_server_factory, http):
    local = eutils_server_factory(PAPERS[:3])
    found = read(esearch(http, local, term="ketamine", usehistory="y"))
    local.expire_history()
    for _ in range(2):
        response = efetch(http, local, WebEnv=found["WebEnv"], query_key=found["QueryKey"])
        assert b"Unable to obtain query #" in response.content


# -- EFetch --------------------------------------------------------------------------------


def test_efetch_by_id_get_and_post(http, server):
    ids = f"{pmid(3)},{pmid(1)},{pmid(2)}"
    got = efetch(http, server, id=ids)
    assert got.status_code == 200
    assert got.headers["Content-Type"].startswith("text/xml")
    assert b"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd" in got.content
    assert fetched_pmids(got) == [pmid(3), pmid(1), pmid(2)]
    posted = efetch(http, server, "POST", id=ids)
    assert posted.content == got.content
    articles = read(got)["PubmedArticle"]
    assert [str(a["MedlineCitation"]["PMID"]) for a in articles] == [pmid(3), pmid(1), pmid(2)]


def test_efetch_skips_invalid_ids_silently(http, server):
    response = efetch(http, server, id=f"{pmid(1)},abc,99999999999,{pmid(1)}, {pmid(2)}")
    assert response.status_code == 200
    assert fetched_pmids(response) == [pmid(1), pmid(2)]


def test_efetch_repeated_id_parameters_are_merged(http, server):
    response = http.get(server.url + "efetch.fcgi",
                        params=[("db", "pubmed"), ("id", pmid(4)), ("id", pmid(5))])  # fmt: skip
    assert fetched_pmids(response) == [pmid(4), pmid(5)]


@pytest.mark.parametrize("ids", ["abc,def", "1", ""])
def test_efetch_no_valid_id_is_http_400(http, server, ids):
    response = efetch(http, server, id=ids)
    assert response.status_code == 400
    root = etree.fromstring(response.content)
    assert root.tag == "eFetchResult"
    assert root.findtext("ERROR") == "ID list is empty! Possibly it has no correct IDs."


def test_efetch_other_db_and_retmode_are_refused(http, server):
    assert efetch(http, server, id=pmid(1), db="protein").status_code == 400
    text = efetch(http, server, id=pmid(1), retmode="text")
    assert text.status_code == 400 and b"<ERROR>" in text.content


def test_deleted_records_come_back_as_delete_citation(eutils_server_factory, http):
    local = eutils_server_factory(PAPERS[:4])
    local.delete_records([pmid(1), pmid(2)])
    response = efetch(http, local, id=f"{pmid(0)},{pmid(1)},{pmid(2)}")
    root = etree.fromstring(response.content)
    assert fetched_pmids(response) == [pmid(0)]
    assert [p.text for p in root.find("DeleteCitation")] == [pmid(1), pmid(2)]
    only_deleted = efetch(http, local, id=pmid(1))
    assert only_deleted.status_code == 200
    assert b"<DeleteCitation>" in only_deleted.content
    assert read(esearch(http, local, term="ketamine"))["Count"] == "2"


def test_records_added_at_run_time_are_found(eutils_server_factory, http):
    local = eutils_server_factory()
    assert read(esearch(http, local, term="ketamine"))["Count"] == "0"
    local.add_records(PAPERS[:2])
    assert read(esearch(http, local, term="ketamine"))["Count"] == "2"
    local.add_records([paper(1, title="Revised title about psilocybin", version=2)])
    assert read(esearch(http, local, term="ketamine"))["IdList"] == [pmid(0)]
    response = efetch(http, local, id=pmid(1))
    assert b'<PMID Version="2">' in response.content and b"psilocybin" in response.content


# -- ECitMatch -----------------------------------------------------------------------------


def ecitmatch(http, server, *lines):
    return http.get(server.url + "ecitmatch.cgi",
                    params={"db": "pubmed", "retmode": "xml", "bdata": "\r".join(lines)},
                    timeout=10)  # fmt: skip


def test_ecitmatch_answers_one_line_per_citation(http, server):
    lines = [
        "j affect disord|2025|370|103|okafor a|first|",  # paper 3: pages 103-113
        "Brain Stimulation|2024|18|45|lindqvist m|second|",
        "J Affect Disord|2025|370||okafor|third|",  # no page: every paper fits
        "j affect disord|2019|370|103|okafor a|fourth|",
        "Journal of Nothing|2025|1|1|smith j|fifth|",
        "|2024|||lindqvist|sixth|",  # author + year suffice
        "brain stimul||18|45||seventh|",  # no year: not enough to search
    ]
    response = ecitmatch(http, server, *lines)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    answer = response.text.splitlines()
    assert answer[0] == f"{lines[0]}{pmid(3)}"
    assert answer[1] == f"{lines[1]}{pmid(30)}"
    assert answer[2].startswith(f"{lines[2]}AMBIGUOUS ")
    assert answer[2].rsplit(" ", 1)[1].split(",")[:2] == [pmid(29), pmid(28)]
    assert answer[3] == f"{lines[3]}NOT_FOUND"
    assert answer[4] == f"{lines[4]}NOT_FOUND;INVALID_JOURNAL"
    assert answer[5] == f"{lines[5]}{pmid(30)}"
    assert answer[6] == f"{lines[6]}NOT_FOUND"
    assert len(answer) == len(lines)


def test_ecitmatch_raw_url_with_percent_0d(http, server):
    url = (server.url + "ecitmatch.cgi?db=pubmed&retmode=xml&bdata="
           "brain+stimul%7C2024%7C18%7C45%7Clindqvist+m%7Ck1%7C%0D"
           "j+affect+disord%7C2025%7C370%7C105%7Cokafor+a%7Ck2%7C")  # fmt: skip
    assert http.get(url, timeout=10).text.splitlines() == [
        f"brain stimul|2024|18|45|lindqvist m|k1|{pmid(30)}",
        f"j affect disord|2025|370|105|okafor a|k2|{pmid(5)}",
    ]


# -- routing, logging, latency, lifecycle --------------------------------------------------


def test_unknown_paths_are_404(http, server):
    assert http.get(server.url + "esummary.fcgi", timeout=10).status_code == 404
    assert http.get(server.url.replace("/entrez/eutils/", "/other"), timeout=10).status_code == 404


def test_requests_are_logged_with_merged_params(http, eutils_server_factory):
    local = eutils_server_factory(PAPERS[:2])
    before = time.monotonic()
    http.post(local.url + "esearch.fcgi?db=pubmed&tool=t1", data={"term": "ketamine"}, timeout=10)
    http.get(local.url + "efetch.fcgi", params={"id": pmid(0)}, timeout=10)
    first, second = local.requests
    assert (first.method, first.endpoint) == ("POST", "esearch.fcgi")
    assert first.params == {"db": "pubmed", "tool": "t1", "term": "ketamine"}
    assert (second.method, second.endpoint, second.params) == ("GET", "efetch.fcgi",
                                                               {"id": pmid(0)})  # fmt: skip
    assert before <= first.time <= second.time <= time.monotonic()


def test_latency_delays_every_answer(http, eutils_server_factory):
    local = eutils_server_factory(PAPERS[:2], latency=0.2)
    started = time.monotonic()
    for _ in range(3):
        esearch(http, local, term="ketamine")
    assert time.monotonic() - started >= 0.6


def test_concurrent_clients_while_records_are_added(eutils_server_factory):
    local = eutils_server_factory(PAPERS)
    failures = []

    def client():
        with requests.Session() as session:
            for _ in range(15):
                result = read(esearch(session, local, term="depression", rettype="count"))
                if int(result["Count"]) < 31:
                    failures.append(result)

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    local.add_records(paper(n) for n in range(100, 160))
    for thread in threads:
        thread.join()
    assert failures == []
    assert read(esearch(requests, local, term="depression", rettype="count"))["Count"] == "91"


def test_stopped_server_refuses_even_kept_alive_connections(http):
    with running_eutils_server(PAPERS[:1]) as local:
        url = local.url
        assert esearch(http, local, term="ketamine").status_code == 200  # pooled connection
    with pytest.raises(requests.ConnectionError):
        http.get(url + "esearch.fcgi", params={"term": "ketamine"}, timeout=2)
    with pytest.raises(RuntimeError, match="not running"):
        local.url  # noqa: B018


def test_url_names_the_eutils_base():
    with running_eutils_server() as local:
        assert local.url.startswith("http://127.0.0.1:") and local.url.endswith("/entrez/eutils/")
        with socket.create_connection(("127.0.0.1", port_of(local)), timeout=2):
            pass


# -- fault injection -----------------------------------------------------------------------


@pytest.fixture
def faulty(eutils_server_factory):
    return eutils_server_factory(PAPERS[:5])


def test_injected_fault_applies_times_then_real_answers(http, faulty):
    faulty.inject("esearch.fcgi", unavailable(), times=2)
    codes = [esearch(http, faulty, term="ketamine").status_code for _ in range(3)]
    assert codes == [503, 503, 200]
    assert len(faulty.requests) == 3  # faults are logged like any request


def test_injected_fault_targets_its_endpoint_or_any(http, faulty):
    faulty.inject("efetch.fcgi", bad_gateway())
    assert esearch(http, faulty, term="ketamine").status_code == 200
    assert efetch(http, faulty, id=pmid(1)).status_code == 502
    faulty.inject("*", server_error())
    response = ecitmatch(http, faulty, "j affect disord|2025||||k|")
    assert response.status_code == 500 and b"<html>" in response.content


def test_rate_limited_looks_like_ncbi(http, faulty):
    faulty.inject("esearch.fcgi", rate_limited())
    faulty.inject("esearch.fcgi", rate_limited(retry_after=2))
    first = esearch(http, faulty, term="ketamine", api_key="KEY123")
    assert first.status_code == 429
    assert first.json() == {"error": "API rate limit exceeded", "api-key": "KEY123",
                            "count": "11", "limit": "10"}  # fmt: skip
    assert first.headers["x-ratelimit-limit"] == "10"
    assert first.headers["x-ratelimit-remaining"] == "0"
    assert "Retry-After" not in first.headers
    second = esearch(http, faulty, term="ketamine")
    assert second.status_code == 429 and second.headers["Retry-After"] == "2"
    assert second.json()["limit"] == "3"


def test_hang_makes_the_client_time_out(http, faulty):
    faulty.inject("esearch.fcgi", hang(5))
    started = time.monotonic()
    with pytest.raises(requests.Timeout):
        http.get(faulty.url + "esearch.fcgi", params={"term": "ketamine"}, timeout=0.5)
    assert time.monotonic() - started < 2
    assert esearch(http, faulty, term="ketamine").status_code == 200


def test_slow_answer_still_arrives_with_a_long_timeout(http, faulty):
    faulty.inject("esearch.fcgi", hang(0.3))
    started = time.monotonic()
    assert read(esearch(http, faulty, term="ketamine"))["Count"] == "5"
    assert time.monotonic() - started >= 0.3


def test_reset_drops_the_connection(http, faulty):
    faulty.inject("efetch.fcgi", reset())
    with pytest.raises(requests.ConnectionError):
        efetch(http, faulty, id=pmid(1))
    assert efetch(http, faulty, id=pmid(1)).status_code == 200


def test_truncated_body_is_detected_by_the_client(http, faulty):
    whole = efetch(http, faulty, id=f"{pmid(1)},{pmid(2)}").content
    faulty.inject("efetch.fcgi", truncated(0.5))
    with pytest.raises(requests.RequestException):
        efetch(http, faulty, id=f"{pmid(1)},{pmid(2)}")
    with socket.create_connection(("127.0.0.1", port_of(faulty)), timeout=5) as raw:
        faulty.inject("efetch.fcgi", truncated(0.5))
        path = f"/entrez/eutils/efetch.fcgi?db=pubmed&id={pmid(1)},{pmid(2)}"
        raw.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    assert f"Content-Length: {len(whole)}".encode() in head
    assert body == whole[: len(whole) // 2]


def test_malformed_and_empty_bodies(http, faulty):
    faulty.inject("esearch.fcgi", malformed_xml())
    faulty.inject("efetch.fcgi", malformed_xml())
    faulty.inject("efetch.fcgi", empty_body())
    for response in (esearch(http, faulty, term="ketamine"), efetch(http, faulty, id=pmid(1))):
        assert response.status_code == 200
        with pytest.raises(etree.XMLSyntaxError):
            etree.fromstring(response.content)
    assert efetch(http, faulty, id=pmid(1)).content == b""


def test_errors_in_http_200_bodies(http, faulty):
    faulty.inject("efetch.fcgi", error_in_body())
    faulty.inject("esearch.fcgi", search_backend_failed())
    faulty.inject("esearch.fcgi", search_backend_failed(status=400))
    faulty.inject("esearch.fcgi", error_in_body("Unknown Error"))
    fetched = efetch(http, faulty, id=pmid(1))
    assert fetched.status_code == 200
    assert etree.fromstring(fetched.content).findtext("ERROR").startswith("Error: External viewer")
    first = esearch(http, faulty, term="ketamine")
    assert first.status_code == 200
    with pytest.raises(RuntimeError, match="Search Backend failed"):
        read(first)
    assert esearch(http, faulty, term="ketamine").status_code == 400
    as_json = esearch(http, faulty, term="ketamine", retmode="json")
    assert as_json.json()["esearchresult"] == {"ERROR": "Unknown Error"}


def test_temporary_400_and_cpp_exception(http, faulty):
    faulty.inject("esearch.fcgi", temporary_bad_request())
    faulty.inject("esearch.fcgi", cpp_exception())
    first = esearch(http, faulty, term="ketamine")
    assert first.status_code == 400 and b"Unknown Error" in first.content
    second = esearch(http, faulty, term="ketamine")
    assert second.status_code == 200 and b"terminate called" in second.content


def test_empty_esearch_result_hides_real_hits(http, faulty):
    faulty.inject("esearch.fcgi", empty_esearch_result(), times=2)
    assert read(esearch(http, faulty, term="ketamine"))["Count"] == "0"
    assert (
        esearch(http, faulty, term="ketamine", retmode="json").json()["esearchresult"]["count"]
        == "0"
    )
    assert read(esearch(http, faulty, term="ketamine"))["Count"] == "5"


def test_fewer_records_than_asked(http, faulty):
    faulty.delete_records([pmid(4)])
    faulty.inject("efetch.fcgi", fewer_records(drop=2))
    ids = ",".join(pmid(n) for n in range(5))
    response = efetch(http, faulty, id=ids)
    assert fetched_pmids(response) == [pmid(0), pmid(1)]
    assert b"<DeleteCitation>" in response.content
    assert len(read(response)["PubmedArticle"]) == 2  # still genuine, DOCTYPE and all
    assert fetched_pmids(efetch(http, faulty, id=ids)) == [pmid(n) for n in range(4)]


def test_ecitmatch_lines_go_missing(http, faulty):
    faulty.inject("ecitmatch.cgi", missing_lines(1))
    lines = ["j affect disord|2025|370|101|okafor a|a|", "j affect disord|2025|370|102|okafor a|b|"]
    assert ecitmatch(http, faulty, *lines).text.splitlines() == [f"{lines[0]}{pmid(1)}"]


def test_expired_webenv_waits_for_a_history_request(http, faulty):
    faulty.inject("*", expired_webenv())
    found = read(esearch(http, faulty, term="ketamine", usehistory="y"))  # no WebEnv: through
    assert efetch(http, faulty, id=pmid(1)).status_code == 200  # no WebEnv: through
    gone = efetch(http, faulty, WebEnv=found["WebEnv"], query_key=found["QueryKey"])
    assert gone.status_code == 200
    assert etree.fromstring(gone.content).findtext("ERROR") == (
        f"Unable to obtain query #{found['QueryKey']}"
    )
    again = efetch(http, faulty, WebEnv=found["WebEnv"], query_key=found["QueryKey"])
    assert len(fetched_pmids(again)) == 5


def test_custom_reply_and_passthrough(http, faulty):
    faulty.inject("esearch.fcgi", lambda request: Reply(status=418, body=b"teapot"))
    faulty.inject("esearch.fcgi", lambda request: Reply(passthrough=True, headers={"X-T": "1"}))
    assert esearch(http, faulty, term="ketamine").status_code == 418
    passed = esearch(http, faulty, term="ketamine")
    assert passed.headers["X-T"] == "1" and read(passed)["Count"] == "5"


def test_stop_does_not_wait_for_a_hanging_answer(http):
    local = EutilsServer(PAPERS[:1]).start()
    local.inject("esearch.fcgi", hang(30))
    outcome = []

    def client():
        try:
            esearch(http, local, term="ketamine")
        except requests.RequestException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=client)
    thread.start()
    while not local.requests:
        time.sleep(0.01)
    started = time.monotonic()
    local.stop()
    thread.join(timeout=5)
    assert time.monotonic() - started < 2
    assert not thread.is_alive() and len(outcome) == 1


def test_a_responder_that_raises_is_an_http_500_not_a_dropped_connection(http, faulty):
    def broken(request):
        raise KeyError("bug in a test responder")

    faulty.inject("esearch.fcgi", broken)
    response = esearch(http, faulty, term="ketamine")
    assert response.status_code == 500 and b"internal error" in response.content


def test_dtd_of_efetch_answers_can_be_chosen(http):
    with running_eutils_server(PAPERS[:1], dtd="pubmed_260101.dtd") as local:
        response = efetch(http, local, id=pmid(0))
    assert b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_260101.dtd"' in response.content
    assert b"1st January 2026" in response.content
