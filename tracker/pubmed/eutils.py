"""E-utilities operations for PubMed: search, fetch, citation match, with the fewest requests.

One ESearch with retmax=9999 returns a window's whole id list; windows past PubMed's 9,999 paging
limit are split by create date ([crdt]) until every part fits. EFetch goes by id in POSTed batches,
or by WebEnv after a usehistory search; records PubMed leaves out are asked for once more by id
and what still does not come back is reported in `missing`, never dropped silently.
"""

from __future__ import annotations

import itertools
import logging
import math
import re
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TypeVar
from urllib.parse import quote_plus

from lxml import etree

from tracker.config import Settings
from tracker.errors import PubMedError, QueryRejectedError, ResponseError
from tracker.pubmed import entrez
from tracker.pubmed.parse import iter_records
from tracker.pubmed.transport import Transport
from tracker.records import DeletedCitation, PaperRecord
from tracker.text import error_body_text, one_line

log = logging.getLogger(__name__)

MAX_IDS = 9999  # PubMed pages only the first 9,999 results of a search
SPLIT_TARGET = 8000  # aim parts below the limit so one split usually suffices
EARLIEST = date(1800, 1, 1)  # the window searched when the caller gives none
LATEST = date(3000, 12, 31)
MAX_HISTORY_RENEWALS = 5
FETCH_AHEAD = 3  # EFetch requests in flight while the caller handles a batch
CITMATCH_URL_BUDGET = 1500  # characters of bdata per ECitMatch request, to stay a short GET

# ERROR texts that mean "ask again later" rather than "this query is wrong"
TRANSIENT = re.compile(
    r"backend failed|exception|unknown error|empty response|viewer error|temporar|timeout|"
    r"timed out|try again|unavailable|internal",
    re.IGNORECASE,
)
PAGING_BUG = re.compile(r"cannot be larger than", re.IGNORECASE)
HISTORY_GONE = re.compile(r"unable to obtain query", re.IGNORECASE)

Item = PaperRecord | DeletedCitation
T = TypeVar("T")
Window = tuple[date, date]


class HistoryExpired(PubMedError):
    """The WebEnv/query_key is gone from NCBI's history server; re-run the search."""


@dataclass(frozen=True)
class SearchResult:
    count: int
    ids: list[str]
    translation: str
    webenv: str | None = None
    query_key: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Citation:
    key: str  # the caller's own label, echoed back by ECitMatch
    journal: str
    year: str | int
    volume: str | int | None = None
    first_page: str | int | None = None
    author: str | None = None  # "Surname AB"


@dataclass(frozen=True)
class CitMatchResult:
    key: str
    status: str  # "found" | "not_found" | "ambiguous" | "missing"
    pmid: str | None = None
    candidates: tuple[str, ...] = ()
    detail: str = ""  # NCBI's own words, e.g. "NOT_FOUND;INVALID_JOURNAL"


def crdt_term(term: str, window: Window | None) -> str:
    """`term` limited to records created in `window` (both days included)."""
    if window is None:
        return term
    start, end = window
    return f'({term}) AND ("{start:%Y/%m/%d}"[crdt] : "{end:%Y/%m/%d}"[crdt])'


def split_window(window: Window, parts: int) -> list[Window]:
    """`window` cut into at most `parts` consecutive, non-overlapping day ranges."""
    start, end = window
    days = (end - start).days + 1
    parts = max(1, min(parts, days))
    edges = [start + timedelta(days=days * i // parts) for i in range(parts + 1)]
    return [(edges[i], edges[i + 1] - timedelta(days=1)) for i in range(parts)]


class EutilsClient:
    """PubMed through the E-utilities; every request goes through one polite Transport."""

    def __init__(self, settings: Settings, transport: Transport | None = None):
        self.settings = settings
        self.transport = transport or Transport(settings)
        self.missing: list[str] = []  # after a fetch: PMIDs asked for that never came back

    # -- ESearch -----------------------------------------------------------------------------------

    def count(self, term: str, window: Window | None = None) -> SearchResult:
        """How many records match, in one request (retmax=0, no ids)."""
        return self._esearch({"term": crdt_term(term, window), "retmax": 0})

    def search_ids(self, term: str, window: Window | None = None) -> SearchResult:
        """Every PMID matching `term` created within `window`, however many there are."""
        return self._complete(lambda w: {"term": crdt_term(term, w)}, window, term)

    def search_modified(self, term: str, since: date, until: date) -> SearchResult:
        """Every PMID matching `term` modified between `since` and `until` (for refresh)."""
        def params(w: Window) -> dict:
            return {"term": term, "datetype": "mdat",
                    "mindate": f"{w[0]:%Y/%m/%d}", "maxdate": f"{w[1]:%Y/%m/%d}"}
        return self._complete(params, (since, until), term)

    # -- EFetch ------------------------------------------------------------------------------------

    def fetch(self, pmids: Sequence[str]) -> Iterator[Item]:
        """Records for `pmids`, in POSTed batches, yielded batch by batch as they parse.

        PMIDs the batch left out are refetched by id once at the end; those still absent are in
        `self.missing` when the iterator is exhausted.
        """
        self.missing = []
        wanted = list(dict.fromkeys(str(p) for p in pmids))
        seen: set[str] = set()
        skipped: list[str] = []
        batches = list(_chunks(wanted, self.settings.batch_size))
        jobs = [lambda b=b: self._efetch({"id": ",".join(b)}) for b in batches]
        for batch, items in zip(batches, _ahead(jobs, FETCH_AHEAD), strict=True):
            yield from _new_items(items, seen)
            gone = [p for p in batch if p not in seen]
            if gone:
                log.warning("EFetch returned %d of %d records; will refetch %s",
                            len(batch) - len(gone), len(batch), ",".join(gone[:20]))
                skipped.extend(gone)
        yield from self._refetch(skipped, seen)

    def fetch_search(self, term: str, window: Window | None = None) -> Iterator[Item]:
        """Every record matching `term` in `window`: ESearch usehistory=y, EFetch by WebEnv."""
        self.missing = []
        seen: set[str] = set()
        skipped: list[str] = []

        def search(w: Window | None) -> SearchResult:
            return self._esearch(
                {"term": crdt_term(term, w), "retmax": MAX_IDS, "usehistory": "y"}, MAX_IDS
            )

        for part_window, part in self._parts(search, window, term):
            yield from self._fetch_history(part, lambda w=part_window: search(w), seen, skipped)
        yield from self._refetch(skipped, seen)

    # -- ECitMatch ---------------------------------------------------------------------------------

    def citmatch(self, citations: Sequence[Citation]) -> dict[str, CitMatchResult]:
        """PMIDs for journal citations; lines NCBI drops are asked for once more."""
        keys = [c.key for c in citations]
        if len(set(keys)) != len(keys):
            raise ValueError("citation keys must be unique: ECitMatch answers by key")
        results: dict[str, CitMatchResult] = {}
        pending = list(citations)
        for _round in range(2):
            for batch in _citation_batches(pending):
                results.update(self._citmatch_batch(batch))
            pending = [c for c in pending if c.key not in results]
            if not pending:
                break
            log.warning("ECitMatch left out %d citations; asking again", len(pending))
        for citation in pending:
            results[citation.key] = CitMatchResult(citation.key, "missing")
        return {key: results[key] for key in keys}

    # -- searching, in detail ----------------------------------------------------------------------

    def _esearch(self, params: dict, retmax: int | None = None) -> SearchResult:
        """One ESearch; the answer is checked (and retried) inside the transport."""
        full = {"db": "pubmed", "retmode": "xml", **params}
        if retmax is not None:
            full["retmax"] = retmax
        parsed: list[SearchResult] = []

        def check(body: bytes) -> None:
            parsed.append(parse_search(body, int(full.get("retmax", 20))))

        self.transport.get("esearch.fcgi", full, check=check)
        result = parsed[-1]
        log.info("ESearch %d hits; PubMed searched: %s", result.count, result.translation)
        for warning in result.warnings:
            log.info("ESearch warning: %s", warning)
        return result

    def _complete(self, params: Callable[[Window | None], dict], window: Window | None,
                  term: str) -> SearchResult:
        """All ids of a search, splitting its window when it is past the paging limit."""
        def search(w: Window | None) -> SearchResult:
            return self._esearch(params(w), MAX_IDS)

        parts = [part for _w, part in self._parts(search, window, term)]
        if len(parts) == 1:
            return parts[0]
        ids = list(dict.fromkeys(i for part in parts for i in part.ids))
        warnings = [w for part in parts for w in part.warnings]
        return SearchResult(len(ids), ids, parts[0].translation, None, None,
                            list(dict.fromkeys(warnings)))

    def _parts(self, search: Callable[[Window | None], SearchResult], window: Window | None,
               term: str) -> list[tuple[Window | None, SearchResult]]:
        """Search results that each fit in one page, covering `window` together."""
        first = search(window)
        if first.count <= MAX_IDS:
            return [(window, first)]
        span = window or (EARLIEST, LATEST)
        return self._split(search, span, first.count, term)

    def _split(self, search: Callable[[Window | None], SearchResult], window: Window,
               count: int, term: str) -> list[tuple[Window | None, SearchResult]]:
        start, end = window
        if start == end:
            raise PubMedError(
                f"{count} records created on {start:%Y-%m-%d} alone match {term!r}: past "
                f"PubMed's {MAX_IDS}-record paging limit and a day cannot be split; "
                "narrow the query"
            )
        pieces = split_window(window, max(2, math.ceil(count / SPLIT_TARGET)))
        log.info("%d hits are past the %d limit: splitting %s..%s into %d windows",
                 count, MAX_IDS, start, end, len(pieces))
        found: list[tuple[Window | None, SearchResult]] = []
        for piece in pieces:
            result = search(piece)
            if result.count <= MAX_IDS:
                found.append((piece, result))
            else:
                found.extend(self._split(search, piece, result.count, term))
        return found

    # -- fetching, in detail -----------------------------------------------------------------------

    def _efetch(self, params: dict) -> list[Item]:
        """One EFetch, parsed whole so a truncated or broken answer is retried, not half-used."""
        parsed: list[list[Item]] = []

        def check(body: bytes) -> None:
            parsed.append(parse_fetch(body))

        self.transport.get("efetch.fcgi", {"db": "pubmed", "retmode": "xml", **params},
                           check=check, post=True)
        return parsed[-1]

    def _refetch(self, skipped: list[str], seen: set[str]) -> Iterator[Item]:
        """Ask once more, by id, for what earlier answers left out; record what is still gone."""
        todo = [p for p in dict.fromkeys(skipped) if p not in seen]
        jobs = [lambda b=b: self._efetch({"id": ",".join(b)})
                for b in _chunks(todo, self.settings.batch_size)]
        for items in _ahead(jobs, FETCH_AHEAD):
            yield from _new_items(items, seen)
        self.missing = [p for p in todo if p not in seen]
        if self.missing:
            log.warning("%d PMIDs still missing after a refetch: %s",
                        len(self.missing), ",".join(self.missing[:20]))

    def _fetch_history(self, result: SearchResult, rerun: Callable[[], SearchResult],
                       seen: set[str], skipped: list[str]) -> Iterator[Item]:
        """EFetch a usehistory search in batches; re-create an expired WebEnv and go on."""
        batch = self.settings.batch_size
        retstart, renewals = 0, 0
        while retstart < result.count:
            try:
                items = self._efetch({
                    "WebEnv": result.webenv, "query_key": result.query_key,
                    "retstart": retstart, "retmax": batch,
                })
            except HistoryExpired:
                renewals += 1
                if renewals > MAX_HISTORY_RENEWALS:
                    raise ResponseError(
                        f"the history server lost the search {renewals} times; giving up"
                    ) from None
                log.warning("WebEnv expired at retstart %d; searching again", retstart)
                result = rerun()
                continue
            yield from _new_items(items, seen)
            skipped.extend(p for p in result.ids[retstart:retstart + batch] if p not in seen)
            retstart += batch
        # a re-created search can shift positions: anything never seen is refetched by id
        skipped.extend(p for p in result.ids if p not in seen)

    def _citmatch_batch(self, batch: list[Citation]) -> dict[str, CitMatchResult]:
        bdata = "\r".join(citation_line(c) for c in batch) + "\r"
        parsed: list[dict[str, CitMatchResult]] = []

        def check(body: bytes) -> None:
            parsed.append(parse_citmatch(body))

        self.transport.get(
            "ecitmatch.cgi", {"db": "pubmed", "retmode": "xml", "bdata": bdata}, check=check
        )
        wanted = {c.key for c in batch}
        return {k: v for k, v in parsed[-1].items() if k in wanted}


# -- answers to plain data: pure functions ------------------------------------------------------

def parse_search(body: bytes, retmax: int = 20) -> SearchResult:
    """An ESearch XML answer as a SearchResult, or the PubMedError it stands for.

    ResponseError (retried): a transient ERROR, no Count, a short id list, unreadable XML.
    QueryRejectedError (not retried): unknown field tags. PhraseNotFound with Count 0 is a valid
    empty answer.
    """
    try:
        data = entrez.read(body)
    except RuntimeError as exc:  # Bio.Entrez raises the text of an <ERROR> element
        fields = _fields_not_found(body)
        if fields:  # a query made only of unknown fields: ERROR "Empty term" + FieldNotFound
            raise _rejected_fields(fields) from None
        raise search_error(str(exc)) from None
    except PubMedError:
        raise
    except Exception as exc:  # expat, ValueError on a missing DOCTYPE, ...: a broken answer
        raise ResponseError(f"unreadable ESearch answer: {type(exc).__name__}: {exc}") from None
    if not isinstance(data, dict):
        raise ResponseError("unexpected ESearch answer")
    if data.get("ERROR"):
        raise search_error(str(data["ERROR"]))
    errors = data.get("ErrorList") or {}
    fields = [str(f) for f in errors.get("FieldNotFound", [])]
    if fields:
        raise _rejected_fields(fields)
    if "Count" not in data:
        raise ResponseError("ESearch answer has no Count (an empty eSearchResult)")
    count = int(data["Count"])
    translation = str(data.get("QueryTranslation", "") or "")
    if count == 0 and not errors and not translation:
        # PubMed's real zero-hit answer says what it searched (and usually which phrase it did
        # not find); a bare Count 0 is the transient empty answer seen under load
        raise ResponseError("ESearch answered Count 0 without a query translation")
    ids = [str(i) for i in data.get("IdList", [])]
    retstart = int(data.get("RetStart", 0) or 0)
    expected = max(0, min(count - retstart, retmax, MAX_IDS))
    if len(ids) < expected:
        raise ResponseError(f"ESearch listed {len(ids)} ids of the {expected} expected")
    warnings = [f"{kind}: {value}" for kind, values in errors.items() for value in values]
    for kind, values in (data.get("WarningList") or {}).items():
        warnings.extend(f"{kind}: {value}" for value in values)
    return SearchResult(
        count=count,
        ids=ids,
        translation=translation,
        webenv=str(data["WebEnv"]) if data.get("WebEnv") else None,
        query_key=str(data["QueryKey"]) if data.get("QueryKey") else None,
        warnings=warnings,
    )


def _rejected_fields(fields: list[str]) -> QueryRejectedError:
    return QueryRejectedError(
        f"PubMed does not know the field(s) {', '.join(fields)}: fix the query"
    )


def _fields_not_found(body: bytes) -> list[str]:
    try:
        root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return []
    return [" ".join(e.itertext()).strip() for e in root.iter("FieldNotFound")]


def search_error(message: str) -> PubMedError:
    """The error an ESearch <ERROR> text stands for."""
    message = one_line(message)
    if PAGING_BUG.search(message):
        return PubMedError(f"PubMed refused to page past its limit: {message}")
    if HISTORY_GONE.search(message):  # ESearch sends no WebEnv: the term itself cites #N
        return QueryRejectedError(
            f"PubMed rejected the query: it refers to a search history entry (#N) that does not "
            f"exist; write the search out in full ({message})"
        )
    if TRANSIENT.search(message):
        return ResponseError(f"PubMed: {message}")
    return QueryRejectedError(f"PubMed rejected the query: {message}")


def parse_fetch(body: bytes) -> list[Item]:
    """An EFetch XML answer as records; an eFetchResult/ERROR envelope as its PubMedError."""
    head = body[:2000]
    if b"<eFetchResult" in head or (b"<ERROR" in head and b"<PubmedArticle" not in head):
        message = _error_text(body)
        if HISTORY_GONE.search(message):
            raise HistoryExpired(message)
        if "ID list is empty" in message:
            return []  # none of the ids exist: the caller sees them as missing
        raise ResponseError(f"PubMed EFetch: {message}")
    return list(iter_records(body))


def _error_text(body: bytes) -> str:
    try:
        root = etree.fromstring(body, etree.XMLParser(no_network=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return error_body_text(body, 300)
    found = root if root.tag == "ERROR" else root.find(".//ERROR")
    text = "".join(found.itertext()) if found is not None else "".join(root.itertext())
    return one_line(text)


def citation_line(citation: Citation) -> str:
    """One ECitMatch bdata line: journal|year|volume|first_page|author|key|."""
    values = (citation.journal, citation.year, citation.volume, citation.first_page,
              citation.author, citation.key)
    return "|".join(re.sub(r"[|\r\n]", " ", str(v)) if v is not None else "" for v in values) + "|"


def parse_citmatch(body: bytes) -> dict[str, CitMatchResult]:
    """ECitMatch's text answer, by key: PMID, NOT_FOUND, or AMBIGUOUS with candidates."""
    text = body.decode("utf-8", "replace")
    if "<html" in text.lower():
        raise ResponseError("ECitMatch answered with an HTML page")
    results: dict[str, CitMatchResult] = {}
    for line in text.splitlines():
        fields = line.strip().split("|")
        if len(fields) < 7:
            continue
        key, answer = fields[5].strip(), fields[6].strip()
        if not key:
            continue
        if answer.isdigit():
            results[key] = CitMatchResult(key, "found", pmid=answer, detail=answer)
        elif answer.upper().startswith("AMBIGUOUS"):
            rest = answer[len("AMBIGUOUS"):]
            candidates = () if "(" in rest else tuple(re.findall(r"\d+", rest))
            results[key] = CitMatchResult(key, "ambiguous", candidates=candidates, detail=answer)
        elif answer.upper().startswith("NOT_FOUND"):
            results[key] = CitMatchResult(key, "not_found", detail=answer)
    if not results and text.strip():
        # an error text or page instead of citation lines; an empty body is lost lines
        raise ResponseError(f"ECitMatch answer has no citation lines: {text[:200]!r}")
    return results


def _citation_batches(citations: list[Citation]) -> Iterator[list[Citation]]:
    """Citations grouped so each request's encoded bdata stays a short GET."""
    batch: list[Citation] = []
    size = 0
    for citation in citations:
        length = len(quote_plus(citation_line(citation) + "\r"))
        if batch and size + length > CITMATCH_URL_BUDGET:
            yield batch
            batch, size = [], 0
        batch.append(citation)
        size += length
    if batch:
        yield batch


def _new_items(items: list[Item], seen: set[str]) -> Iterator[Item]:
    """Items not yielded before (a refetch or a shifted WebEnv can repeat some)."""
    for item in items:
        if isinstance(item, DeletedCitation):
            fresh = tuple(p for p in item.pmids if p not in seen)
            seen.update(fresh)
            if fresh:
                yield DeletedCitation(fresh)
        elif item.pmid not in seen:
            seen.add(item.pmid)
            yield item


def _ahead(jobs: list[Callable[[], T]], depth: int) -> Iterator[T]:
    """Results of `jobs` in order, with up to `depth` running ahead of the consumer.

    A request spends most of its time waiting on NCBI; running the next ones while the caller
    stores this batch keeps the pace at the rate limit (the shared throttle still spaces them).
    """
    if depth <= 1 or len(jobs) <= 1:
        for job in jobs:
            yield job()
        return
    pool = ThreadPoolExecutor(max_workers=depth, thread_name_prefix="eutils-fetch")
    queue: deque[Future[T]] = deque()
    try:
        upcoming = iter(jobs)
        for job in itertools.islice(upcoming, depth):
            queue.append(pool.submit(job))
        while queue:
            result = queue.popleft().result()
            following = next(upcoming, None)
            if following is not None:
                queue.append(pool.submit(following))
            yield result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # no request outlives the fetch


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
