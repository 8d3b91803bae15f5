"""Following stored papers after they arrive: indexing, new versions, retractions, errata.

PubMed changes records after the tracker first stores them: MEDLINE indexing adds MeSH and
publication types weeks later (so the evidence level can change), a publisher posts a new PMID
version, a retraction or erratum links itself to the paper. A refresh re-fetches exactly the
stored records that may have changed, each PMID once:

- records PubMed lists as modified in the window: one ESearch with datetype=mdat over all therapy
  queries ORed together (a stored paper matched its therapy's query, so the union finds it), plus
  one ESearch per 200 stored PMIDs that no therapy query returned (notices fetched by id,
  baseline references), by [uid];
- records not yet indexed for MEDLINE (status Publisher, In-Process or In-Data-Review), every
  time, until their status says indexed. PubMed-not-MEDLINE is final (NLM will not index them), so
  it is not re-checked; a later change to such a record still shows up as modified;
- baseline reference PMIDs not stored yet, so a retraction of a cited paper is always seen.

Each batch is upserted (store records PaperChange rows and the superseded version), its notice
links recorded and their effect applied, in one transaction. Then the other ends of notice links
that are not stored (a retraction notice the therapy query did not return, an original an erratum
is about) are fetched by PMID, a few rounds at most. A notice fetched this way is linked to the
therapies of the paper it touches; an original is linked to none (it was not found by a query).

The watermark is the Run table: a refresh starts at the window_end of the last refresh whose
status is "ok" (that day is covered again: dates have day granularity), else the day before the
first paper was stored.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline, Therapy
from tracker.clock import local_day, utc_now
from tracker.errors import ConfigError, PubMedError, QueryRejectedError
from tracker.evidence import DuplicateFinder, notice_links, rebuild_trials, snapshots
from tracker.ingest import papers
from tracker.ingest.deletions import check_deleted
from tracker.pubmed.eutils import EutilsClient
from tracker.records import DeletedCitation, PaperRecord
from tracker.store import (
    Database,
    NoticeLink,
    Paper,
    PaperChange,
    Reference,
    Run,
    TherapyPaper,
    record_failure,
    rows_in_batches,
)

log = logging.getLogger(__name__)

UNINDEXED_STATUSES = ("Publisher", "In-Process", "In-Data-Review")
UID_CHUNK = 200  # PMIDs per [uid] ESearch: a short POST
COUNTERPART_ROUNDS = 3  # notice -> original -> its other notices; a chain longer than this waits
NOT_LINKED_TO_THERAPY = frozenset({notice_links.UPDATE})  # an update is a paper in its own right

Progress = Callable[[int, int], None]  # (advance by, total)


@dataclass
class RefreshSummary:
    run_id: int | None
    status: str  # ok, incomplete, failed
    since: date
    until: date
    modified: int = 0  # stored PMIDs PubMed listed as modified in the window
    unindexed: int = 0  # stored PMIDs re-checked because MEDLINE had not indexed them
    references: int = 0  # baseline reference PMIDs fetched for the first time
    fetched: int = 0
    updated: int = 0
    unchanged: int = 0
    new_papers: int = 0  # counterparts and references stored for the first time
    notice_links: int = 0
    newly_retracted: int = 0
    deleted: int = 0
    duplicates: int = 0
    changes: dict[str, int] = field(default_factory=dict)  # PaperChange field -> rows
    missing: list[str] = field(default_factory=list)  # listed or tracked, not returned
    counterparts_missing: list[str] = field(default_factory=list)
    error: str | None = None
    existence_checked: int = 0  # stored PMIDs asked whether PubMed still has them
    removed: list[str] = field(default_factory=list)  # stored PMIDs PubMed no longer has

    def describe(self) -> str:
        """A few lines for the CLI."""
        lines = [
            f"Refresh {self.status} (run {self.run_id}), modified {self.since} to {self.until}: "
            f"{self.modified} tracked record(s) modified, {self.unindexed} re-checked for "
            f"indexing, {self.references} baseline reference(s) new.",
            f"Fetched {self.fetched}: {self.updated} changed, {self.unchanged} unchanged, "
            f"{self.new_papers} new (notices, originals, references), {self.deleted} deleted.",
        ]
        if self.changes:
            lines.append("Changes: " + ", ".join(
                f"{name} {count}" for name, count in sorted(self.changes.items())
            ))
        if self.notice_links or self.newly_retracted:
            lines.append(f"{self.notice_links} notice link(s) new; "
                         f"{self.newly_retracted} paper(s) newly retracted.")
        lines.append(f"Checked {self.existence_checked} stored PMID(s) still exist: "
                     f"{len(self.removed)} removed from PubMed"
                     + (f" ({', '.join(self.removed[:10])})." if self.removed else "."))
        if self.missing:
            lines.append(f"PubMed did not return {len(self.missing)} tracked record(s): "
                         + ", ".join(self.missing[:10]))
        if self.counterparts_missing:
            lines.append(f"{len(self.counterparts_missing)} notice counterpart(s) still not "
                         "stored: " + ", ".join(self.counterparts_missing[:10]))
        return "\n".join(lines)

    def counts(self) -> dict:
        return {
            "window": [self.since.isoformat(), self.until.isoformat()],
            "modified": self.modified, "unindexed": self.unindexed,
            "references": self.references, "fetched": self.fetched, "updated": self.updated,
            "unchanged": self.unchanged, "new_papers": self.new_papers,
            "notice_links": self.notice_links, "newly_retracted": self.newly_retracted,
            "deleted": self.deleted, "possible_duplicates": self.duplicates,
            "changes": dict(sorted(self.changes.items())), "missing": len(self.missing),
            "counterparts_missing": len(self.counterparts_missing),
            "existence_checked": self.existence_checked, "removed": len(self.removed),
        }


def last_refresh(db: Database) -> date | None:
    """The refresh watermark: window_end of the last successful refresh."""
    with db.session() as session:
        return session.scalar(
            select(func.max(Run.window_end)).where(Run.kind == "refresh", Run.status == "ok")
        )


def default_since(db: Database, today: date) -> date:
    end = last_refresh(db)
    if end is not None:
        return end
    with db.session() as session:
        first = session.scalar(select(func.min(Paper.first_seen_at)))
    return (local_day(first) if first else today) - timedelta(days=1)


def modified_term(therapies: Iterable[Therapy]) -> str:
    """All therapy queries in one term; therapies sharing a condition share its clause."""
    groups: dict[str, list[str]] = {}
    for therapy in therapies:
        groups.setdefault(therapy.condition_query, []).append(f"({therapy.query})")
    parts = []
    for condition, queries in groups.items():
        joined = " OR ".join(queries)
        parts.append(f"(({joined}) AND ({condition}))" if condition else f"({joined})")
    return " OR ".join(parts)


def uid_terms(pmids: Sequence[str]) -> list[str]:
    ordered = sorted(set(pmids), key=lambda p: (len(p), p))
    return [
        " OR ".join(f"{pmid}[uid]" for pmid in ordered[start:start + UID_CHUNK])
        for start in range(0, len(ordered), UID_CHUNK)
    ]


def refresh(
    db: Database,
    client: EutilsClient,
    baseline: Baseline,
    *,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
    period: str = "week",
    now: Callable[[], datetime] = utc_now,
) -> RefreshSummary:
    """Re-fetch the stored records that changed or may change; see the module docstring."""
    db.require_current()
    today = today or local_day(now())
    until = min(until or today, today)  # the refresh watermark is never after today
    since = since or default_since(db, today)
    if since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    batch_size = batch_size or client.settings.batch_size
    therapies = list(baseline.targets)
    summary = RefreshSummary(run_id=None, status="running", since=since, until=until)

    with db.session() as session:  # the run is on record from its first request
        extra, reference_pmids = _pmids_outside_queries(session)
        run_id = _new_run(session, therapies, since, until, now()).id
    try:
        listed = list(client.search_modified(modified_term(therapies), since, until).ids)
        for term in uid_terms(extra):
            listed.extend(client.search_modified(term, since, until).ids)
    except QueryRejectedError:
        with db.session() as session:  # bad input: nothing is kept
            session.execute(delete(Run).where(Run.id == run_id))
        raise
    except PubMedError as exc:
        record_failure(db, run_id, str(exc), summary.counts(), now())
        raise type(exc)(f"{exc} (run {run_id} recorded as failed)") from exc

    with db.session() as session:
        modified = list(papers.stored_pmids(session, dict.fromkeys(listed)))
        unindexed = list(session.scalars(
            select(Paper.pmid).where(
                Paper.medline_status.in_(UNINDEXED_STATUSES), Paper.deleted.is_(False)
            ).order_by(Paper.id)
        ))
        unstored_refs = sorted(set(reference_pmids) - set(papers.stored_pmids(
            session, reference_pmids
        )))
    summary.run_id = run_id
    summary.modified = len(modified)
    summary.unindexed = len(set(unindexed) - set(modified))
    summary.references = len(unstored_refs)
    tracked = list(dict.fromkeys([*modified, *unindexed]))
    wanted = list(dict.fromkeys([*tracked, *unstored_refs]))

    try:
        with db.session() as session:
            finder = DuplicateFinder(session)
        work = _Work(db, summary, run_id, finder, batch_size, progress, now)
        missing = work.fetch_and_store(client, wanted, counterparts=False)
        with db.session() as session:  # papers polled since the last refresh state notices too
            summary.notice_links += _link_new_papers(session, since, run_id, now())
        summary.missing = sorted(set(missing) & set(tracked))
        tried: set[str] = set(wanted)
        for _round in range(COUNTERPART_ROUNDS):
            with db.session() as session:
                more = [p for p in notice_links.missing_counterparts(session) if p not in tried]
            if not more:
                break
            tried.update(more)
            work.fetch_and_store(client, more, counterparts=True)
        summary.existence_checked, gone = check_deleted(db, client, run_id=run_id, now=now())
        summary.removed = gone
        summary.deleted += len(gone)
        with db.session() as session:
            summary.counterparts_missing = notice_links.missing_counterparts(session)
            _finish(session, run_id, summary, now())
    except Exception as exc:
        summary.status = "failed"
        summary.error = f"{type(exc).__name__}: {exc}"
        record_failure(db, run_id, summary.error, summary.counts(), now())
        if isinstance(exc, PubMedError):
            raise type(exc)(f"{exc} (run {run_id} recorded as failed)") from exc
        raise
    with db.session() as session:  # levels and retractions changed: so did the profile
        rebuild_trials(session, now=now())  # first: the snapshots' RCT events count trials
        snapshots.rebuild_snapshots(session, baseline, period=period, until=until)
    return summary


class _Work:
    """The fetch-upsert-link loop of one refresh, batch by batch, one transaction each."""

    def __init__(self, db: Database, summary: RefreshSummary, run_id: int,
                 finder: DuplicateFinder, batch_size: int, progress: Progress | None,
                 now: Callable[[], datetime]):
        self.db, self.summary, self.run_id, self.finder = db, summary, run_id, finder
        self.batch_size, self.progress, self.now = batch_size, progress, now
        self.total = 0

    def fetch_and_store(self, client: EutilsClient, pmids: list[str], *,
                        counterparts: bool) -> list[str]:
        """Fetch `pmids` once each and store them; returns those PubMed did not return."""
        if not pmids:
            return []
        self.total = len(pmids)
        if self.progress:
            self.progress(0, self.total)
        batch: list[PaperRecord] = []
        deleted: list[str] = []
        wanted = set(pmids)
        for item in client.fetch(pmids):
            if isinstance(item, DeletedCitation):
                deleted.extend(p for p in item.pmids if p in wanted)
                continue
            if item.pmid not in wanted:
                continue  # PubMed answered with a record we did not ask for
            batch.append(item)
            if len(batch) >= self.batch_size:
                self._commit(batch, counterparts)
                batch = []
        if batch:
            self._commit(batch, counterparts)
        if deleted:
            with self.db.session() as session:
                self.summary.deleted += papers.mark_deleted(
                    session, deleted, run_id=self.run_id, now=self.now()
                )
        return sorted(set(client.missing) - set(deleted))

    def _commit(self, batch: list[PaperRecord], counterparts: bool) -> None:
        now = self.now()
        with self.db.session() as session:
            sources = dict(session.execute(
                select(Paper.pmid, Paper.level_source)
                .where(Paper.pmid.in_([r.pmid for r in batch]))
            ).all())
            result = papers.upsert_records(session, batch, run_id=self.run_id, now=now)
            if "level_source" not in papers.TRACKED_FIELDS:
                _record_source_changes(session, result.updated, sources, self.run_id, now)
            links = notice_links.link_notices(session, result.ids.values(), self.run_id, now)
            self.summary.notice_links += len(links)
            if counterparts:
                _link_notices_to_therapies(session, list(result.new), self.run_id, now)
            self.summary.duplicates += self.finder.detect(
                session, list(result.new.values()), now, result.written)
        self.summary.fetched += len(batch)
        self.summary.new_papers += len(result.new)
        self.summary.updated += len(result.updated)
        self.summary.unchanged += len(result.unchanged)
        if self.progress:
            self.progress(len(batch), self.total)


def _new_run(session: Session, therapies: list[Therapy], since: date, until: date,
             started: datetime) -> Run:
    run = Run(
        kind="refresh", started_at=started, status="running", window_start=since,
        window_end=until, therapies=[t.id for t in therapies], counts={},
    )
    session.add(run)
    session.flush()
    return run


def _pmids_outside_queries(session: Session) -> tuple[list[str], list[str]]:
    """Stored PMIDs no therapy query returns (counterparts, references) and reference PMIDs."""
    references = session.scalars(select(Reference.pmid).where(Reference.pmid.is_not(None))).all()
    unlinked = session.scalars(
        select(Paper.pmid).where(
            Paper.deleted.is_(False),
            ~select(TherapyPaper.paper_id).where(TherapyPaper.paper_id == Paper.id).exists(),
        )
    ).all()
    return sorted(set(unlinked)), sorted(set(references))


def _link_new_papers(session: Session, since: date, run_id: int, now: datetime) -> int:
    """Poll stores papers without linking notices: link those first seen since `since`."""
    ids = session.scalars(
        select(Paper.id).where(Paper.first_seen_at >= datetime.combine(since, time.min))
    ).all()
    return len(notice_links.link_notices(session, ids, run_id, now))


def _record_source_changes(session: Session, updated: dict[str, int], before: dict[str, str],
                           run_id: int, now: datetime) -> None:
    """Indexing can leave the level alone but change where it came from (text -> type)."""
    if not updated:
        return
    after = dict(rows_in_batches(
        session, lambda batch: select(Paper.pmid, Paper.level_source).where(Paper.pmid.in_(batch)),
        updated))
    for pmid, paper_id in updated.items():
        if before.get(pmid) is not None and before[pmid] != after.get(pmid):
            session.add(PaperChange(paper_id=paper_id, run_id=run_id, changed_at=now,
                                    field="level_source", old=before[pmid], new=after[pmid]))
    session.flush()


def _link_notices_to_therapies(session: Session, new_pmids: list[str], run_id: int,
                               now: datetime) -> None:
    """A notice fetched by id joins the therapies of the paper it touches."""
    if not new_pmids:
        return
    wanted: set[tuple[str, int]] = set()
    ids = dict(rows_in_batches(
        session, lambda batch: select(Paper.pmid, Paper.id).where(Paper.pmid.in_(batch)),
        new_pmids))
    for notice_pmid, paper_pmid, kind in rows_in_batches(session, lambda batch: select(
        NoticeLink.notice_pmid, NoticeLink.paper_pmid, NoticeLink.kind
    ).where(NoticeLink.notice_pmid.in_(batch)), new_pmids):
        if kind in NOT_LINKED_TO_THERAPY:
            continue
        for therapy_id in session.scalars(
            select(TherapyPaper.therapy_id).join(Paper, Paper.id == TherapyPaper.paper_id)
            .where(Paper.pmid == paper_pmid)
        ):
            wanted.add((therapy_id, ids[notice_pmid]))
    papers.link_therapies(session, wanted, run_id=run_id, now=now)


def _finish(session: Session, run_id: int, summary: RefreshSummary, finished: datetime) -> None:
    changes = Counter()
    retracted = 0
    for name, new in session.execute(
        select(PaperChange.field, PaperChange.new).where(PaperChange.run_id == run_id)
    ):
        changes[name] += 1
        if name == "retracted" and new is True:
            retracted += 1
    summary.changes = dict(changes)
    summary.newly_retracted = retracted
    summary.status = "incomplete" if summary.missing else "ok"
    run = session.get(Run, run_id)
    run.status, run.finished_at, run.counts = summary.status, finished, summary.counts()
    if summary.missing:
        run.error = (f"{len(summary.missing)} tracked PMID(s) PubMed did not return: "
                     + ", ".join(summary.missing[:20]))
