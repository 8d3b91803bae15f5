"""Bio.Entrez wrapper: real-shaped ESearch answers, newer DTDs, errors; never the network.

To prove "no network" without patching anything, every test runs with HTTP(S)_PROXY pointing at
a real proxy on loopback that records each connection attempt; urllib (which Bio.Entrez uses to
fetch DTDs) honours those variables, so any download attempt would show up there.
"""

from __future__ import annotations

import socketserver
import threading
from pathlib import Path

import pytest

from tracker.errors import ResponseError
from tracker.pubmed import entrez

from real_ncbi import entrez_test_dir

FIXTURES = Path(__file__).parent / "fixtures" / "pubmed"


@pytest.fixture(autouse=True)
def recording_proxy(monkeypatch):
    attempts: list[bytes] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            attempts.append(self.request.recv(1024))
            self.request.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
    proxy = f"http://127.0.0.1:{server.server_address[1]}"
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("no_proxy", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
    yield attempts
    server.shutdown()
    server.server_close()
    assert attempts == [], "something tried to reach the network"


def read_fixture(name: str):
    return entrez.read((FIXTURES / name).read_bytes())


def test_the_proxy_would_see_a_download(recording_proxy):
    """Guard: urllib does go through the recording proxy, so silence there means no fetch."""
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen("http://dtd.nlm.nih.gov/ncbi/pubmed/out/x.dtd", timeout=5)
    assert recording_proxy
    recording_proxy.clear()


def test_esearch_with_history():
    answer = read_fixture("esearch_history.xml")
    assert answer["Count"] == "3"
    assert answer["IdList"] == ["39000006", "39000005", "39000001"]
    assert answer["WebEnv"] == "MCID_67a1b2c3d4e5f60718293a4b"
    assert answer["QueryKey"] == "1"
    assert "[crdt]" in answer["QueryTranslation"]


def test_esearch_zero_hits_is_an_answer_not_an_error():
    answer = read_fixture("esearch_zero.xml")
    assert answer["Count"] == "0" and answer["IdList"] == []
    assert answer["ErrorList"]["PhraseNotFound"] == ["zzketaminezz[tiab]"]
    assert answer["WarningList"]["OutputMessage"] == ["No items found."]


def test_esearch_clamped_retmax_warning():
    answer = read_fixture("esearch_clamped.xml")
    assert answer["WarningList"]["OutputMessage"][0].startswith("Restrictions achieved")


def test_esearch_error_raises_with_ncbis_message():
    with pytest.raises(entrez.EntrezErrorAnswer) as caught:
        read_fixture("esearch_error.xml")
    assert str(caught.value).startswith("Search Backend failed: Exception:")
    assert "'retstart' cannot be larger than 9998" in str(caught.value)
    assert isinstance(caught.value, ResponseError)
    assert isinstance(caught.value, RuntimeError), "what Bio.Entrez callers already catch"


def test_ignore_errors_keeps_the_error_in_the_answer():
    data = (FIXTURES / "esearch_error.xml").read_bytes()
    answer = entrez.read(data, ignore_errors=True)
    assert str(answer["ERROR"]).startswith("Search Backend failed")


def test_efetch_error_envelope_reads_with_the_project_dtd():
    with pytest.raises(entrez.EntrezErrorAnswer, match="Cannot retrieve history data"):
        read_fixture("efetch_error.xml")


def test_newer_esearch_dtd_maps_to_the_newest_local_one(caplog):
    answer = read_fixture("esearch_newer_dtd.xml")
    assert answer["IdList"] == ["39000003"]
    assert "eSearch_250511.dtd" in caplog.text


def test_pubmed_260101_efetch_reads_with_pubmed_250101(caplog):
    answer = read_fixture("efetch_2026.xml")
    citation = answer["PubmedArticle"][0]["MedlineCitation"]
    assert str(citation["PMID"]) == "39000005"
    assert citation.attributes["Status"] == "In-Process"
    assert "pubmed_260101.dtd with pubmed_250101.dtd" in caplog.text


def test_find_dtd():
    assert entrez.find_dtd("esearch.dtd").name == "esearch.dtd"
    assert entrez.find_dtd("efetch.dtd") == entrez.PROJECT_DTD_DIR / "efetch.dtd"
    assert entrez.find_dtd("pubmed_260101.dtd").name == "pubmed_250101.dtd"
    assert entrez.find_dtd("pubmed_990101.dtd").name == "pubmed_250101.dtd"
    assert entrez.find_dtd("eSummary_990101.dtd").name == "eSummary_041029.dtd"
    assert entrez.find_dtd("nothing_250101.dtd") is None
    assert entrez.find_dtd("nothing.dtd") is None


@pytest.mark.parametrize(
    "name", ["esearch1.xml", "esearch2.xml", "esearch3.xml", "esearch8.xml",
             "einfo1.xml", "einfo2.xml", "esummary1.xml", "pubmed1.xml", "pubmed6.xml"]
)
def test_real_ncbi_answers(name: str):
    answer = entrez.read((entrez_test_dir() / name).read_bytes())
    assert answer


def test_real_truncated_einfo_is_a_response_error():
    with pytest.raises(ResponseError, match="malformed or truncated XML"):
        entrez.read((entrez_test_dir() / "einfo4.xml").read_bytes())


def doc(dtd_url: str, body: str = "<eSearchResult><Count>1</Count></eSearchResult>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n'
        f'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" "{dtd_url}">\n'
        f"{body}"
    ).encode()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the answer is not XML"),
        (b"<html><body>502 Bad Gateway</body></html>", "the answer is not XML"),
        (b'<?xml version="1.0"?><eSearchResult/>', "no DOCTYPE line"),
        (doc("http://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd"),
         "does not point at an https NCBI address"),
        (doc("https://example.org/esearch.dtd"), "does not point at an https NCBI address"),
        (doc("https://eutils.ncbi.nlm.nih.gov/eutils/dtd/unknown_thing.dtd"),
         "no local copy of unknown_thing.dtd"),
        (doc("https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd",
             "<eSearchResult><Count>1</Count>"), "malformed or truncated XML"),
        (doc("https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd",
             "<eSearchResult><Bogus>1</Bogus></eSearchResult>"),
         "element <Bogus> is not declared"),
    ],
)
def test_failures_become_one_line_response_errors(data: bytes, expected: str):
    with pytest.raises(ResponseError) as caught:
        entrez.read(data)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)


def test_needs_bytes():
    with pytest.raises(TypeError):
        entrez.read("<eSearchResult/>")
