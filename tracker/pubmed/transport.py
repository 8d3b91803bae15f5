"""HTTP to the E-utilities: identity, one process-wide throttle, retries, redaction.

NCBI counts requests per IP (or per API key), not per object, so every Transport in the process
shares one throttle that spaces request starts, retries included. Retries use bounded exponential
backoff with jitter; what still fails is raised as TransportError (HTTP, timeout, connection) or
ResponseError (the body was wrong). The API key is stripped from every logged or raised text.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlencode

import requests

from tracker.config import Settings
from tracker.errors import PubMedError, ResponseError, TransportError
from tracker.text import error_body_text

log = logging.getLogger(__name__)

MAX_GET_URL = 1800  # longer GET URLs risk HTTP 414 at NCBI: send them as POST
RETRY_STATUSES = frozenset({400, 429, 500, 502, 503, 504})  # 400: NCBI's transient "Unknown Error"
SAFETY = 1.05  # space starts slightly wider than 1/rate so network jitter cannot bunch them
REDACTED = "***"

Check = Callable[[bytes], None]


class Throttle:
    """Spaces request starts at least `interval` seconds apart, across threads.

    The next start is counted from when the previous caller actually woke up, not from when it
    was due, so a thread that oversleeps (a busy machine) cannot bunch the requests after it.
    Callers wait in turn on the lock.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = float("-inf")

    def wait(self, interval: float) -> float:
        """Block until this caller may start a request; return the seconds waited."""
        with self._lock:
            asked = self._clock()
            if asked < self._next:
                self._sleep(self._next - asked)
            started = self._clock()
            self._next = started + interval
        return started - asked


PROCESS_THROTTLE = Throttle()  # NCBI's limit is per client, so there is one per process


class _RedactSecrets(logging.Filter):
    """Masks API keys in records of loggers we do not own (urllib3 logs each request line)."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(secret in message for secret in self.secrets):
            for secret in self.secrets:
                message = message.replace(secret, REDACTED)
            record.msg, record.args = message, ()
        return True


_REDACTOR = _RedactSecrets()
logging.getLogger("urllib3.connectionpool").addFilter(_REDACTOR)


@dataclass
class TransportStats:
    """What a Transport sent: for logs, tests and the benchmark."""

    requests: int = 0  # HTTP requests sent, retries included
    retries: int = 0
    failures: int = 0  # calls that gave up after every retry
    by_endpoint: Counter = field(default_factory=Counter)
    throttled_seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "retries": self.retries,
            "failures": self.failures,
            "by_endpoint": dict(self.by_endpoint),
            "throttled_seconds": round(self.throttled_seconds, 3),
        }


class _Retry(Exception):
    """Internal: one attempt failed in a way worth another try."""

    def __init__(self, error: PubMedError, wait: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.wait = wait  # seconds the server asked for (Retry-After), if any


class Transport:
    """Sends E-utilities requests politely and returns the body bytes of a good answer."""

    def __init__(
        self,
        settings: Settings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        throttle: Throttle | None = None,
    ):
        self.settings = settings
        self.session = session or requests.Session()
        self.sleep = sleep
        self.throttle = throttle or PROCESS_THROTTLE
        self.stats = TransportStats()
        self._stats_lock = threading.Lock()
        self._base = settings.eutils_url.rstrip("/") + "/"
        if settings.api_key:
            _REDACTOR.secrets.add(settings.api_key)

    # -- public ---------------------------------------------------------------------------------

    def get(
        self,
        endpoint: str,
        params: Mapping[str, object],
        *,
        check: Check | None = None,
        post: bool = False,
    ) -> bytes:
        """Request `endpoint` (e.g. "esearch.fcgi") until an answer passes `check`.

        `check` looks at the body: raising ResponseError makes the call retry; raising any other
        PubMedError (QueryRejectedError, for one) ends it at once. An HTTP 400 body that `check`
        accepts is returned as an answer. `post` forces POST; long requests are POSTed anyway.
        """
        full = self._with_identity(params)
        attempts = self.settings.max_retries + 1
        for attempt in range(attempts):
            try:
                return self._attempt(endpoint, full, check, post)
            except _Retry as retry:
                if attempt + 1 >= attempts:
                    self._count(failures=1)
                    log.error("%s failed after %d attempts: %s", endpoint, attempts, retry.error)
                    raise retry.error from None
                delay = self.backoff(attempt, retry.wait)
                self._count(retries=1)
                log.warning(
                    "%s attempt %d/%d failed (%s: %s); retrying in %.2fs",
                    endpoint, attempt + 1, attempts, type(retry.error).__name__, retry.error,
                    delay,
                )
                self.sleep(delay)
        raise AssertionError("unreachable")

    def backoff(self, attempt: int, server_wait: float | None = None) -> float:
        """Seconds before retry number `attempt` + 1: exponential, jittered, capped."""
        ceiling = min(self.settings.backoff_max, self.settings.backoff_base * 2**attempt)
        delay = ceiling / 2 + random.uniform(0, ceiling / 2)
        if server_wait is not None:
            delay = max(delay, min(server_wait, self.settings.backoff_max))
        return delay

    def redact(self, text: str) -> str:
        """`text` with the API key replaced, for anything that may be logged or raised."""
        key = self.settings.api_key
        return text.replace(key, REDACTED) if key else text

    def url(self, endpoint: str, params: Mapping[str, object] | None = None) -> str:
        """The GET URL for a request, API key redacted: safe to log."""
        query = urlencode(self._with_identity(params or {}), doseq=True)
        return self.redact(f"{self._base}{endpoint}?{query}")

    def close(self) -> None:
        self.session.close()

    # -- one attempt ----------------------------------------------------------------------------

    def _with_identity(self, params: Mapping[str, object]) -> dict[str, object]:
        full = {k: v for k, v in params.items() if v is not None}
        full["tool"] = self.settings.tool
        if self.settings.email:
            full["email"] = self.settings.email
        if self.settings.api_key:
            full["api_key"] = self.settings.api_key
        return full

    def _attempt(self, endpoint: str, params: dict, check: Check | None, post: bool) -> bytes:
        url = self._base + endpoint
        if not post and len(url) + 1 + len(urlencode(params, doseq=True)) > MAX_GET_URL:
            post = True
        waited = self.throttle.wait((1.0 / self.settings.rate_limit) * SAFETY)
        self._count(sent=1, endpoint=endpoint, throttled=waited)
        log.debug("%s %s", "POST" if post else "GET", self.url(endpoint, params))
        try:
            if post:
                response = self.session.post(url, data=params, timeout=self.settings.timeout)
            else:
                response = self.session.get(url, params=params, timeout=self.settings.timeout)
            body = response.content  # reads the whole body: a truncated one raises here
        except requests.Timeout as exc:
            raise _Retry(TransportError(self._describe(endpoint, "timed out", exc))) from None
        except requests.RequestException as exc:
            # connection refused or reset, truncated body (ChunkedEncodingError), bad chunking
            raise _Retry(TransportError(self._describe(endpoint, "failed", exc))) from None
        if response.status_code != 200 and not self._vouched(endpoint, response, body, check):
            self._status_error(endpoint, response, body)
        elif check is not None:
            try:
                check(body)
            except ResponseError as exc:
                raise _Retry(self._redacted(exc)) from None
            except PubMedError as exc:
                raise self._redacted(exc) from None
        return body

    def _vouched(self, endpoint: str, response: requests.Response, body: bytes,
                 check: Check | None) -> bool:
        """NCBI answers HTTP 400 for some definite answers ("ID list is empty!") and for query
        errors it explains in the body: `check` decides whether the body stands as an answer."""
        if response.status_code != 400 or check is None:
            return False
        try:
            check(body)
        except ResponseError:
            return False  # a transient 400 ("Unknown Error"): retried below
        except PubMedError as exc:
            raise self._redacted(exc) from None
        return True

    def _status_error(self, endpoint: str, response: requests.Response, body: bytes) -> None:
        """Raise for a non-200 answer: _Retry when another try may help, else TransportError."""
        status = response.status_code
        snippet = _snippet(body)
        error = TransportError(self.redact(f"{endpoint}: HTTP {status} {snippet}".strip()))
        if status in RETRY_STATUSES:
            wait = retry_after(response.headers.get("Retry-After")) if status == 429 else None
            raise _Retry(error, wait)
        raise error

    def _redacted(self, exc: PubMedError) -> PubMedError:
        exc.args = (self.redact(str(exc)),)
        return exc

    def _describe(self, endpoint: str, what: str, exc: Exception) -> str:
        return self.redact(f"{endpoint} {what}: {type(exc).__name__}: {exc}")

    def _count(self, *, sent: int = 0, retries: int = 0, failures: int = 0,
               endpoint: str | None = None, throttled: float = 0.0) -> None:
        with self._stats_lock:
            self.stats.requests += sent
            self.stats.retries += retries
            self.stats.failures += failures
            self.stats.throttled_seconds += throttled
            if endpoint:
                self.stats.by_endpoint[endpoint] += sent


def retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


def _snippet(body: bytes, limit: int = 200) -> str:
    """An error body on one line: NCBI's JSON 429 message, or an HTML page's title, never
    markup or terminal controls."""
    return error_body_text(body, limit)
