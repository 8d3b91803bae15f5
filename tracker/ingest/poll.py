"""Polling PubMed for new papers on each therapy.

A therapy never polled before is searched over its whole PubMed history (no lower date bound),
unless `tracker init --no-history` chose to start at the baseline date; so "first RCT" is true
of PubMed, not of the database.

A poll searches every therapy's window first (one ESearch each, more only past 9,999 hits), then
fetches each PMID that is new to the store exactly once, however many therapies found it, and
commits papers with their therapy links batch by batch. A therapy's watermark moves only when all
its papers are committed, so a crash loses nothing and a rerun re-covers the window without
duplicating a row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline, Therapy
from tracker.clock import local_day, utc_now
from tracker.errors import ConfigError, PubMedError, QueryRejectedError
from tracker.evidence import (
    DuplicateFinder,
    link_notices,
    rebuild_snapshots,
    rebuild_trials,
    record_window,
    screen_links,
)
from tracker.ingest.ahead import BatchesAhead
from tracker.ingest.papers import (
    DerivedColumns,
    UpsertResult,
    link_therapies,
    mark_deleted,
    stored_pmids,
    sync_therapies,
    upsert_records,
)
from tracker.pubmed.eutils import EARLIEST, EutilsClient, SearchResult
from tracker.records import DeletedCitation, PaperRecord
from tracker.store import Database, Run, Watermark, get_flag, record_failure

HISTORY_START = EARLIEST  # a search from here has no lower bound: the whole history


@dataclass
class TherapyPoll:
    therapy: Therapy
    start: date
    end: date
    search: SearchResult | None = None
    new_papers: int = 0
    new_links: int = 0
    missing: list[str] = field(default_factory=list)

    @property
    def found(self) -> int:
        return self.search.count if self.search else 0


@dataclass
class PollSummary:
    run_id: int | None
    status: str
    therapies: list[TherapyPoll]
    fetched: int = 0
    new_papers: int = 0
    updated_papers: int = 0
    deleted: int = 0
    requests: int = 0
    error: str | None = None
    dry_run: bool = False
    duplicates: int = 0
    notes: list[str] = field(default_factory=list)  # what a person should know about the run


Progress = Callable[[int, int], None]  # (advance by, total) for a progress bar


def watermarks(db: Database) -> dict[str, date]:
    with db.session() as session:
        return dict(session.execute(select(Watermark.therapy_id, Watermark.polled_through)).all())


def plan_windows(
    therapies: tuple[Therapy, ...],
    marks: dict[str, date],
    *,
    baseline_start: date,
    since: date | None,
    until: date | None,
    today: date,
    history: bool = False,
) -> list[TherapyPoll]:
    """Each therapy's [start, end] day window: from its watermark (re-covering that day); a
    therapy never polled from the start of its history, or from the baseline without it.

    The window never ends after today: a watermark in the future would skip the days between.
    """
    end = min(until or today, today)
    if since and since > end:
        raise ConfigError(f"--since {since} is after --until {end}")
    first = HISTORY_START if history else baseline_start
    plans = []
    for therapy in therapies:
        start = since or marks.get(therapy.id) or first
        plans.append(TherapyPoll(therapy=therapy, start=min(start, end), end=end))
    return plans


def poll(
    db: Database,
    client: EutilsClient,
    baseline: Baseline,
    *,
    therapy_ids: list[str] | None = None,
    since: date | None = None,
    until: date | None = None,
    today: date | None = None,
    dry_run: bool = False,
    batch_size: int = 200,
    progress: Progress | None = None,
    period: str = "week",
    now: Callable[[], datetime] = utc_now,
) -> PollSummary:
    therapies = baseline.select(therapy_ids) if therapy_ids else baseline.targets
    today = today or local_day(now())
    db.require_current()
    with db.session() as session:
        history = get_flag(session, "history", "on") == "on"
    plans = plan_windows(
        therapies, watermarks(db), baseline_start=baseline.start_date,
        since=since, until=until, today=today, history=history,
    )
    if dry_run:
        for plan in plans:
            plan.search = client.count(plan.therapy.full_query, (plan.start, plan.end))
        return PollSummary(run_id=None, status="dry-run", therapies=plans, dry_run=True)

    with db.session() as session:  # the run is on record from its first request
        run = Run(
            kind="poll", started_at=now(), status="running",
            window_start=min(p.start for p in plans), window_end=max(p.end for p in plans),
            therapies=[p.therapy.id for p in plans], counts={},
        )
        session.add(run)
        session.flush()
        run_id = run.id
    summary = PollSummary(run_id=run_id, status="running", therapies=plans)
    if until and until > today:
        summary.notes.append(f"--until {until} is after today: polled through {today}")

    try:
        for plan in plans:
            plan.search = client.search_ids(plan.therapy.full_query, (plan.start, plan.end))
    except QueryRejectedError:
        with db.session() as session:  # bad input: nothing is kept
            session.execute(delete(Run).where(Run.id == run_id))
        raise
    except PubMedError as exc:
        record_failure(db, run_id, str(exc), {}, now())
        raise type(exc)(f"{exc} (run {run_id} recorded as failed)") from exc

    try:
        with db.session() as session:
            sync_therapies(session, baseline)
        _fetch_and_store(db, client, plans, summary, batch_size, progress, now,
                         baseline.therapies)
        _finish(db, run_id, plans, summary, now())
    except Exception as exc:
        summary.status = "failed"
        summary.error = f"{type(exc).__name__}: {exc}"
        record_failure(db, run_id, summary.error, _counts(summary), now())
        if isinstance(exc, PubMedError):
            raise type(exc)(f"{exc} (run {run_id} recorded as failed)") from exc
        raise
    with db.session() as session:  # the evidence profile over time follows what was stored
        rebuild_trials(session, now=now())  # papers of one trial grouped, with their roles
        # after the trials: the snapshots' RCT events count trials
        rebuild_snapshots(session, baseline, period=period, until=max(p.end for p in plans))
    return summary


def _fetch_and_store(
    db: Database,
    client: EutilsClient,
    plans: list[TherapyPoll],
    summary: PollSummary,
    batch_size: int,
    progress: Progress | None,
    now: Callable[[], datetime],
    therapies: tuple[Therapy, ...] = (),
) -> None:
    finders: dict[str, list[str]] = {}  # pmid -> therapy ids whose search returned it
    for plan in plans:
        for pmid in plan.search.ids:
            finders.setdefault(pmid, []).append(plan.therapy.id)
    by_id = {plan.therapy.id: plan for plan in plans}
    with db.session() as session:
        known = stored_pmids(session, finders)
        links = [(t, known[p]) for p, ts in finders.items() if p in known for t in ts]
        links = screen_links(session, links, therapies, run_id=summary.run_id, now=now())
        for therapy_id, _ in link_therapies(session, links, run_id=summary.run_id, now=now()):
            by_id[therapy_id].new_links += 1

    wanted = [pmid for pmid in finders if pmid not in known]
    if progress:
        progress(0, len(wanted))
    with db.session() as session:
        finder = DuplicateFinder(session)
    batch: list[PaperRecord] = []
    deleted: list[str] = []

    def commit(batch: list[PaperRecord], derived: DerivedColumns | None) -> None:
        with db.session() as session:
            result, new_links, duplicates = store_batch(
                session, batch, finders, finder, therapies, run_id=summary.run_id, now=now,
                derived=derived,
            )
        summary.duplicates += duplicates
        summary.fetched += len(batch)
        summary.new_papers += len(result.new)
        summary.updated_papers += len(result.updated)
        for therapy_id, _ in new_links:
            by_id[therapy_id].new_links += 1
        for pmid in result.new:
            for therapy_id in finders[pmid]:
                by_id[therapy_id].new_papers += 1
        if progress:
            progress(len(batch), len(wanted))

    with BatchesAhead(db, commit) as ahead:  # the next batch is classified as one is written
        for item in client.fetch(wanted):
            if isinstance(item, DeletedCitation):
                deleted.extend(item.pmids)
                continue
            if item.pmid not in finders:  # PubMed answered with a record we did not ask for
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                ahead.add(batch)
                batch = []
        if batch:
            ahead.add(batch)
    if deleted:
        with db.session() as session:
            summary.deleted = mark_deleted(session, deleted, run_id=summary.run_id, now=now())
    missing = set(client.missing) - set(deleted)
    for plan in plans:
        plan.missing = sorted(p for p in plan.search.ids if p in missing)


def store_batch(
    session: Session,
    batch: list[PaperRecord],
    finders: dict[str, list[str]],
    finder: DuplicateFinder,
    therapies: tuple[Therapy, ...],
    *,
    run_id: int | None,
    now: Callable[[], datetime],
    derived: DerivedColumns | None = None,
) -> tuple[UpsertResult, list[tuple[str, int]], int]:
    """One fetched batch, as a poll commits it: papers, screened therapy links, duplicates and
    notices. `finders` maps each PMID to the therapies whose search returned it; `derived`, the
    batch's columns when they were worked out ahead (BatchesAhead).

    Returns the upsert's result, the new therapy links and how many duplicate links were made.
    """
    result = upsert_records(session, batch, run_id=run_id, now=now(), derived=derived)
    wanted_links = [(t, pid) for pmid, pid in result.ids.items() for t in finders[pmid]]
    wanted_links = screen_links(session, wanted_links, therapies, run_id=run_id, now=now(),
                                written=result.written)
    new_links = link_therapies(session, wanted_links, run_id=run_id, now=now())
    duplicates = finder.detect(session, list(result.new.values()), now(), result.written)
    link_notices(session, list(result.ids.values()), run_id, now(), result.written)
    return result, new_links, duplicates


def _finish(
    db: Database, run_id: int, plans: list[TherapyPoll], summary: PollSummary, finished: datetime
) -> None:
    """Advance the watermarks of the therapies whose papers are all stored; close the run."""
    with db.session() as session:
        for plan in plans:
            if plan.missing:
                continue  # re-cover this window next time
            whole_history = plan.start <= HISTORY_START
            record_window(session, plan.therapy.id, None if whole_history else plan.start,
                          min(plan.end, local_day(finished)), run_id=run_id, searched_at=finished)
            mark = session.get(Watermark, plan.therapy.id)
            if mark is None:
                session.add(Watermark(
                    therapy_id=plan.therapy.id, polled_through=plan.end, updated_at=finished,
                    run_id=run_id,
                ))
            elif plan.end >= mark.polled_through:
                mark.polled_through, mark.updated_at, mark.run_id = plan.end, finished, run_id
        run = session.get(Run, run_id)
        summary.status = "ok" if not any(p.missing for p in plans) else "incomplete"
        run.status, run.finished_at = summary.status, finished
        run.counts = _counts(summary)
        if summary.status == "incomplete":
            missing = sorted({m for p in plans for m in p.missing})
            run.error = f"{len(missing)} PMID(s) PubMed listed but did not return: " + ", ".join(
                missing[:20]
            )


def _counts(summary: PollSummary) -> dict:
    return {
        "fetched": summary.fetched,
        "new_papers": summary.new_papers,
        "updated_papers": summary.updated_papers,
        "deleted": summary.deleted,
        "possible_duplicates": summary.duplicates,
        "therapies": {
            p.therapy.id: {
                "window": [p.start.isoformat(), p.end.isoformat()],
                "found": p.found,
                "new_papers": p.new_papers,
                "missing": len(p.missing),
            }
            for p in summary.therapies
        },
    }

