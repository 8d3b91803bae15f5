"""Retractions, expressions of concern, errata and updates, linked to the papers they touch.

PubMed states a link from both ends: the touched paper carries RetractionIn / ErratumIn / ... and
the notice carries RetractionOf / ErratumFor / ...; either end may be stored first, or alone. So a
link is kept by PMID (NoticeLink), whichever record said so, and `missing_counterparts` names the
other ends still to fetch. Publication types are matched by MeSH UI, never by name (names change):

    D016441 Retracted Publication      on the retracted article itself
    D016440 Retraction of Publication  on the retraction notice
    D016425 Published Erratum          on the erratum
    D000084862 Expression of Concern   on the notice (UI could not be checked offline, so the
                                       name "Expression of Concern" is accepted for this one too)

Effect: a paper with a retraction, by its own flag or by a linked retraction notice, is
`retracted=True` (a PaperChange "retracted" records when), and no longer counts as evidence.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from tracker.evidence.written import paper_rows
from tracker.store import (
    NoticeLink,
    Paper,
    PaperChange,
    Reference,
    batches,
    rows_in_batches,
    scalars_in_batches,
)

RETRACTION = "retraction"
RETRACTED_AND_REPUBLISHED = "retracted_and_republished"
EXPRESSION_OF_CONCERN = "expression_of_concern"
ERRATUM = "erratum"
UPDATE = "update"

# Kinds that take the touched paper out of the evidence.
WITHDRAWING = frozenset({RETRACTION, RETRACTED_AND_REPUBLISHED})

# RefType written on the touched paper; the PMID it names is the notice.
ON_PAPER = {
    "RetractionIn": RETRACTION,
    "RetractedandRepublishedIn": RETRACTED_AND_REPUBLISHED,
    "ExpressionOfConcernIn": EXPRESSION_OF_CONCERN,
    "ErratumIn": ERRATUM,
    "UpdateIn": UPDATE,
}
# RefType written on the notice; the PMID it names is the touched paper.
ON_NOTICE = {
    "RetractionOf": RETRACTION,
    "RetractedandRepublishedFrom": RETRACTED_AND_REPUBLISHED,
    "ExpressionOfConcernFor": EXPRESSION_OF_CONCERN,
    "ErratumFor": ERRATUM,
    "UpdateOf": UPDATE,
}

RETRACTED_PUBLICATION = "D016441"
RETRACTION_OF_PUBLICATION = "D016440"
PUBLISHED_ERRATUM = "D016425"
EXPRESSION_OF_CONCERN_UI = "D000084862"

# A notice typed by one of these that points at its paper only with CommentOn (it happens) still
# says what it is: the publication type gives the kind.
NOTICE_TYPE_KINDS = {
    RETRACTION_OF_PUBLICATION: RETRACTION,
    PUBLISHED_ERRATUM: ERRATUM,
    EXPRESSION_OF_CONCERN_UI: EXPRESSION_OF_CONCERN,
}


@dataclass(frozen=True)
class Claim:
    """One record's statement that notice_pmid (None: unnamed) is a `kind` of paper_pmid."""

    paper_pmid: str
    notice_pmid: str | None
    kind: str
    source: str  # "<RefType or UI> in <PMID of the record that said so>"

    @property
    def key(self) -> tuple[str, str | None, str]:
        return (self.paper_pmid, self.notice_pmid, self.kind)


def notice_claims(pmid: str, comments_corrections: list, publication_types: list) -> list[Claim]:
    """What one stored record says about notices: from its [[ref_type, pmid, source]] and
    [[ui, name]] lists (Paper columns). Plain data in, plain data out."""
    claims: dict[tuple, Claim] = {}
    type_uis = {ui for ui, _name in publication_types}
    if any((name or "").strip().casefold() == "expression of concern"
           for _ui, name in publication_types):
        type_uis.add(EXPRESSION_OF_CONCERN_UI)
    typed = [(ui, kind) for ui, kind in NOTICE_TYPE_KINDS.items() if ui in type_uis]
    for ref_type, other, _source in comments_corrections:
        other = (other or "").strip()
        if not other or other == pmid:
            continue
        if ref_type in ON_PAPER:
            claim = Claim(pmid, other, ON_PAPER[ref_type], f"{ref_type} in {pmid}")
        elif ref_type in ON_NOTICE:
            claim = Claim(other, pmid, ON_NOTICE[ref_type], f"{ref_type} in {pmid}")
        elif ref_type == "CommentOn" and typed:
            ui, kind = typed[0]
            claim = Claim(other, pmid, kind, f"{ui} in {pmid}")
        else:
            continue
        claims.setdefault(claim.key, claim)
    named_retraction = any(
        c.paper_pmid == pmid and c.kind in WITHDRAWING and c.notice_pmid for c in claims.values()
    )
    if RETRACTED_PUBLICATION in type_uis and not named_retraction:
        claim = Claim(pmid, None, RETRACTION, f"{RETRACTED_PUBLICATION} in {pmid}")
        claims.setdefault(claim.key, claim)
    return list(claims.values())


CLAIM_COLUMNS = (Paper.id, Paper.pmid, Paper.comments_corrections, Paper.publication_types)


def link_notices(
    session: Session, paper_ids: Iterable[int], run_id: int | None, now: datetime,
    written: dict[int, dict] | None = None,
) -> list[NoticeLink]:
    """Record the notice links the given papers state; idempotent. Returns the new links.

    Also applies the effect: papers touched by a retraction are marked retracted.
    written: the columns an upsert just wrote (paper id -> columns), read instead of the store.
    """
    claims: dict[tuple, Claim] = {}
    own_pmids: set[str] = set()
    for row in paper_rows(session, CLAIM_COLUMNS, paper_ids, written):
        own_pmids.add(row.pmid)
        for claim in notice_claims(row.pmid, row.comments_corrections or [],
                                   row.publication_types or []):
            claims.setdefault(claim.key, claim)
    touched = {c.paper_pmid for c in claims.values()} | own_pmids
    existing = _links_touching(session, touched | {c.notice_pmid for c in claims.values()
                                                   if c.notice_pmid})
    have = {(link.paper_pmid, link.notice_pmid, link.kind) for link in existing}
    named = {  # papers whose retraction notice is known by PMID: the unnamed link is redundant
        key[0] for key in have | set(claims) if key[2] in WITHDRAWING and key[1]
    }
    new = []
    for key, claim in sorted(claims.items(), key=lambda item: _sort_key(item[0])):
        if key in have or (claim.notice_pmid is None and claim.paper_pmid in named):
            continue
        link = NoticeLink(
            paper_pmid=claim.paper_pmid, notice_pmid=claim.notice_pmid, kind=claim.kind,
            source=claim.source, found_at=now, run_id=run_id,
        )
        session.add(link)
        have.add(key)
        new.append(link)
    for batch in batches(sorted(named)):
        session.execute(delete(NoticeLink).where(
            NoticeLink.paper_pmid.in_(batch), NoticeLink.notice_pmid.is_(None),
            NoticeLink.kind.in_(sorted(WITHDRAWING)),
        ))
    session.flush()
    mark_retracted(session, touched, run_id=run_id, now=now)
    return new


def mark_retracted(
    session: Session, pmids: Iterable[str], *, run_id: int | None, now: datetime
) -> list[int]:
    """Flag stored papers that a retraction link touches; returns the ids newly flagged.

    The store re-derives `retracted` from the record alone, so a refetch of a paper whose only
    sign of retraction is the notice's own record sets it back to False and logs that; when this
    run flips it back, the two changes cancel and the log keeps neither.
    """
    pmids = sorted(set(pmids))
    flagged: list[int] = []
    for chunk in batches(pmids):
        withdrawn = select(NoticeLink.paper_pmid).where(
            NoticeLink.kind.in_(sorted(WITHDRAWING)), NoticeLink.paper_pmid.in_(chunk)
        )
        papers = session.scalars(select(Paper).where(
            Paper.pmid.in_(withdrawn), Paper.retracted.is_(False)
        ))
        for paper in papers:
            paper.retracted = True
            flagged.append(paper.id)
            if not _cancel_unretraction(session, paper.id, run_id):
                session.add(PaperChange(
                    paper_id=paper.id, run_id=run_id, changed_at=now, field="retracted",
                    old=False, new=True,
                ))
    session.flush()
    return flagged


def _cancel_unretraction(session: Session, paper_id: int, run_id: int | None) -> bool:
    if run_id is None:
        return False
    changes = session.scalars(select(PaperChange).where(
        PaperChange.paper_id == paper_id, PaperChange.run_id == run_id,
        PaperChange.field == "retracted",
    )).all()
    for change in changes:
        if change.old is True and change.new is False:
            session.delete(change)
            return True
    return False


def missing_counterparts(session: Session) -> list[str]:
    """PMIDs at either end of a notice link that are not stored yet: fetch them by id."""
    linked: set[str] = set()
    for paper_pmid, notice_pmid in session.execute(
        select(NoticeLink.paper_pmid, NoticeLink.notice_pmid)
    ):
        linked.add(paper_pmid)
        if notice_pmid:
            linked.add(notice_pmid)
    stored = set(session.scalars(select(Paper.pmid)))
    return sorted(linked - stored, key=_pmid_order)


@dataclass(frozen=True)
class BaselineNotice:
    """A notice touching a paper that a seed document cites."""

    reference_key: str  # document#number
    pmid: str
    kind: str
    notice_pmid: str | None
    notice_title: str | None
    found_at: datetime

    @property
    def withdraws(self) -> bool:
        return self.kind in WITHDRAWING


def baseline_notices(session: Session, kinds: Iterable[str] | None = None) -> list[BaselineNotice]:
    """Every notice touching a baseline reference, retractions first: reports always show them."""
    query = (
        select(Reference.key, NoticeLink.paper_pmid, NoticeLink.kind, NoticeLink.notice_pmid,
               NoticeLink.found_at)
        .join(NoticeLink, NoticeLink.paper_pmid == Reference.pmid)
    )
    if kinds is not None:
        query = query.where(NoticeLink.kind.in_(list(kinds)))
    rows = session.execute(query).all()
    titles = dict(rows_in_batches(
        session, lambda batch: select(Paper.pmid, Paper.title).where(Paper.pmid.in_(batch)),
        [r[3] for r in rows if r[3]]))
    found = [
        BaselineNotice(key, pmid, kind, notice, titles.get(notice), found_at)
        for key, pmid, kind, notice, found_at in rows
    ]
    return sorted(found, key=lambda n: (not n.withdraws, n.reference_key, n.kind,
                                        n.notice_pmid or ""))


def _links_touching(session: Session, pmids: set[str]) -> list[NoticeLink]:
    return list(scalars_in_batches(session, lambda batch: select(NoticeLink).where(
        or_(NoticeLink.paper_pmid.in_(batch), NoticeLink.notice_pmid.in_(batch))
    ), sorted(pmids)))


def _pmid_order(pmid: str) -> tuple[int, str]:
    return (int(pmid), pmid) if pmid.isdigit() else (1 << 62, pmid)


def _sort_key(key: tuple[str, str | None, str]) -> tuple:
    return (_pmid_order(key[0]), key[1] or "", key[2])
