"""A local E-utilities server on loopback, for the offline demo and for every test.

NCBI is unreachable from tests, so this server answers ESearch, EFetch and ECitMatch the way
NCBI does (shapes, error envelopes, the 9,999 paging limit, the history server, genuine DOCTYPE
lines) from records held in memory. Tests can make any request fail on purpose with `inject`;
tests/eutils_faults.py holds ready-made faults.

    with EutilsServer(records) as server:
        settings = Settings(eutils_url=server.url)
        ...
        server.requests  # every request, logged before it is answered
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import socket
import struct
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape

from tracker.demo.query import (
    Document,
    ParsedQuery,
    QueryError,
    Term,
    compile_node,
    parse,
    prepare,
)
from tracker.pubmed.xmlwrite import DEFAULT_DTD, articleset_xml
from tracker.records import PaperRecord

PREFIX = "/entrez/eutils/"
PAGING_LIMIT = 9999  # ESearch pages only the first 9,999 PubMed results
XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" ?>\n'
ESEARCH_DOCTYPE = (
    '<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
EFETCH_DOCTYPE = (
    '<!DOCTYPE eFetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    '"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
XML_TYPE = "text/xml; charset=UTF-8"
JSON_TYPE = "application/json; charset=UTF-8"
TEXT_TYPE = "text/plain; charset=UTF-8"
RETSTART_ERROR = (
    "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. For PubMed, "
    "ESearch can only retrieve the first 9,999 records matching the query. To obtain more than "
    "9,999 PubMed records, consider using EDirect, which batches PubMed results automatically."
)
EFETCH_MAX = 10000  # records one EFetch returns at most
EMPTY_ID_LIST = "ID list is empty! Possibly it has no correct IDs."
DATE_PARAM = re.compile(r"\d{4}(/\d{1,2}(/\d{1,2})?)?")
DATETYPES = {"crdt", "edat", "pdat", "mdat"}


@dataclass
class LoggedRequest:
    time: float  # time.monotonic() when the request arrived
    method: str
    endpoint: str  # "esearch.fcgi", "efetch.fcgi", ... or the whole path when not under PREFIX
    params: dict[str, str]  # GET and POST merged; repeated keys joined with ","
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Reply:
    """An answer to send instead of the real one (or on top of it, with passthrough)."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/xml"
    delay: float = 0.0  # seconds to sleep before answering: a hang
    reset: bool = False  # close the socket without answering
    truncate_at: int | None = None  # announce the whole body, send only this many bytes
    passthrough: bool = False  # start from the real answer (status, body, content type)
    transform: Callable[[bytes], bytes] | None = None  # applied to the real body (passthrough)
    truncate_fraction: float | None = None  # like truncate_at, as a share of the body


Responder = Callable[[LoggedRequest], Reply | None]


@dataclass
class _Injection:
    endpoint: str
    responder: Responder
    remaining: int


class EutilsServer:
    """ESearch, EFetch and ECitMatch over the records it holds; thread-safe."""

    def __init__(
        self,
        records: Iterable[PaperRecord] = (),
        *,
        latency: float = 0.0,
        host: str = "127.0.0.1",
        port: int = 0,
        today: date | None = None,
        dtd: str = DEFAULT_DTD,
    ):
        self.latency = latency
        self.today = today
        self.dtd = dtd
        self.requests: list[LoggedRequest] = []
        self._host, self._port = host, port
        self._lock = threading.Lock()
        self._docs: dict[str, Document] = {}
        self._deleted: set[str] = set()
        self._history: dict[str, dict[str, list[str]]] = {}
        self._query_keys = itertools.count(1)
        self._injections: list[_Injection] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.add_records(records)

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> EutilsServer:
        self._stopping.clear()
        self._httpd = _HTTPServer((self._host, self._port), _Handler)
        self._httpd.eutils = self
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.05,), name="eutils-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping in a hang or in latency
        self._httpd.shutdown()
        self._httpd.close_connections()
        self._httpd.server_close()
        self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> EutilsServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the E-utilities server is not running; call start() first")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{PREFIX}"

    # -- data --------------------------------------------------------------------------------

    def add_records(self, records: Iterable[PaperRecord]) -> None:
        """Add or replace (same PMID: a new version) records; they are searchable at once."""
        prepared = [prepare(record) for record in records]
        with self._lock:
            for doc in prepared:
                self._docs[doc.record.pmid] = doc
                self._deleted.discard(doc.record.pmid)

    def delete_records(self, pmids: Iterable[str]) -> None:
        """Withdraw PMIDs: no longer found by ESearch, EFetch answers DeleteCitation for them."""
        with self._lock:
            for pmid in pmids:
                self._docs.pop(str(pmid), None)
                self._deleted.add(str(pmid))

    def expire_history(self) -> None:
        """Forget every WebEnv, as NCBI evicts them: later use answers 'Unable to obtain query'."""
        with self._lock:
            self._history.clear()

    def inject(self, endpoint: str, responder: Responder, times: int = 1) -> None:
        """The next `times` requests to endpoint ("*": any) for which the responder returns a
        Reply get that Reply; a responder returning None lets the request through untouched."""
        with self._lock:
            self._injections.append(_Injection(endpoint, responder, times))

    # -- answering ---------------------------------------------------------------------------

    def handle(self, request: LoggedRequest) -> Reply:
        """Log the request, then answer it: an injected fault or the real answer."""
        with self._lock:
            self.requests.append(request)
            injected = self._take_injection(request)
        if self.latency:
            self.pause(self.latency)
        if injected is None:
            return self.real_reply(request)
        if not injected.passthrough:
            return injected
        real = self.real_reply(request)
        body = injected.transform(real.body) if injected.transform else real.body
        return Reply(
            status=real.status,
            body=body,
            headers={**real.headers, **injected.headers},
            content_type=real.content_type,
            delay=injected.delay,
            reset=injected.reset,
            truncate_at=injected.truncate_at,
            truncate_fraction=injected.truncate_fraction,
        )

    def pause(self, seconds: float) -> bool:
        """Sleep, but wake when the server stops; False if it is stopping."""
        return not self._stopping.wait(seconds)

    def _take_injection(self, request: LoggedRequest) -> Reply | None:
        for injection in self._injections:
            if injection.endpoint not in ("*", request.endpoint):
                continue
            reply = injection.responder(request)
            if reply is None:
                continue
            injection.remaining -= 1
            if injection.remaining <= 0:
                self._injections.remove(injection)
            return reply
        return None

    def real_reply(self, request: LoggedRequest) -> Reply:
        """What the server answers when no fault is injected."""
        answer = {
            "esearch.fcgi": self._esearch,
            "efetch.fcgi": self._efetch,
            "ecitmatch.cgi": self._ecitmatch,
        }.get(request.endpoint)
        if answer is None:
            return Reply(404, b"<html><body><h1>404 Not Found</h1></body></html>", {}, "text/html")
        return answer(request.params)

    # -- ESearch -----------------------------------------------------------------------------

    def _esearch(self, params: dict[str, str]) -> Reply:
        as_json = params.get("retmode", "xml").lower() == "json"
        db = params.get("db", "pubmed")
        if db != "pubmed":
            return _esearch_error(f"Invalid db name specified: {db}", as_json)
        try:
            retstart = int(params.get("retstart") or 0)
            retmax = int(params.get("retmax") or 20)
        except ValueError:
            return _esearch_error("retstart and retmax must be whole numbers", as_json)
        if retstart < 0 or retmax < 0:
            return _esearch_error("retstart and retmax cannot be negative", as_json)
        term = params.get("term", "").strip()
        if not term:
            return _esearch_error("Empty term and query_key - nothing todo", as_json)
        try:
            limit = self._date_limit(params)
        except ValueError as exc:
            return _esearch_error(str(exc), as_json)
        try:
            bare = parse(term)  # without the date limit: is anything left to search?
            parsed = parse(f"({term}) AND {limit}") if limit else bare
        except QueryError as exc:
            return _esearch_error(f"Invalid query: {exc}", as_json)
        if bare.root is None:
            errors = {"FieldNotFound": list(bare.fields_not_found)}
            return _esearch_error("Empty term and query_key - nothing todo", as_json, errors)

        hits, docs = self._search(parsed, params.get("sort", ""))
        count = len(hits)
        result: dict = {"Count": count}
        if params.get("rettype", "uilist").lower() == "count":
            return _esearch_reply(result, as_json)
        if retstart >= PAGING_LIMIT:
            return _esearch_error(RETSTART_ERROR, as_json)
        warnings: dict[str, list[str]] = {}
        if retstart + retmax > PAGING_LIMIT:
            retmax = PAGING_LIMIT - retstart
            warnings["OutputMessage"] = [
                f"Restrictions achieved. start and count adjusted to {retstart}, {retmax}"
            ]
        page = hits[retstart : retstart + retmax]
        result.update(RetMax=len(page), RetStart=retstart)
        if params.get("usehistory", "").lower() == "y":
            result["QueryKey"], result["WebEnv"] = self._remember(hits, params.get("WebEnv"))
        result["IdList"] = page
        result["QueryTranslation"] = parsed.translation
        errors = {}
        if parsed.fields_not_found:
            errors["FieldNotFound"] = list(parsed.fields_not_found)
        if count == 0:
            errors["PhraseNotFound"] = _phrases_not_found(parsed, docs) or [term]
            warnings.setdefault("OutputMessage", []).append("No items found.")
        result["ErrorList"], result["WarningList"] = errors, warnings
        return _esearch_reply(result, as_json)

    def _date_limit(self, params: dict[str, str]) -> str:
        """datetype + mindate/maxdate or reldate, as a range term added to the query."""
        datetype = params.get("datetype", "pdat").lower()
        mindate, maxdate = params.get("mindate", ""), params.get("maxdate", "")
        reldate = params.get("reldate", "")
        if not (mindate or maxdate or reldate):
            return ""
        if datetype not in DATETYPES:
            raise ValueError(f"Invalid datetype: {datetype}")
        if mindate or maxdate:
            if not (mindate and maxdate):
                raise ValueError("mindate and maxdate must be given together")
            for value in (mindate, maxdate):
                if not DATE_PARAM.fullmatch(value):
                    raise ValueError(f"Invalid date {value!r}: use YYYY, YYYY/MM or YYYY/MM/DD")
            return f"{mindate}:{maxdate}[{datetype}]"
        if not reldate.isdigit():
            raise ValueError(f"Invalid reldate {reldate!r}")
        today = self.today or date.today()
        start = today - timedelta(days=int(reldate))
        return f"{start:%Y/%m/%d}:{today:%Y/%m/%d}[{datetype}]"

    def _search(self, parsed: ParsedQuery, sort: str) -> tuple[list[str], list[Document]]:
        with self._lock:
            docs = list(self._docs.values())
        test = compile_node(parsed.root)
        found = [doc.record for doc in docs if test(doc)]
        sort = sort.replace("+", " ").lower()
        if sort in ("pub_date", "pub date", "pubdate"):
            found.sort(key=lambda r: (r.pub_date.earliest() or date.min, int(r.pmid)), reverse=True)
        elif sort in ("first_author", "first author", "author"):
            found.sort(key=lambda r: (r.first_author.display if r.first_author else "").lower())
        elif sort == "journal":
            found.sort(key=lambda r: (r.journal or "").lower())
        elif sort == "title":
            found.sort(key=lambda r: r.title.lower())
        else:  # most recent (the default): newest create date first
            found.sort(key=lambda r: (r.entrez_date or date.min, _pmid_number(r)), reverse=True)
        return [record.pmid for record in found], docs

    def _remember(self, pmids: list[str], webenv: str | None) -> tuple[str, str]:
        with self._lock:
            if not webenv or webenv not in self._history:
                webenv = f"MCID_{uuid.uuid4().hex[:24]}"
                self._history[webenv] = {}
            key = str(next(self._query_keys))
            self._history[webenv][key] = list(pmids)
        return key, webenv

    # -- EFetch ------------------------------------------------------------------------------

    def _efetch(self, params: dict[str, str]) -> Reply:
        db = params.get("db", "pubmed")
        if db != "pubmed":
            return _efetch_error(f"Invalid db name specified: {db}", 400)
        retmode = params.get("retmode", "xml").lower()
        if retmode != "xml":
            return _efetch_error(f"retmode {retmode} is not served here; use retmode=xml", 400)
        if params.get("id", "").strip():
            wanted = [part.strip() for part in params["id"].split(",") if part.strip()]
        elif params.get("WebEnv"):
            key = params.get("query_key", "1")
            with self._lock:
                stored = self._history.get(params["WebEnv"], {}).get(key)
            if stored is None:
                return _efetch_error(f"Unable to obtain query #{key}", 200)
            try:
                retstart = int(params.get("retstart") or 0)
                retmax = int(params.get("retmax") or 20)
            except ValueError:
                return _efetch_error("retstart and retmax must be whole numbers", 400)
            if not stored:
                return _efetch_error(EMPTY_ID_LIST, 400)
            if retstart >= len(stored) or retstart < 0:
                return _efetch_error("Cannot retrieve history data: OUT OF RANGE", 400)
            wanted = stored[retstart : retstart + min(max(retmax, 0), EFETCH_MAX)]
        else:
            return _efetch_error(EMPTY_ID_LIST, 400)

        records, deleted, seen = [], [], set()
        with self._lock:
            for pmid in wanted:
                if pmid in seen:
                    continue
                seen.add(pmid)
                if pmid in self._docs:
                    records.append(self._docs[pmid].record)
                elif pmid in self._deleted:
                    deleted.append(pmid)
        if not records and not deleted:
            return _efetch_error(EMPTY_ID_LIST, 400)
        return Reply(200, articleset_xml(records, deleted, self.dtd), {}, XML_TYPE)

    # -- ECitMatch ---------------------------------------------------------------------------

    def _ecitmatch(self, params: dict[str, str]) -> Reply:
        if params.get("db", "pubmed") != "pubmed":
            return Reply(400, b"ERROR: ECitMatch searches db=pubmed only\n", {}, TEXT_TYPE)
        lines = [line for line in re.split(r"[\r\n]+", params.get("bdata", "")) if line.strip()]
        if not lines:
            return Reply(400, b"ERROR: bdata is empty\n", {}, TEXT_TYPE)
        with self._lock:
            docs = list(self._docs.values())
        answers = [_match_citation(line, docs) for line in lines]
        return Reply(200, "".join(f"{a}\n" for a in answers).encode(), {}, TEXT_TYPE)


def _pmid_number(record: PaperRecord) -> int:
    return int(record.pmid) if record.pmid.isdigit() else 0


def _phrases_not_found(parsed: ParsedQuery, docs: list[Document]) -> list[str]:
    """Terms of the query that no record matches, as ESearch lists them on zero hits."""
    return [
        leaf.text
        for leaf in parsed.leaves()
        if isinstance(leaf, Term) and not any(map(compile_node(leaf), docs))
    ]


# -- ESearch answers ---------------------------------------------------------------------------

ERROR_LIST_ORDER = ("PhraseNotFound", "FieldNotFound")
WARNING_LIST_ORDER = ("PhraseIgnored", "QuotedPhraseNotFound", "OutputMessage")
JSON_LIST_KEYS = {
    "PhraseNotFound": "phrasesnotfound",
    "FieldNotFound": "fieldsnotfound",
    "PhraseIgnored": "phrasesignored",
    "QuotedPhraseNotFound": "quotedphrasesnotfound",
    "OutputMessage": "outputmessages",
}


def _esearch_reply(result: dict, as_json: bool) -> Reply:
    """An eSearchResult in DTD element order, as XML or as NCBI's JSON (numbers as strings)."""
    if as_json:
        out: dict = {}
        for key, value in result.items():
            if key in ("ErrorList", "WarningList"):
                order = ERROR_LIST_ORDER if key == "ErrorList" else WARNING_LIST_ORDER
                if value:
                    out[key.lower()] = {JSON_LIST_KEYS[k]: value.get(k, []) for k in order}
            elif key == "IdList":
                out["idlist"] = list(value)
                out["translationset"] = []
            else:
                out[key.lower()] = str(value)
        body = {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": out}
        return Reply(200, json.dumps(body).encode(), {}, JSON_TYPE)
    parts = []
    for key, value in result.items():
        if key == "IdList":
            ids = "".join(f"<Id>{pmid}</Id>" for pmid in value)
            parts.append(f"<IdList>{ids}</IdList><TranslationSet/>")
        elif key in ("ErrorList", "WarningList"):
            if value:
                order = ERROR_LIST_ORDER if key == "ErrorList" else WARNING_LIST_ORDER
                items = "".join(
                    f"<{tag}>{escape(text)}</{tag}>" for tag in order for text in value.get(tag, [])
                )
                parts.append(f"<{key}>{items}</{key}>")
        else:
            parts.append(f"<{key}>{escape(str(value))}</{key}>")
    return _esearch_xml("".join(parts))


def _esearch_error(message: str, as_json: bool, errors: dict | None = None) -> Reply:
    """ESearch refuses a query with HTTP 200 and an ERROR element (or JSON key)."""
    if as_json:
        out: dict = {"ERROR": message}
        if errors:
            out["errorlist"] = {JSON_LIST_KEYS[k]: errors.get(k, []) for k in ERROR_LIST_ORDER}
        body = {"header": {"type": "esearch", "version": "0.3"}, "esearchresult": out}
        return Reply(200, json.dumps(body).encode(), {}, JSON_TYPE)
    extra = ""
    if errors:
        items = "".join(
            f"<{tag}>{escape(text)}</{tag}>"
            for tag in ERROR_LIST_ORDER
            for text in errors.get(tag, [])
        )
        extra = f"<ErrorList>{items}</ErrorList>"
    return _esearch_xml(f"<ERROR>{escape(message)}</ERROR>{extra}")


def _esearch_xml(inner: str) -> Reply:
    body = f"{XML_DECLARATION}{ESEARCH_DOCTYPE}<eSearchResult>{inner}</eSearchResult>\n"
    return Reply(200, body.encode(), {}, XML_TYPE)


def _efetch_error(message: str, status: int) -> Reply:
    inner = f"<eFetchResult>\n\t<ERROR>{escape(message)}</ERROR>\n</eFetchResult>\n"
    body = f"{XML_DECLARATION}{EFETCH_DOCTYPE}{inner}"
    return Reply(status, body.encode(), {}, XML_TYPE)


# -- ECitMatch matching ------------------------------------------------------------------------


def _words(text: str | None) -> list[str]:
    return re.findall(r"[^\W_]+", (text or "").casefold())


def _match_citation(line: str, docs: list[Document]) -> str:
    """journal|year|volume|first_page|author|key| -> the line with a PMID, NOT_FOUND or
    AMBIGUOUS appended. Empty fields match anything; journal+year or author+year are needed."""
    fields = (line.split("|") + [""] * 6)[:6]
    journal, year, volume, first_page, author, _key = (f.strip() for f in fields)
    echo = "|".join(fields) + "|"
    if not year.isdigit() or not (journal or author):
        return f"{echo}NOT_FOUND"
    journal = " ".join(_words(journal))
    if journal and not any(journal in doc.journals for doc in docs):
        return f"{echo}NOT_FOUND;INVALID_JOURNAL"
    wanted = _Citation(journal, int(year), volume.casefold(), first_page.casefold(), _words(author))
    found = [doc.record.pmid for doc in docs if wanted.fits(doc)]
    if not found:
        return f"{echo}NOT_FOUND"
    if len(found) > 1:
        return f"{echo}AMBIGUOUS {','.join(sorted(found, key=int, reverse=True))}"
    return f"{echo}{found[0]}"


@dataclass(frozen=True)
class _Citation:
    journal: str  # normalised words, "" for any
    year: int
    volume: str
    first_page: str
    author: list[str]  # words of "last initials", [] for any

    def fits(self, doc: Document) -> bool:
        record = doc.record
        if self.journal and self.journal not in doc.journals:
            return False
        if all(start.year != self.year for start, _ in doc.dp):
            return False
        if self.volume and self.volume != (record.volume or "").strip().casefold():
            return False
        if self.first_page:
            page = (record.pages or "").split("-")[0].strip().casefold()
            if page != self.first_page:
                return False
        if self.author:
            first = record.first_author
            have = _words(f"{first.last_name} {first.initials or ''}") if first else []
            head, last = self.author[:-1], self.author[-1]
            if len(have) < len(self.author) or have[: len(head)] != head:
                return False
            if not have[len(head)].startswith(last):
                return False
        return True


# -- HTTP plumbing -----------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    eutils: EutilsServer

    def __init__(self, *args, **kwargs):
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def close_connections(self) -> None:
        """Close kept-alive connections too, so nothing answers once the server is stopped."""
        with self.connections_lock:
            for connection in list(self.open_connections):
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as requests' connection pool expects
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        # headers and body go out in separate writes: without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every answer
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self.server.connections_lock:
            self.server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self.server.connections_lock:
            self.server.open_connections.discard(self.connection)
        with contextlib.suppress(OSError):
            super().finish()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        """Quiet: requests are logged in EutilsServer.requests instead."""

    def do_GET(self) -> None:
        self._answer("GET")

    def do_POST(self) -> None:
        self._answer("POST")

    def _answer(self, method: str) -> None:
        url = urlsplit(self.path)
        pairs = parse_qsl(url.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            body = self.rfile.read(length).decode("utf-8", errors="replace")
            pairs += parse_qsl(body, keep_blank_values=True)
        params: dict[str, str] = {}
        for key, value in pairs:
            params[key] = f"{params[key]},{value}" if key in params else value
        path = url.path
        endpoint = path[len(PREFIX) :] if path.startswith(PREFIX) else path
        request = LoggedRequest(time.monotonic(), method, endpoint, params, dict(self.headers))
        try:
            reply = self.server.eutils.handle(request)
        except Exception:  # a bug here must not pass for a flaky network: answer it plainly
            traceback.print_exc()
            reply = Reply(500, b"EutilsServer internal error, see stderr", {}, TEXT_TYPE)
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        if reply.delay and not self.server.eutils.pause(reply.delay):
            self.close_connection = True  # stopped while hanging: nothing more to say
            return
        if reply.reset:
            # linger 0: closing sends RST, the client sees a connection reset
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        body = reply.body
        cut = reply.truncate_at
        if cut is None and reply.truncate_fraction is not None:
            cut = int(len(body) * reply.truncate_fraction)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if cut is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body if cut is None else body[:cut])
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (a timeout during a hang): normal here
        if cut is not None:
            self.close_connection = True
