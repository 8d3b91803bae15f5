"""Duplicate links in the store: found by duplicate_match, decided by people, never undone by a
poll.

Papers with the same normalised DOI or PMCID under different PMIDs are one article: they are merged
for counting at once (decided_by "rule:doi" / "rule:pmcid"), and a person may still reject that.
Near-duplicate titles are only "possible" until a person confirms or rejects them. A merged paper
points at its canonical paper through Paper.canonical_id; counts skip papers that have one.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz, process
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.clock import utc_now
from tracker.errors import TrackerError
from tracker.evidence import duplicate_match as dedupe
from tracker.evidence.written import paper_rows
from tracker.store import DuplicateLink, Paper, rows_in_batches


def _year(pub_year: int | None, electronic_date) -> int | None:
    """duplicate_match.record_year, from stored columns."""
    years = [y for y in (pub_year, electronic_date and electronic_date.year) if y]
    return min(years) if years else None


def _fingerprint(row) -> dedupe.Fingerprint:
    """What duplicate_match.fingerprint makes of the record, rebuilt from stored columns."""
    return dedupe.Fingerprint(
        paper_id=row.id, pmid=row.pmid, doi=row.doi_norm, pmcid=row.pmcid_norm,
        title=row.title_norm, first_author=row.first_author_norm,
        year=_year(row.pub_year, row.electronic_date), notice=row.is_notice,
        linked_pmids=frozenset(link[1] for link in row.comments_corrections or () if link[1]),
    )


KNOWN_TITLES = 20_000  # titles kept for scoring across batches (about 3 MB at most)

FINGERPRINT_COLUMNS = (
    Paper.id, Paper.pmid, Paper.doi_norm, Paper.pmcid_norm, Paper.title_norm,
    Paper.first_author_norm, Paper.pub_year, Paper.electronic_date, Paper.is_notice,
    Paper.comments_corrections,
)


class TitleShapes:
    """Per paper id, how often each character occurs in its normalised title, and its length.

    Every insertion or deletion changes one count by one, so the counts' differences bound the
    edit distance from below, and with it rapidfuzz's ratio from above: a candidate whose bound
    is below the threshold is dropped without reading its title. About 40 bytes a paper.
    """

    SYMBOLS = "abcdefghijklmnopqrstuvwxyz0123456789 "  # what normalize_title leaves; rest: one

    def __init__(self):
        import numpy

        self.np = numpy
        self._bucket = numpy.full(256, len(self.SYMBOLS), dtype=numpy.uint8)
        for position, symbol in enumerate(self.SYMBOLS):
            self._bucket[ord(symbol)] = position
        self._counts = numpy.zeros((1024, len(self.SYMBOLS) + 1), dtype=numpy.uint8)
        self._lengths = numpy.zeros(1024, dtype=numpy.int32)

    def _shapes_of(self, titles: list[str]):
        """Each title's symbol counts (capped at 255) and length, for many titles at once."""
        np = self.np
        encoded = [title.encode("utf-8") for title in titles]
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        owners = np.repeat(np.arange(len(encoded)), lengths)
        buckets = self._bucket[np.frombuffer(b"".join(encoded), dtype=np.uint8)]
        width = self._counts.shape[1]
        counts = np.bincount(owners * width + buckets, minlength=len(encoded) * width)
        return np.minimum(counts, 255).astype(np.uint8).reshape(len(encoded), width), lengths

    def add(self, paper_ids: list[int], titles: list[str]) -> None:
        """File the titles' shapes under their paper ids."""
        if not paper_ids:
            return
        top = max(paper_ids)
        if top >= len(self._lengths):
            size = max(top + 1, 2 * len(self._lengths))
            counts = self.np.zeros((size, self._counts.shape[1]), dtype=self.np.uint8)
            lengths = self.np.zeros(size, dtype=self.np.int32)
            counts[:len(self._counts)], lengths[:len(self._lengths)] = self._counts, self._lengths
            self._counts, self._lengths = counts, lengths
        ids = self.np.asarray(paper_ids, dtype=self.np.int64)
        self._counts[ids], self._lengths[ids] = self._shapes_of(titles)

    def may_reach(self, wanted: list[tuple[int, set[int]]], threshold: float) -> list[set[int]]:
        """For each (filed paper, its candidates): the candidates whose title's ratio to that
        paper's title may reach the threshold. One array operation for the whole batch."""
        np = self.np
        sizes = [len(candidates) for _, candidates in wanted]
        if not sum(sizes):
            return [set() for _ in wanted]
        owners = np.repeat(np.fromiter((paper_id for paper_id, _ in wanted), dtype=np.int64,
                                       count=len(wanted)), sizes)
        ids = np.fromiter((i for _, candidates in wanted for i in candidates), dtype=np.int64,
                          count=len(owners))
        apart = np.abs(self._counts[ids].astype(np.int16) - self._counts[owners]).sum(axis=1)
        allowed = (1 - threshold / 100) * (self._lengths[ids] + self._lengths[owners]) + 1e-9
        reach = apart <= allowed
        kept = ids[reach]
        positions = np.searchsorted(np.flatnonzero(reach), np.cumsum(sizes))
        starts = [0, *positions[:-1].tolist()]
        return [set(kept[start:end].tolist()) for start, end in zip(starts, positions.tolist(),
                                                                     strict=True)]


class StoredIndex(dedupe.DuplicateIndex):
    """duplicate_match's blocking index without the stored papers in memory.

    A run stores tens of thousands of papers; holding each one's fingerprint made a backfill's
    memory grow with the store. This keeps only what blocking needs to count and find candidates:
    paper ids under the hash of each exact title and author-year, and under each title word.
    DOIs, PMCIDs and PMIDs are looked up in the database (indexed columns). `prepare` works out
    each paper's candidates for a batch, in the order `matches` will check them, and reads only
    the fingerprints of those whose title similarity can reach the threshold; `finish` drops them.
    Up to KNOWN_TITLES candidate titles are kept across batches, and a paper the run updates is
    refiled under its new title (`refile_updated`).
    """

    def __init__(self, session: Session, threshold: float):
        super().__init__()
        self.threshold = threshold
        self._shapes = TitleShapes()
        self._titles: dict[int, list[int]] = {}  # hash(title) -> paper ids
        self._author_years: dict[int, list[int]] = {}  # hash((author, year)) -> paper ids
        self._word_ids: dict[str, list[int]] = {}  # title word -> paper ids
        # titles read for scoring, kept across batches: the same stored papers come back as
        # candidates batch after batch (85% of reads in a 10,000-record backfill)
        self._known_titles: dict[int, str] = {}
        self._session = session
        self.finish()
        rows = session.execute(
            select(Paper.id, Paper.title_norm, Paper.first_author_norm, Paper.pub_year,
                   Paper.electronic_date, Paper.is_notice)
            .where(Paper.deleted.is_(False)).execution_options(yield_per=5000)
        )
        titled: list[tuple[int, str]] = []
        for row in rows:
            if not row.is_notice:
                self._file(row.id, row.title_norm, row.first_author_norm,
                           _year(row.pub_year, row.electronic_date))
                if row.title_norm:
                    titled.append((row.id, row.title_norm))
            if len(titled) >= 5000:
                self._shapes.add(*zip(*titled, strict=True))
                titled = []
        if titled:
            self._shapes.add(*zip(*titled, strict=True))

    def finish(self) -> None:
        """Forget the batch: only the blocking keys stay."""
        self._batch: dict[int, dedupe.Fingerprint] = {}  # the batch and its candidates
        self._batch_ids: set[int] = set()  # the batch's papers: stored, not yet checked
        self._by_key: dict[tuple[str, str], list[int]] = {}  # (column, value) -> paper ids
        self._planned: dict[int, set[int]] = {}  # paper id -> its candidates worth a look
        self._sure: dict[int, set[int]] = {}  # paper id -> candidates by DOI or PMCID

    def _file(self, paper_id: int, title: str, author: str, year: int | None) -> None:
        """File the paper's blocking keys; its title's shape is filed by the caller."""
        if title:
            self._titles.setdefault(hash(title), []).append(paper_id)
        if author and year is not None:
            self._author_years.setdefault(hash((author, year)), []).append(paper_id)
        for word in dedupe.blocking_words(title):
            self._word_ids.setdefault(word, []).append(paper_id)

    def _file_identifiers(self, fp: dedupe.Fingerprint) -> None:
        for column, value in (("doi", fp.doi), ("pmcid", fp.pmcid), ("pmid", fp.pmid)):
            if value:
                self._by_key.setdefault((column, value), []).append(fp.paper_id)

    def add(self, fp: dedupe.Fingerprint) -> None:
        self._batch[fp.paper_id] = fp
        self._batch_ids.discard(fp.paper_id)
        self._file_identifiers(fp)
        if fp.paper_id not in self._planned and not fp.notice:  # `prepare` filed the rest
            self._file_with_shape(fp.paper_id, fp.title, fp.first_author, fp.year)

    def _file_with_shape(self, paper_id: int, title: str, author: str,
                         year: int | None) -> None:
        """One paper's blocking keys and its title's shape."""
        self._file(paper_id, title, author, year)
        if title:
            self._shapes.add([paper_id], [title])

    def candidates(self, fp: dedupe.Fingerprint) -> set[int]:
        planned = self._planned.get(fp.paper_id)
        return planned if planned is not None else super().candidates(fp)

    def ids_with_title(self, title: str) -> list[int]:
        return self._titles.get(hash(title), [])

    def author_year_block(self, author: str, year: int) -> list[int]:
        return self._author_years.get(hash((author, year)), [])

    def word_posting(self, word: str) -> list[int]:
        return self._word_ids.get(word, [])

    def ids_with_doi(self, doi: str) -> list[int]:
        return self._by_key.get(("doi", doi), [])

    def ids_with_pmcid(self, pmcid: str) -> list[int]:
        return self._by_key.get(("pmcid", pmcid), [])

    def ids_with_pmid(self, pmid: str) -> list[int]:
        if ("pmid", pmid) not in self._by_key:  # only a linked PMID: rare, read when needed
            self._look_up("pmid", Paper.pmid, [pmid])
            self._load([i for i in self._by_key[("pmid", pmid)] if i not in self._batch])
        return self._by_key[("pmid", pmid)]

    def fingerprint_of(self, paper_id: int) -> dedupe.Fingerprint:
        if paper_id not in self._batch:
            self._load([paper_id])
        return self._batch[paper_id]

    def prepare(self, session: Session, fingerprints: list[dedupe.Fingerprint]) -> None:
        """Read what checking this batch (in this order) needs from the store.

        Each paper's candidates are those the blocking keys give once the papers before it are
        indexed, as `matches` then `add` go through them, less those that share no identifier
        and whose title similarity alone is below the threshold: no penalty lifts a score, so
        `matches` would drop them, and their fingerprints are not read. The batch's blocking
        keys are filed here, its identifiers by `add` as it goes.
        """
        self.finish()
        self._session = session
        self._batch_ids = {fp.paper_id for fp in fingerprints}
        self._look_up("doi", Paper.doi_norm, sorted({fp.doi for fp in fingerprints if fp.doi}))
        self._look_up("pmcid", Paper.pmcid_norm,
                      sorted({fp.pmcid for fp in fingerprints if fp.pmcid}))
        stored = {key: list(ids) for key, ids in self._by_key.items()}
        by_identifier = {i for ids in stored.values() for i in ids}
        for fp in fingerprints:
            by_identifier_here = set(self.ids_with_doi(fp.doi)) if fp.doi else set()
            if fp.pmcid:
                by_identifier_here.update(self.ids_with_pmcid(fp.pmcid))
            self._planned[fp.paper_id] = super().candidates(fp)
            self._sure[fp.paper_id] = self._planned[fp.paper_id] & by_identifier_here
            self._file_identifiers(fp)
            if not fp.notice:
                self._file(fp.paper_id, fp.title, fp.first_author, fp.year)
        self._by_key = stored
        titled = [fp for fp in fingerprints if not fp.notice and fp.title]
        self._shapes.add([fp.paper_id for fp in titled], [fp.title for fp in titled])
        reachable = self._shapes.may_reach(
            [(fp.paper_id, self._planned[fp.paper_id] - self._sure[fp.paper_id]) for fp in titled],
            self.threshold)
        for fp in fingerprints:  # notices and untitled papers match by identifier only
            self._planned[fp.paper_id] = set()
        for fp, ids in zip(titled, reachable, strict=True):
            self._planned[fp.paper_id] = ids
        titles = self._read_titles(sorted(
            set().union(*self._planned.values()) - self._batch_ids
        ))
        titles.update((fp.paper_id, fp.title) for fp in fingerprints)
        self.remember_titles({fp.paper_id: fp.title for fp in fingerprints})
        wanted = set(by_identifier)
        for fp in fingerprints:
            ids = [i for i in self._planned[fp.paper_id] if titles.get(i)]
            if not ids:
                continue
            hits = process.extract(fp.title, [titles[i] for i in ids], scorer=fuzz.ratio,
                                   score_cutoff=self.threshold, limit=None)
            self._sure[fp.paper_id].update(ids[index] for _, _, index in hits)
        for fp in fingerprints:
            self._planned[fp.paper_id] = self._sure.pop(fp.paper_id)
            wanted |= self._planned[fp.paper_id]
        self._load(sorted(wanted - self._batch_ids))

    def refile_updated(self, papers: list[Mapping]) -> None:
        """Stored papers this run just updated (their columns as written, with "id"): filed
        under their title as it now reads, so a later paper is matched against it."""
        for columns in papers:
            paper_id, title = columns["id"], columns["title_norm"]
            self.remember_titles({paper_id: title})
            if not columns["is_notice"]:
                self._file_with_shape(paper_id, title, columns["first_author_norm"],
                                      _year(columns["pub_year"], columns["electronic_date"]))

    def remember_titles(self, titles: dict[int, str]) -> None:
        """Keep these papers' normalised titles (just written, so current) for scoring; at most
        KNOWN_TITLES, the longest-kept dropped first."""
        known = self._known_titles
        known.update(titles)
        if len(known) > KNOWN_TITLES:
            for paper_id in list(itertools.islice(known, len(known) - KNOWN_TITLES * 3 // 4)):
                del known[paper_id]

    def _read_titles(self, paper_ids: list[int]) -> dict[int, str]:
        known = self._known_titles
        read = dict(rows_in_batches(self._session.connection(), lambda batch: select(
            Paper.id, Paper.title_norm).where(Paper.id.in_(batch)),
            [paper_id for paper_id in paper_ids if paper_id not in known]))
        titles = {paper_id: known[paper_id] for paper_id in paper_ids if paper_id in known}
        titles.update(read)
        self.remember_titles(read)
        return titles

    def _look_up(self, key: str, column, values: list[str]) -> None:
        """Paper ids under each value of an indexed column; this batch's unchecked papers are
        left out, as they are not in the index yet."""
        for value in values:
            self._by_key.setdefault((key, value), [])
        for value, paper_id in rows_in_batches(self._session.connection(), lambda batch: select(
                column, Paper.id).where(column.in_(batch), Paper.deleted.is_(False))
                .order_by(Paper.id), values):
            if paper_id not in self._batch_ids:
                self._by_key[(key, value)].append(paper_id)

    def _load(self, paper_ids: list[int]) -> None:
        for row in rows_in_batches(self._session.connection(), lambda batch: select(
                *FINGERPRINT_COLUMNS).where(Paper.id.in_(batch)), paper_ids):
            self._batch[row.id] = _fingerprint(row)


class DuplicateFinder:
    """Finds the duplicates of each batch's new papers for the length of one run."""

    def __init__(self, session: Session, threshold: float = 90.0):
        self.threshold = threshold
        self.index = StoredIndex(session, threshold)

    def detect(self, session: Session, paper_ids: list[int], now: datetime,
               written: dict[int, dict] | None = None) -> int:
        """Link the given (new) papers to what they duplicate; returns how many links were made.

        written: the columns an upsert just wrote (paper id -> columns), read instead of the store.
        """
        if not paper_ids:
            return 0
        # stored order: the later record of a pair links to the earlier one
        fingerprints = [_fingerprint(row)
                        for row in paper_rows(session, FINGERPRINT_COLUMNS, paper_ids, written)]
        known_pairs = set(rows_in_batches(
            session, lambda batch: select(DuplicateLink.paper_id, DuplicateLink.other_id)
            .where(or_(DuplicateLink.paper_id.in_(batch), DuplicateLink.other_id.in_(batch))),
            paper_ids))
        new = set(paper_ids)
        self.index.refile_updated([columns for paper_id, columns in (written or {}).items()
                                   if paper_id not in new])
        self.index.prepare(session, fingerprints)
        made = 0
        for fp in fingerprints:
            for match in self.index.matches(fp, threshold=self.threshold):
                pair = tuple(sorted((match.paper_id, match.other_id)))
                if pair in known_pairs or pair[0] == pair[1]:
                    continue
                known_pairs.add(pair)
                sure = match.kind in ("doi", "pmcid")
                link = DuplicateLink(
                    paper_id=pair[0], other_id=pair[1], kind=match.kind, score=match.score,
                    reason=match.reason, status="confirmed" if sure else "possible",
                    decided_by=f"rule:{match.kind}" if sure else None,
                    decided_at=now if sure else None, found_at=now,
                )
                session.add(link)
                if sure:
                    merge(session, pair[0], pair[1])
                made += 1
            self.index.add(fp)
        self.index.finish()
        session.flush()
        return made


def detect_for_papers(session: Session, paper_ids: list[int], now: datetime | None = None) -> int:
    """One-off detection (a fresh index); runs that store many batches keep a DuplicateFinder."""
    return DuplicateFinder(session).detect(session, paper_ids, now or utc_now())


def canonical_root(session: Session, paper_id: int) -> int:
    seen = set()
    while paper_id not in seen:
        seen.add(paper_id)
        parent = session.scalar(select(Paper.canonical_id).where(Paper.id == paper_id))
        if parent is None:
            return paper_id
        paper_id = parent
    return paper_id


def merge(session: Session, first_id: int, second_id: int) -> None:
    """Count the two as one: the older PubMed record (lower PMID) stays canonical."""
    roots = {canonical_root(session, first_id), canonical_root(session, second_id)}
    if len(roots) == 1:
        return
    pmids = dict(session.execute(select(Paper.id, Paper.pmid).where(Paper.id.in_(roots))).all())
    keep, fold = sorted(roots, key=lambda paper_id: (len(pmids[paper_id]), pmids[paper_id]))
    for paper in session.scalars(
        select(Paper).where(or_(Paper.id == fold, Paper.canonical_id == fold))
    ):
        paper.canonical_id = keep


def unmerge(session: Session, first_id: int, second_id: int) -> None:
    for paper_id, other_id in ((first_id, second_id), (second_id, first_id)):
        paper = session.get(Paper, paper_id)
        if paper.canonical_id == other_id or (
            paper.canonical_id is not None
            and paper.canonical_id == canonical_root(session, other_id)
        ):
            paper.canonical_id = None


@dataclass(frozen=True)
class DuplicateRow:
    id: int
    status: str
    kind: str
    score: float
    reason: str
    pmid: str
    other_pmid: str
    title: str
    other_title: str
    decided_by: str | None
    note: str | None


def list_links(session: Session, status: str | None = None) -> list[DuplicateRow]:
    query = select(DuplicateLink).order_by(DuplicateLink.score.desc(), DuplicateLink.id)
    if status:
        query = query.where(DuplicateLink.status == status)
    rows = []
    for link in session.scalars(query):
        a, b = session.get(Paper, link.paper_id), session.get(Paper, link.other_id)
        rows.append(DuplicateRow(
            id=link.id, status=link.status, kind=link.kind, score=link.score, reason=link.reason,
            pmid=a.pmid, other_pmid=b.pmid, title=a.title, other_title=b.title,
            decided_by=link.decided_by, note=link.note,
        ))
    return rows


def decide(
    session: Session, link_id: int, decision: str, *, who: str, note: str | None, now: datetime
) -> DuplicateLink:
    """A person's decision on a duplicate link: confirm merges, reject separates for good."""
    if decision not in ("confirm", "reject"):
        raise TrackerError(f"decision must be confirm or reject, not {decision!r}")
    longest = DuplicateLink.__table__.c.decided_by.type.length
    if len(who) > longest:  # PostgreSQL would refuse it where SQLite silently keeps it
        raise TrackerError(f"--by: a name of at most {longest} characters, not {len(who)}")
    link = session.get(DuplicateLink, link_id)
    if link is None:
        raise TrackerError(f"no duplicate link {link_id}; `tracker duplicates list` shows them")
    link.status = "confirmed" if decision == "confirm" else "rejected"
    link.decided_by, link.decided_at, link.note = who, now, note
    if decision == "confirm":
        merge(session, link.paper_id, link.other_id)
    else:
        unmerge(session, link.paper_id, link.other_id)
    session.flush()
    return link
