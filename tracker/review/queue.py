"""The review queue in the store: flags kept in step with the rules, decisions and their history.

A paper is in the queue while a flag holds for it or a reviewer has decided on it. Flags are
re-derived from the stored papers by `sync_flags` (cheap, so every queue command runs it first);
a flag that no longer holds is cleared, not deleted, so the history shows when and why.
Decisions set Paper.inclusion, which the report, snapshots and digests already respect; an undo
marks the newest decision undone and falls back to the one before it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tracker.baseline import Baseline
from tracker.clock import local_day, local_iso
from tracker.errors import TrackerError
from tracker.review.rules import REASONS, PaperFacts, RuleSettings, TherapyTerms, flags_for
from tracker.store import (
    DuplicateLink,
    NoticeLink,
    Paper,
    Reference,
    ReviewDecision,
    ReviewFlag,
    Snapshot,
    TherapyPaper,
)
from tracker.text import LIKE_ESCAPE, contains_pattern, folded

DECISIONS = {"include": "included", "exclude": "excluded", "defer": "deferred"}
STATUSES = ("open", "decided", "all")
ORDERS = ("oldest", "strongest")
LATEST = datetime.max.replace(tzinfo=UTC)  # sorts after every waiting time
FIRST_EVENTS = ("first_rct", "first_systematic_review")


class ReviewError(TrackerError):
    """A queue command asked for something that cannot be done (unknown PMID, bad reason...)."""


def entered_on(paper: Paper) -> date:
    """The create date, with the fallbacks the snapshots use."""
    return paper.entrez_date or paper.pubmed_date or local_day(paper.first_seen_at)


def status_of(inclusion: str) -> str:
    return {"undecided": "open"}.get(inclusion, inclusion)


# -- facts and flags ---------------------------------------------------------------------------

# What the rules and the queue read of a paper: never the raw record or the author list.
RULE_COLUMNS = (
    Paper.id, Paper.pmid, Paper.title, Paper.abstract, Paper.mesh, Paper.level, Paper.level_rank,
    Paper.level_source, Paper.level_confidence, Paper.entrez_date, Paper.pubmed_date,
    Paper.first_seen_at, Paper.inclusion, Paper.canonical_id, Paper.deleted,
)


def _candidates(session: Session) -> list:
    """Canonical papers a therapy's query found, and the stored baseline references (rows)."""
    linked = select(TherapyPaper.paper_id)
    cited = select(Reference.pmid).where(Reference.pmid.is_not(None))
    return list(session.execute(
        select(*RULE_COLUMNS).where(
            Paper.canonical_id.is_(None), Paper.deleted.is_(False), Paper.notice_kind.is_(None),
            or_(Paper.id.in_(linked), Paper.pmid.in_(cited)),
        ).order_by(Paper.id)
    ))


def _therapy_links(session: Session) -> dict[int, list[str]]:
    links: dict[int, list[str]] = defaultdict(list)
    for therapy_id, paper_id in session.execute(
        select(TherapyPaper.therapy_id, TherapyPaper.paper_id).order_by(TherapyPaper.therapy_id)
    ):
        links[paper_id].append(therapy_id)
    return links


def gather_facts(session: Session, baseline: Baseline) -> list[tuple[object, PaperFacts]]:
    """What the rules need about each canonical tracked paper, read in a few queries."""
    papers = _candidates(session)
    links = _therapy_links(session)
    terms = {t.id: TherapyTerms(t.id, t.name, tuple(t.aliases)) for t in baseline.therapies}
    pmids = {p.pmid for p in papers}
    notices: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    for link in session.scalars(select(NoticeLink).order_by(NoticeLink.id)):
        if link.paper_pmid in pmids:
            notices[link.paper_pmid].append((link.kind, link.notice_pmid))
    duplicates: dict[int, list[tuple[str, float]]] = defaultdict(list)
    pmid_of = dict(session.execute(select(Paper.id, Paper.pmid)).all())
    for link in session.scalars(select(DuplicateLink).where(DuplicateLink.status == "possible")):
        duplicates[link.paper_id].append((pmid_of[link.other_id], link.score))
        duplicates[link.other_id].append((pmid_of[link.paper_id], link.score))
    firsts = _first_events(session)
    found = []
    for paper in papers:
        therapy_ids = links.get(paper.id, [])
        entered = entered_on(paper)
        first_texts = tuple(
            text for therapy_id in therapy_ids
            for level, start, end, text in firsts.get(therapy_id, ())
            if level == paper.level and start <= entered <= end
        )
        found.append((paper, PaperFacts(
            pmid=paper.pmid, title=paper.title or "",
            abstract=tuple((s.get("label"), s.get("category"), s.get("text") or "")
                           for s in paper.abstract or ()),
            mesh=tuple(m.get("descriptor", "") for m in paper.mesh or ()),
            level=paper.level, level_source=paper.level_source,
            level_confidence=paper.level_confidence or 0.0, entered=entered,
            therapies=tuple(terms[t] for t in therapy_ids if t in terms),
            notices=tuple(notices.get(paper.pmid, ())),
            possible_duplicates=tuple(duplicates.get(paper.id, ())),
            first_at_level=first_texts,
        )))
    return found


def _first_events(session: Session) -> dict[str, list[tuple[str, date, date, str]]]:
    """The snapshots' first_rct / first_systematic_review events, as they are, per therapy."""
    firsts: dict[str, list[tuple[str, date, date, str]]] = defaultdict(list)
    for snapshot in session.scalars(select(Snapshot)):
        for event in snapshot.events or ():
            if event.get("kind") in FIRST_EVENTS:
                firsts[snapshot.therapy_id].append(
                    (event.get("level"), snapshot.period_start, snapshot.period_end,
                     event.get("text", ""))
                )
    return firsts


@dataclass
class SyncSummary:
    raised: int = 0
    cleared: int = 0
    carried: int = 0  # decisions carried from a merged duplicate to its canonical paper


def sync_flags(
    session: Session, baseline: Baseline, settings: RuleSettings, now: datetime
) -> SyncSummary:
    """Raise the flags that hold now, clear those that no longer do; idempotent."""
    summary = SyncSummary()
    wanted: dict[tuple[int, str], str] = {}
    papers: dict[int, Paper] = {}
    for paper, facts in gather_facts(session, baseline):
        papers[paper.id] = paper
        for flag in flags_for(facts, settings):
            key = (paper.id, flag.reason)
            wanted[key] = f"{wanted[key]}; {flag.detail}" if key in wanted else flag.detail
    for key, detail in _carry_decisions(session, now, summary).items():
        wanted[key] = detail
    active = {(f.paper_id, f.reason): f
              for f in session.scalars(select(ReviewFlag).where(ReviewFlag.cleared_at.is_(None)))}
    for key, flag in active.items():
        if key not in wanted:
            flag.cleared_at = now
            flag.cleared_why = _why_cleared(session.get(Paper, key[0]), key[1])
            summary.cleared += 1
        elif flag.detail != wanted[key]:
            flag.detail = wanted[key]
    for key, detail in wanted.items():
        if key not in active:
            session.add(ReviewFlag(paper_id=key[0], reason=key[1], detail=detail, raised_at=now))
            summary.raised += 1
    session.flush()
    return summary


def _why_cleared(paper: Paper | None, reason: str) -> str:
    if paper is None:
        return "no longer holds"
    if paper.canonical_id is not None:
        return "the paper was merged into another record"
    if paper.deleted:
        return "PubMed withdrew the record"
    if reason in ("low_confidence_level", "new_rct", "new_systematic_review_or_meta_analysis",
                  "first_at_level"):
        return (f"no longer holds: level is now {paper.level} from {paper.level_source} "
                f"(confidence {paper.level_confidence or 0:.2f})")
    return "no longer holds"


def _carry_decisions(session: Session, now: datetime, summary: SyncSummary) -> dict:
    """A merged paper's decision follows its canonical paper; two different ones are a conflict."""
    conflicts: dict[tuple[int, str], str] = {}
    merged = session.scalars(
        select(Paper).where(Paper.canonical_id.is_not(None), Paper.inclusion != "undecided")
    )
    for paper in merged:
        canonical = _root(session, paper)
        ever_decided = session.scalar(
            select(ReviewDecision.id).where(ReviewDecision.paper_id == canonical.id).limit(1))
        if canonical.inclusion == "undecided" and ever_decided is None:  # an undo stays undone
            latest = current_decision(session, paper.id)
            if latest is None:
                continue
            _apply(session, canonical, latest.decision, latest.reason,
                   f"carried over from merged duplicate PMID {paper.pmid}"
                   + (f": {latest.note}" if latest.note else ""), latest.reviewer, now)
            summary.carried += 1
        elif canonical.inclusion != paper.inclusion:
            key = (canonical.id, "decision_conflict")
            text = (f"merged duplicate PMID {paper.pmid} was {paper.inclusion}, "
                    f"this paper is {canonical.inclusion}")
            conflicts[key] = f"{conflicts[key]}; {text}" if key in conflicts else text
    return conflicts


def _root(session: Session, paper: Paper) -> Paper:
    seen = {paper.id}
    while paper.canonical_id is not None and paper.canonical_id not in seen:
        seen.add(paper.canonical_id)
        paper = session.get(Paper, paper.canonical_id)
    return paper


# -- decisions ---------------------------------------------------------------------------------

def find_paper(session: Session, pmid: str) -> Paper:
    """The stored paper a PMID names, followed to its canonical record."""
    if not pmid.isdigit():
        raise ReviewError(f"{pmid!r} is not a PMID (digits only, e.g. 90000001)")
    paper = session.scalar(select(Paper).where(Paper.pmid == pmid))
    if paper is None:
        raise ReviewError(f"PMID {pmid} is not tracked; `tracker queue list` shows the queue")
    return _root(session, paper)


def locked(session: Session, paper: Paper) -> Paper:
    """The paper's row locked until the transaction ends, and read afresh: two reviewers deciding
    one paper at once take turns, so the later decision wins and both stay in the history.
    (PostgreSQL locks the row; SQLite's write lock already serialises writers.)"""
    return session.scalars(
        select(Paper).where(Paper.id == paper.id).with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def current_decision(session: Session, paper_id: int) -> ReviewDecision | None:
    return session.scalar(
        select(ReviewDecision)
        .where(ReviewDecision.paper_id == paper_id, ReviewDecision.undone_at.is_(None))
        .order_by(ReviewDecision.decided_at.desc(), ReviewDecision.id.desc())
        .limit(1)
    )


def _apply(session: Session, paper: Paper, decision: str, reason: str | None, note: str | None,
           reviewer: str, now: datetime) -> ReviewDecision:
    row = ReviewDecision(paper_id=paper.id, decision=decision, reason=reason, note=note,
                         reviewer=reviewer, decided_at=now)
    session.add(row)
    paper.inclusion = DECISIONS[decision]
    paper.exclusion_reason = _exclusion_text(reason, note) if decision == "exclude" else None
    paper.decided_at = now
    session.flush()
    return row


def _exclusion_text(reason: str | None, note: str | None) -> str:
    return f"{reason}: {note}" if reason and note else (reason or note or "")


def decide(
    session: Session, pmid: str, decision: str, *, reviewer: str, now: datetime,
    reason: str | None = None, note: str | None = None, reasons: tuple[str, ...] = (),
) -> Paper:
    """Record a reviewer's decision on a paper (its canonical record); returns the paper."""
    if decision not in DECISIONS:
        raise ReviewError(f"decision must be include, exclude or defer, not {decision!r}")
    if decision == "exclude":
        if not reason:
            raise ReviewError(f"excluding needs --reason, one of: {', '.join(reasons)}")
        if reason not in reasons:
            raise ReviewError(f"unknown exclusion reason {reason!r} (configured: "
                              f"{', '.join(reasons)}; set [review] exclusion_reasons to change)")
    elif reason:
        raise ReviewError("--reason is for exclusions; use --note to say why")
    if not reviewer.strip():
        raise ReviewError("a decision needs a reviewer name (--reviewer)")
    paper = locked(session, find_paper(session, pmid))
    _apply(session, paper, decision, reason, note, reviewer.strip(), now)
    return paper


def undo(session: Session, pmid: str, *, reviewer: str, now: datetime) -> Paper:
    """Mark the newest decision undone; the paper goes back to the one before, or undecided."""
    paper = locked(session, find_paper(session, pmid))
    latest = current_decision(session, paper.id)
    if latest is None:
        raise ReviewError(f"PMID {paper.pmid} has no decision to undo")
    latest.undone_at, latest.undone_by = now, reviewer
    session.flush()
    previous = current_decision(session, paper.id)
    if previous is None:
        paper.inclusion, paper.exclusion_reason, paper.decided_at = "undecided", None, None
    else:
        paper.inclusion = DECISIONS[previous.decision]
        paper.exclusion_reason = (_exclusion_text(previous.reason, previous.note)
                                  if previous.decision == "exclude" else None)
        paper.decided_at = previous.decided_at
    session.flush()
    return paper


# -- reading the queue -------------------------------------------------------------------------

@dataclass(frozen=True)
class QueueRow:
    pmid: str
    title: str
    therapies: tuple[str, ...]
    reasons: tuple[str, ...]
    status: str
    level: str
    level_rank: int
    decided_by: str | None
    decided_at: datetime | None
    waiting_since: datetime | None
    entered: date
    first_author: str | None = None
    doi: str | None = None

    def matches(self, search: str) -> bool:
        """Whether the search text is in the title, PMID, first author or DOI, compared
        without regard to case or Unicode form (accents still count: e is not é)."""
        wanted = folded(search)
        return any(wanted in folded(value or "")
                   for value in (self.title, self.pmid, self.first_author, self.doi))

    def to_dict(self) -> dict:
        return {
            "pmid": self.pmid, "title": self.title, "therapies": list(self.therapies),
            "reasons": list(self.reasons), "status": self.status, "level": self.level,
            "decided_by": self.decided_by,
            "decided_at": local_iso(self.decided_at),
        }


def queue_rows(
    session: Session, *, therapy: str | None = None, reason: str | None = None,
    status: str = "open", order: str = "oldest", search: str | None = None,
) -> list[QueueRow]:
    """The queue, filtered; the oldest waiting first, or the strongest evidence first."""
    return select_rows(all_rows(session, search=search), therapy=therapy, reason=reason,
                       status=status, order=order, search=search)


SEARCHED_COLUMNS = (Paper.title, Paper.pmid, Paper.first_author, Paper.doi)


def search_condition(search: str):
    r"""The papers whose title, PMID, first author or DOI contain `search`, for the database to
    narrow the read: ILIKE on PostgreSQL, LIKE on SQLite, with %, _ and \ taken literally.

    Only for ASCII text: SQLite's LIKE folds ASCII case alone, and PostgreSQL's folding depends
    on the database's locale, so text with other letters is matched by QueueRow.matches alone,
    the same on both backends."""
    pattern = contains_pattern(search)
    return or_(*(column.ilike(pattern, escape=LIKE_ESCAPE) for column in SEARCHED_COLUMNS))


def all_rows(session: Session, *, search: str | None = None) -> list[QueueRow]:
    """Every paper with an active flag or a standing decision, read in four queries; with a
    search, the database already leaves out papers that cannot match it (ASCII text)."""
    waiting: dict[int, datetime] = {}
    codes: dict[int, list[str]] = defaultdict(list)
    for paper_id, code, raised_at in session.execute(
        select(ReviewFlag.paper_id, ReviewFlag.reason, ReviewFlag.raised_at)
        .where(ReviewFlag.cleared_at.is_(None)).order_by(ReviewFlag.raised_at, ReviewFlag.id)
    ):
        waiting.setdefault(paper_id, raised_at)
        if code not in codes[paper_id]:
            codes[paper_id].append(code)
    latest_of: dict[int, tuple[str, datetime]] = {}
    for paper_id, reviewer, decided_at in session.execute(
        select(ReviewDecision.paper_id, ReviewDecision.reviewer, ReviewDecision.decided_at)
        .where(ReviewDecision.undone_at.is_(None))
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)
    ):
        latest_of[paper_id] = (reviewer, decided_at)  # the newest wins
    links = _therapy_links(session)
    query = select(*RULE_COLUMNS, Paper.first_author, Paper.doi).where(
        Paper.id.in_(select(ReviewFlag.paper_id).where(ReviewFlag.cleared_at.is_(None)))
        | Paper.id.in_(select(ReviewDecision.paper_id).where(ReviewDecision.undone_at.is_(None))),
        Paper.canonical_id.is_(None), Paper.deleted.is_(False))
    if search and search.isascii():
        query = query.where(search_condition(search))
    papers = session.execute(query)
    rows = []
    for paper in papers:
        reviewer, decided_at = latest_of.get(paper.id, (None, None))
        rows.append(QueueRow(
            pmid=paper.pmid, title=paper.title or "(no title)",
            therapies=tuple(links.get(paper.id, ())), reasons=tuple(codes.get(paper.id, ())),
            status=status_of(paper.inclusion), level=paper.level,
            level_rank=paper.level_rank or 0, decided_by=reviewer, decided_at=decided_at,
            waiting_since=waiting.get(paper.id), entered=entered_on(paper),
            first_author=paper.first_author, doi=paper.doi,
        ))
    return rows


def select_rows(
    rows: list[QueueRow], *, therapy: str | None = None, reason: str | None = None,
    status: str = "open", order: str = "oldest", search: str | None = None,
) -> list[QueueRow]:
    """Filter and order queue rows: plain data in and out, so a page can filter one read."""
    if status not in STATUSES:
        raise ReviewError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
    if order not in ORDERS:
        raise ReviewError(f"order must be one of {', '.join(ORDERS)}, not {order!r}")
    if reason is not None and reason not in REASONS:
        raise ReviewError(f"unknown reason {reason!r} (known: {', '.join(REASONS)})")
    chosen = []
    for row in rows:
        if status == "open" and (row.status not in ("open", "deferred") or not row.reasons):
            continue
        if status == "decided" and row.status not in ("included", "excluded"):
            continue
        if reason is not None and reason not in row.reasons:
            continue
        if therapy is not None and therapy not in row.therapies:
            continue
        if search and not row.matches(search):
            continue
        chosen.append(row)

    def oldest(row: QueueRow) -> tuple:
        return (row.waiting_since or LATEST, row.entered, row.pmid)

    if order == "strongest":
        return sorted(chosen, key=lambda r: (-r.level_rank, *oldest(r)))
    return sorted(chosen, key=oldest)


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    what: str
    who: str | None = None
    detail: str = ""


@dataclass
class PaperView:
    paper: Paper
    therapies: tuple[str, ...]
    flags: list[ReviewFlag] = field(default_factory=list)  # active
    decision: ReviewDecision | None = None
    history: list[HistoryEntry] = field(default_factory=list)

    @property
    def status(self) -> str:
        return status_of(self.paper.inclusion)


def paper_view(session: Session, pmid: str) -> PaperView:
    """A paper with its active flags, its current decision and its whole review history."""
    paper = find_paper(session, pmid)
    merged_ids = [paper.id, *session.scalars(
        select(Paper.id).where(Paper.canonical_id == paper.id))]
    flags = list(session.scalars(select(ReviewFlag).where(ReviewFlag.paper_id == paper.id)
                                 .order_by(ReviewFlag.raised_at, ReviewFlag.id)))
    decisions = list(session.scalars(
        select(ReviewDecision).where(ReviewDecision.paper_id.in_(merged_ids))
        .order_by(ReviewDecision.decided_at, ReviewDecision.id)))
    history = []
    for flag in flags:
        history.append(HistoryEntry(flag.raised_at, f"flagged {flag.reason}", None, flag.detail))
        if flag.cleared_at:
            history.append(HistoryEntry(flag.cleared_at, f"flag {flag.reason} dropped", None,
                                        flag.cleared_why or ""))
    pmid_of = dict(session.execute(select(Paper.id, Paper.pmid).where(
        or_(Paper.id.in_(merged_ids)))).all())
    for row in decisions:
        where = "" if row.paper_id == paper.id else f" (on merged PMID {pmid_of[row.paper_id]})"
        text = "; ".join(x for x in (row.reason, row.note) if x)
        history.append(HistoryEntry(row.decided_at, f"decided {row.decision}{where}",
                                    row.reviewer, text))
        if row.undone_at:
            history.append(HistoryEntry(row.undone_at, f"undid {row.decision}{where}",
                                        row.undone_by))
    history.sort(key=lambda h: h.at)
    return PaperView(
        paper=paper, therapies=tuple(_therapy_links(session).get(paper.id, ())),
        flags=[f for f in flags if f.cleared_at is None],
        decision=current_decision(session, paper.id), history=history,
    )


def queue_state(session: Session, therapy_ids=None) -> dict:
    """How many flagged papers wait for a decision (for these therapies; None: all) and since
    when the oldest has waited: what the digest tells its reader about the queue."""
    wanted = set(therapy_ids or ())
    rows = [row for row in queue_rows(session, status="open")
            if not wanted or wanted & set(row.therapies)]
    since = [row.waiting_since for row in rows if row.waiting_since]
    return {"waiting": len(rows), "oldest": local_day(min(since)).isoformat() if since else None}
