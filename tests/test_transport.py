"""Transport against a real HTTP server on loopback: identity, throttle, retries, redaction."""

from __future__ import annotations

import json
import logging
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from tracker.config import Settings
from tracker.errors import QueryRejectedError, ResponseError, TransportError
from tracker.pubmed.transport import Throttle, Transport, retry_after

from eutils_faults import max_in_window

API_KEY = "SECRETKEY0123456789abcdef"
OK = b"<eSearchResult><Count>1</Count></eSearchResult>"


@dataclass
class Logged:
    time: float
    method: str
    endpoint: str
    params: dict[str, str]


@dataclass
class ScriptedServer:
    """Answers each endpoint from a queue of faults, then with a plain 200 OK body."""

    faults: dict[str, list] = field(default_factory=dict)
    requests: list[Logged] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> ScriptedServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                raw = parts.query
                if method == "POST":
                    raw = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                params = {k: v[0] for k, v in parse_qs(raw).items()}
                endpoint = parts.path.rsplit("/", 1)[-1]
                with owner.lock:
                    owner.requests.append(Logged(time.monotonic(), method, endpoint, params))
                    queue = owner.faults.get(endpoint) or []
                    fault = queue.pop(0) if queue else None
                if fault is None:
                    self._send(200, OK)
                else:
                    fault(self)

            def _send(self, status: int, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "text/xml")
                self.send_header("Content-Length", str(len(body)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/entrez/eutils/"

    def inject(self, endpoint: str, *faults) -> None:
        with self.lock:
            self.faults.setdefault(endpoint, []).extend(faults)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- faults: each takes the handler and answers (or doesn't) --------------------------------------

def status(code: int, body: bytes = b"<html>error</html>", headers: dict | None = None):
    return lambda h: h._send(code, body, headers)


def hang(seconds: float):
    def answer(h):
        time.sleep(seconds)
        h._send(200, OK)
    return answer


def reset(h):
    # RST instead of FIN: the client sees "connection reset by peer"
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.close_connection = True
    h.connection.close()


def truncated(h):
    h.send_response(200)
    h.send_header("Content-Type", "text/xml")
    h.send_header("Content-Length", str(len(OK) + 500))
    h.end_headers()
    h.wfile.write(OK[:20])
    h.wfile.flush()
    h.close_connection = True


def body(content: bytes):
    return lambda h: h._send(200, content)


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture
def server():
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def settings_for(server: ScriptedServer, **overrides) -> Settings:
    values = dict(
        eutils_url=server.url, email="team@example.org", tool="trd-tracker-tests",
        max_retries=3, backoff_base=0.01, backoff_max=0.05, timeout=2.0,
    )
    values.update(overrides)
    return Settings(**values)


def transport_for(server: ScriptedServer, **overrides) -> Transport:
    # a private throttle per test keeps tests independent; the rate tests share one on purpose
    return Transport(settings_for(server, **overrides), throttle=Throttle())


# -- identity and request shape -------------------------------------------------------------------

def test_every_request_carries_tool_email_and_api_key(server):
    transport = transport_for(server, api_key=API_KEY)
    transport.get("esearch.fcgi", {"db": "pubmed", "term": "ketamine"})
    transport.get("efetch.fcgi", {"db": "pubmed", "id": "1,2"}, post=True)
    server.inject("esearch.fcgi", status(503))
    transport.get("esearch.fcgi", {"db": "pubmed", "term": "vns"})

    assert [r.method for r in server.requests] == ["GET", "POST", "GET", "GET"]
    for logged in server.requests:
        assert logged.params["tool"] == "trd-tracker-tests"
        assert logged.params["email"] == "team@example.org"
        assert logged.params["api_key"] == API_KEY


def test_no_api_key_parameter_without_a_key(server):
    transport_for(server).get("esearch.fcgi", {"term": "x"})
    assert "api_key" not in server.requests[0].params


def test_long_requests_are_posted(server):
    transport = transport_for(server)
    transport.get("efetch.fcgi", {"id": ",".join(str(30000000 + i) for i in range(20))})
    transport.get("efetch.fcgi", {"id": ",".join(str(30000000 + i) for i in range(400))})
    assert [r.method for r in server.requests] == ["GET", "POST"]
    assert len(server.requests[1].params["id"].split(",")) == 400


# -- the process-wide throttle --------------------------------------------------------------------

def _hammer(transports: list[Transport], per_thread: int) -> None:
    threads = [
        threading.Thread(
            target=lambda t=t: [t.get("esearch.fcgi", {"term": "x"}) for _ in range(per_thread)]
        )
        for t in transports
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_rate_limit_holds_across_threads_transports_and_retries(server):
    throttle = Throttle()  # the process throttle, shared by two transports as in production
    settings = settings_for(server)
    transports = [Transport(settings, throttle=throttle) for _ in range(3)]
    server.inject("esearch.fcgi", status(500), status(503))  # retries count against the limit
    _hammer(transports, per_thread=3)

    times = [r.time for r in server.requests]
    assert len(times) == 11
    assert max_in_window(times) <= 3
    assert times[-1] - times[0] >= 10 / 3  # and it is a spacing, not just a cap per second
    assert sum(t.stats.retries for t in transports) == 2


def test_rate_limit_with_an_api_key_is_ten_per_second(server):
    throttle = Throttle()
    settings = settings_for(server, api_key=API_KEY)
    transports = [Transport(settings, throttle=throttle) for _ in range(2)]
    _hammer(transports, per_thread=12)

    times = [r.time for r in server.requests]
    assert len(times) == 24
    assert max_in_window(times) <= 10
    assert max_in_window(times) >= 9  # the key really buys the higher rate


def test_default_transports_share_one_process_throttle(server):
    first = Transport(settings_for(server))
    second = Transport(settings_for(server))
    assert first.throttle is second.throttle


def test_throttle_counts_from_the_actual_start():
    now = [10.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds + 0.2  # the machine is busy: every sleep overshoots

    throttle = Throttle(clock=lambda: now[0], sleep=sleep)
    for _ in range(4):
        throttle.wait(0.5)
    assert slept == [0.5, 0.5, 0.5]  # spacing from each late start, so never less than 0.5
    now[0] += 2.0
    assert throttle.wait(0.5) == 0  # idle long enough: no wait at all


# -- retries --------------------------------------------------------------------------------------

@pytest.mark.parametrize("code", [429, 500, 502, 503])
def test_http_errors_are_retried_then_succeed(server, code):
    transport = transport_for(server)
    server.inject("esearch.fcgi", status(code), status(code))
    assert transport.get("esearch.fcgi", {"term": "x"}) == OK
    assert len(server.requests) == 3
    assert transport.stats.retries == 2
    assert transport.stats.requests == 3


def test_retry_after_is_honoured(server):
    slept: list[float] = []
    transport = Transport(settings_for(server, backoff_max=30), sleep=slept.append,
                          throttle=Throttle())
    server.inject("esearch.fcgi", status(429, b'{"error":"API rate limit exceeded"}',
                                         {"Retry-After": "7"}))
    transport.get("esearch.fcgi", {"term": "x"})
    assert slept and slept[0] >= 7


def test_429_body_with_the_key_is_redacted_in_the_error(server, caplog):
    transport = transport_for(server, api_key=API_KEY, max_retries=1)
    ncbi = json.dumps({"error": "API rate limit exceeded", "api-key": API_KEY,
                       "count": "11", "limit": "10"}).encode()
    server.inject("esearch.fcgi", status(429, ncbi), status(429, ncbi))
    with caplog.at_level(logging.DEBUG, logger="tracker"), pytest.raises(TransportError) as info:
        transport.get("esearch.fcgi", {"term": "x"})
    assert "429" in str(info.value) and "rate limit exceeded" in str(info.value)
    assert API_KEY not in str(info.value)
    assert API_KEY not in caplog.text
    assert "esearch.fcgi" in caplog.text  # the requests were logged, without the key


def test_timeouts_are_retried(server):
    transport = transport_for(server, timeout=0.3)
    server.inject("esearch.fcgi", hang(1.0))
    assert transport.get("esearch.fcgi", {"term": "x"}) == OK
    assert transport.stats.retries == 1


def test_connection_resets_are_retried(server):
    transport = transport_for(server)
    server.inject("esearch.fcgi", reset, reset)
    assert transport.get("esearch.fcgi", {"term": "x"}) == OK
    assert transport.stats.retries == 2


def test_truncated_bodies_are_retried(server):
    transport = transport_for(server)
    server.inject("esearch.fcgi", truncated)
    assert transport.get("esearch.fcgi", {"term": "x"}) == OK
    assert transport.stats.retries == 1


def test_check_failure_is_retried(server):
    def check(content: bytes) -> None:
        if b"Count" not in content:
            raise ResponseError("no Count in the answer")

    transport = transport_for(server)
    server.inject("esearch.fcgi", body(b"<eSearchResult></eSearchResult>"))
    assert transport.get("esearch.fcgi", {"term": "x"}, check=check) == OK
    assert transport.stats.retries == 1


def test_rejected_query_is_not_retried(server):
    def check(content: bytes) -> None:
        if b"FieldNotFound" in content:
            raise QueryRejectedError("field not found: foo")

    transport = transport_for(server)
    rejected = b"<ErrorList><FieldNotFound>foo</FieldNotFound></ErrorList>"
    server.inject("esearch.fcgi", body(rejected))
    with pytest.raises(QueryRejectedError, match="field not found"):
        transport.get("esearch.fcgi", {"term": "x[foo]"}, check=check)
    assert len(server.requests) == 1


def test_gives_up_after_max_retries_with_transport_error(server):
    transport = transport_for(server, max_retries=2)
    server.inject("esearch.fcgi", *[status(502)] * 5)
    with pytest.raises(TransportError, match="HTTP 502"):
        transport.get("esearch.fcgi", {"term": "x"})
    assert len(server.requests) == 3
    assert transport.stats.failures == 1


def test_gives_up_on_a_bad_body_with_response_error(server):
    def check(content: bytes) -> None:
        raise ResponseError("malformed")

    transport = transport_for(server, max_retries=1)
    with pytest.raises(ResponseError, match="malformed"):
        transport.get("esearch.fcgi", {"term": "x"}, check=check)
    assert len(server.requests) == 2


def test_http_400_that_check_accepts_is_an_answer(server):
    def check(content: bytes) -> None:
        if b"ID list is empty" not in content and content != OK:
            raise ResponseError("not an answer")

    transport = transport_for(server)
    empty = b"<eFetchResult><ERROR>ID list is empty!</ERROR></eFetchResult>"
    server.inject("efetch.fcgi", status(400, empty))
    assert transport.get("efetch.fcgi", {"id": "1"}, check=check) == empty
    assert transport.stats.retries == 0
    server.inject("efetch.fcgi", status(400, b"<ERROR>Unknown Error</ERROR>"))
    assert transport.get("efetch.fcgi", {"id": "1"}, check=check) == OK
    assert transport.stats.retries == 1


def test_client_errors_other_than_400_and_429_are_not_retried(server):
    transport = transport_for(server)
    server.inject("esearch.fcgi", status(414))
    with pytest.raises(TransportError, match="HTTP 414"):
        transport.get("esearch.fcgi", {"term": "x"})
    assert len(server.requests) == 1


def test_connection_refused_error_has_no_key(caplog):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(eutils_url=f"http://127.0.0.1:{port}/eutils/", api_key=API_KEY,
                        max_retries=1, backoff_base=0.01, backoff_max=0.02, timeout=1)
    transport = Transport(settings, throttle=Throttle())
    with caplog.at_level(logging.DEBUG), pytest.raises(TransportError) as info:
        transport.get("esearch.fcgi", {"term": "x"})
    assert "esearch.fcgi" in str(info.value)
    assert API_KEY not in str(info.value)
    assert API_KEY not in caplog.text
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_url_for_logging_is_redacted():
    transport = Transport(Settings(api_key=API_KEY))
    url = transport.url("esearch.fcgi", {"term": "rtms"})
    assert url.startswith("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/esearch.fcgi?")
    assert "api_key=***" in url and API_KEY not in url


# -- backoff --------------------------------------------------------------------------------------

def test_backoff_is_exponential_jittered_and_capped():
    transport = Transport(Settings(backoff_base=1.0, backoff_max=10.0))
    for attempt, ceiling in [(0, 1.0), (1, 2.0), (2, 4.0), (3, 8.0), (4, 10.0), (9, 10.0)]:
        delays = [transport.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= d <= ceiling for d in delays)
        assert len(set(delays)) > 1  # jitter
    assert transport.backoff(0, server_wait=5) >= 5
    assert transport.backoff(0, server_wait=500) <= 10.0


def test_retry_after_parsing():
    assert retry_after("3") == 3.0
    assert retry_after(None) is None
    assert retry_after("soon") is None
    assert 0 <= retry_after("Wed, 21 Oct 2015 07:28:00 GMT") < 1
