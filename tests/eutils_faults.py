"""Faults NCBI's E-utilities are known to produce, ready for EutilsServer.inject.

Each function returns a responder: given the logged request, it returns the Reply to send instead
of the real answer (or None to let that request through). For example

    server.inject("esearch.fcgi", rate_limited(), times=2)
    server.inject("efetch.fcgi", fewer_records(drop=1))

`running_eutils_server(records, **options)` is a context manager for a started server;
`eutils_server_factory` is a pytest fixture that starts servers on demand and stops them after the
test (a conftest or test module makes it available with
`from eutils_faults import eutils_server_factory_fixture`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

import pytest
from lxml import etree

from tracker.demo.server import (
    EFETCH_DOCTYPE,
    ESEARCH_DOCTYPE,
    XML_DECLARATION,
    EutilsServer,
    LoggedRequest,
    Reply,
    Responder,
)
from tracker.pubmed.xmlwrite import doctype as pubmed_doctype
from tracker.records import PaperRecord

XML = "text/xml; charset=UTF-8"


def _html(status: int, title: str) -> Reply:
    page = (
        f"<!DOCTYPE html><html><head><title>{status} {title}</title></head>"
        f"<body><h1>{title}</h1><p>The server encountered a problem.</p></body></html>"
    )
    return Reply(status, page.encode(), {}, "text/html; charset=UTF-8")


def _error_reply(request: LoggedRequest, message: str, status: int = 200) -> Reply:
    body, content_type = _error_envelope(request, message)
    return Reply(status, body, {}, content_type)


def _error_envelope(request: LoggedRequest, message: str) -> tuple[bytes, str]:
    """An ERROR in the shape of the endpoint asked: eSearchResult (XML or JSON) or eFetchResult."""
    if request.endpoint == "esearch.fcgi":
        if request.params.get("retmode", "").lower() == "json":
            body = {"header": {"type": "esearch", "version": "0.3"},
                    "esearchresult": {"ERROR": message}}  # fmt: skip
            return json.dumps(body).encode(), "application/json; charset=UTF-8"
        text = f"{XML_DECLARATION}{ESEARCH_DOCTYPE}<eSearchResult><ERROR>{_escape(message)}</ERROR>"
        return f"{text}</eSearchResult>\n".encode(), XML
    if request.endpoint == "ecitmatch.cgi":
        return f"{message}\n".encode(), "text/plain; charset=UTF-8"
    text = f"{XML_DECLARATION}{EFETCH_DOCTYPE}<eFetchResult>\n\t<ERROR>{_escape(message)}</ERROR>"
    return f"{text}\n</eFetchResult>\n".encode(), XML


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def always(reply: Reply) -> Responder:
    """Any fixed Reply, for a fault this library lacks."""
    return lambda request: reply


def rate_limited(retry_after: float | None = None) -> Responder:
    """HTTP 429 with NCBI's JSON body and x-ratelimit headers; Retry-After only when given."""

    def respond(request: LoggedRequest) -> Reply:
        limit = "10" if request.params.get("api_key") else "3"
        who = request.params.get("api_key") or "127.0.0.1"
        body = {"error": "API rate limit exceeded", "api-key": who,
                "count": str(int(limit) + 1), "limit": limit}  # fmt: skip
        headers = {"x-ratelimit-limit": limit, "x-ratelimit-remaining": "0"}
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        return Reply(429, json.dumps(body).encode(), headers, "application/json")

    return respond


def server_error(status: int = 500) -> Responder:
    """An HTML error page, as NCBI's front end sends when a backend falls over."""
    return always(_html(status, "Internal Server Error"))


def bad_gateway() -> Responder:
    return always(_html(502, "Bad Gateway"))


def unavailable() -> Responder:
    return always(_html(503, "Service Unavailable"))


def temporary_bad_request() -> Responder:
    """The transient HTTP 400 'Unknown Error' seen from ESearch under load."""
    return lambda request: _error_reply(request, "Unknown Error", 400)


def hang(seconds: float) -> Responder:
    """Answer only after `seconds`: a client without a shorter timeout waits that long."""
    return always(Reply(passthrough=True, delay=seconds))


def reset() -> Responder:
    """Close the connection without answering."""
    return always(Reply(reset=True))


def truncated(at_fraction: float = 0.5) -> Responder:
    """The real answer, cut short: Content-Length announces the whole body."""
    if not 0 <= at_fraction < 1:
        raise ValueError("at_fraction must be in [0, 1)")
    return always(Reply(passthrough=True, truncate_fraction=at_fraction))


def malformed_xml() -> Responder:
    """HTTP 200, complete body, XML that does not parse (mismatched tags)."""

    def respond(request: LoggedRequest) -> Reply:
        if request.endpoint == "esearch.fcgi":
            inner = "<eSearchResult><Count>1</Count><IdList><Id>1</IdList></eSearchResult>\n"
            return Reply(200, f"{XML_DECLARATION}{ESEARCH_DOCTYPE}{inner}".encode(), {}, XML)
        inner = b"<PubmedArticleSet><PubmedArticle><MedlineCitation></PubmedArticle>\n"
        return Reply(200, XML_DECLARATION.encode() + pubmed_doctype() + inner, {}, XML)

    return respond


def empty_body() -> Responder:
    """HTTP 200 with no bytes at all."""
    return always(Reply(200, b"", {}, XML))


def error_in_body(message: str = "Error: External viewer error: Empty Response") -> Responder:
    """HTTP 200 whose body is an ERROR envelope, in the endpoint's own shape."""
    return lambda request: _error_reply(request, message)


def search_backend_failed(status: int = 200) -> Responder:
    """ESearch's 'Search Backend failed' ERROR (NCBI reports it with 200 or 400)."""
    message = "Search Backend failed: Exception:\nread timeout from the search backend"
    return lambda request: _error_reply(request, message, status)


def cpp_exception() -> Responder:
    """HTTP 200 carrying a C++ exception's text instead of XML."""
    text = b"terminate called after throwing an instance of 'CException'\n  what():  backend\n"
    return always(Reply(200, text, {}, "text/plain"))


def empty_esearch_result() -> Responder:
    """A well-formed zero-hit ESearch answer for a query that does have hits (transient)."""

    def respond(request: LoggedRequest) -> Reply:
        if request.params.get("retmode", "").lower() == "json":
            body = {"header": {"type": "esearch", "version": "0.3"},
                    "esearchresult": {"count": "0", "retmax": "0", "retstart": "0", "idlist": [],
                                      "translationset": [], "querytranslation": ""}}  # fmt: skip
            return Reply(200, json.dumps(body).encode(), {}, "application/json; charset=UTF-8")
        inner = (
            "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart><IdList/>"
            "<TranslationSet/><QueryTranslation/>"
            "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
            "</eSearchResult>\n"
        )
        return Reply(200, f"{XML_DECLARATION}{ESEARCH_DOCTYPE}{inner}".encode(), {}, XML)

    return respond


def drop_articles(body: bytes, drop: int) -> bytes:
    """An EFetch answer without its last `drop` articles; DOCTYPE and DeleteCitation kept."""
    tree = etree.ElementTree(
        etree.fromstring(body, etree.XMLParser(load_dtd=False, no_network=True))
    )
    root = tree.getroot()
    articles = [el for el in root if el.tag in ("PubmedArticle", "PubmedBookArticle")]
    for article in articles[len(articles) - min(drop, len(articles)) :]:
        root.remove(article)
    doctype = body.split(b"<PubmedArticleSet", 1)[0]
    return doctype + etree.tostring(root) + b"\n"


def fewer_records(drop: int = 1) -> Responder:
    """EFetch answers without the last `drop` of the records asked for (HTTP 200)."""
    return always(Reply(passthrough=True, transform=lambda body: drop_articles(body, drop)))


def missing_lines(drop: int = 1) -> Responder:
    """ECitMatch answers without its last `drop` lines."""

    def cut(body: bytes) -> bytes:
        lines = body.decode().splitlines(keepends=True)
        return "".join(lines[: max(len(lines) - drop, 0)]).encode()

    return always(Reply(passthrough=True, transform=cut))


def expired_webenv() -> Responder:
    """A request naming a WebEnv gets 'Unable to obtain query #N'; others pass through."""

    def respond(request: LoggedRequest) -> Reply | None:
        if not request.params.get("WebEnv"):
            return None
        key = request.params.get("query_key", "1")
        return _error_reply(request, f"Unable to obtain query #{key}")

    return respond


@contextmanager
def running_eutils_server(records: Iterable[PaperRecord] = (), **options) -> Iterator[EutilsServer]:
    """A started server holding `records`, stopped on leaving the block."""
    with EutilsServer(records, **options) as server:
        yield server


@pytest.fixture(name="eutils_server_factory")
def eutils_server_factory_fixture() -> Iterator[Callable[..., EutilsServer]]:
    """`eutils_server_factory(records, **options)` starts a server; all stop after the test."""
    started: list[EutilsServer] = []

    def start(records: Iterable[PaperRecord] = (), **options) -> EutilsServer:
        server = EutilsServer(records, **options).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most request starts that fall in any half-open window of `window` seconds."""
    times = sorted(times)
    best, left = 0, 0
    for right, t in enumerate(times):
        while t - times[left] >= window:
            left += 1
        best = max(best, right - left + 1)
    return best
