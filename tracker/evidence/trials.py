"""Trials, not papers: the papers that report one trial grouped together, each with its role.

One trial yields a primary report, follow-ups, post-hoc analyses and a protocol; counted as
papers it looks like five RCTs. Papers are grouped
  1. by trial registry id (ClinicalTrials.gov, ISRCTN, EudraCT/CTIS, ACTRN, ChiCTR, DRKS, JPRN...:
     the DataBankList, the abstract and secondary ids, as tracker.evidence.extract finds them);
     PROSPERO ids register reviews, not trials, and are left out;
  2. without a shared id, by a trial acronym written as one ("the ESCAPE-TRD trial") when the
     papers also share an author.
Each paper's role comes from text rules with their provenance, as levels do. A paper in no
group is a trial of its own. Trials are derived data: rebuild_trials() rewrites the table from
the stored papers, so it is idempotent and re-runs offline.

    role_of(title, publication_types)  -> Role
    group_trials(papers)               -> list[TrialGroup]   (pure)
    rebuild_trials(session, now)       -> counts             (store)
    trial_keys(session)                -> paper id -> its trials' keys, for counting
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from tracker.store import Paper, Trial, TrialPaper, rows_in_batches

ROLES = ("primary", "secondary", "follow_up", "protocol", "design")
ROLE_LABELS = {
    "primary": "primary report",
    "secondary": "secondary / post-hoc / pooled analysis",
    "follow_up": "follow-up / extension",
    "protocol": "protocol",
    "design": "design paper",
}
MAX_IDS_TO_GROUP = 3  # a paper naming more registrations is a review of trials, not one trial

# (role, rule name, pattern on the title); the first that matches decides
ROLE_RULES = (
    ("protocol", "study protocol",
     r"\b(study|trial) protocol\b|^protocol\b|\bprotocol (for|of) (a|an|the) (randomi[sz]ed"
     r"|multi-?cent(re|er)|controlled|clinical|pragmatic|pilot|phase|double-blind)\b"),
    ("design", "rationale and design",
     r"\b(rationale|design) and (design|rationale|methods)\b|\bdesign of (the|a)\b"
     r"|\bmethods? (paper|article)\b|\bbaseline characteristics\b"),
    ("secondary", "post-hoc or secondary analysis",
     r"\bpost[- ]?hoc\b|\bsecondary (analys[ie]s|outcomes?)\b|\bexploratory analys[ie]s\b"
     r"|\bsub-?group analys[ie]s\b|\bpooled analys[ie]s\b|\bpooled data\b|\bancillary\b"
     r"|\bmediation analys[ie]s\b|\bmoderators?\b|\bpredictors? of\b|\bre-?analys[ie]s\b"),
    ("follow_up", "follow-up or extension",
     r"\bfollow[- ]?up\b|\bextension (study|phase|trial)\b|\bopen[- ]label extension\b"
     r"|\blong[- ]term (outcomes?|results|effects?|efficacy|safety)\b"
     r"|\b\d+[- ](month|year)s? (outcomes?|results)\b|\bmaintenance phase\b"),
)
PROTOCOL_TYPES = {"clinical trial protocol"}

_ACRONYM = re.compile(
    r"\b(?:the\s+)?([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*[A-Z0-9])\s+(?:randomi[sz]ed\s+(?:controlled\s+)?)?"
    r"(?:trial|study)\b|\(([A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+)\)"
)
NOT_ACRONYMS = {
    "RCT", "TRD", "MDD", "ECT", "TMS", "RTMS", "VNS", "DBS", "TDCS", "LSD", "CBT", "SSRI",
    "SNRI", "FDA", "ITBS", "MRI", "FMRI", "EEG", "PET", "II", "III", "IV", "PHASE", "STAR",
    "US", "UK", "EU", "USA", "NIH", "NIMH", "HAM-D", "MADRS", "QIDS", "BDI", "PHQ-9", "IV-TR",
}


@dataclass(frozen=True)
class Role:
    role: str
    source: str  # publication_type | text | default
    reason: str


def role_of(title: str, publication_types: Iterable[str] = ()) -> Role:
    """The paper's role in its trial, and the rule that said so."""
    types = {t.lower() for t in publication_types}
    if types & PROTOCOL_TYPES:
        return Role("protocol", "publication_type", "publication type Clinical Trial Protocol")
    for role, rule, pattern in ROLE_RULES:
        match = re.search(pattern, title, re.IGNORECASE)
        if match:
            return Role(role, "text", f"title rule '{rule}' matched {match.group(0)!r}")
    return Role("primary", "default",
                "no protocol, design, secondary-analysis or follow-up wording in the title")


def acronym_of(title: str, abstract: str = "") -> str | None:
    """A trial acronym written as one: 'the ESCAPE-TRD trial', 'KetECT study', '(ELEKT-D)'."""
    for text in (title, abstract):
        for match in _ACRONYM.finditer(text):
            name = match.group(1) or match.group(2)
            letters = re.sub(r"[^A-Za-z]", "", name)
            if len(letters) >= 3 and name.upper() not in NOT_ACRONYMS:
                return name.upper()
    return None


@dataclass(frozen=True)
class PaperFacts:
    """What grouping reads from one paper."""

    paper_id: int
    title: str
    abstract: str
    registry_ids: tuple[str, ...]
    authors: frozenset[str]  # lower-case last names
    publication_types: tuple[str, ...] = ()


@dataclass
class TrialGroup:
    key: str
    registry_ids: list[str]
    acronym: str | None
    grouped_by: str  # "registry id" | "acronym and authors"
    members: dict[int, Role] = field(default_factory=dict)


def trial_registrations(ids: Iterable[str]) -> tuple[str, ...]:
    """Registry ids of trials: PROSPERO (CRD42...) registers systematic reviews."""
    return tuple(i for i in ids if not i.upper().startswith("CRD"))


class _Sets:
    """Union-find over paper ids."""

    def __init__(self):
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def group_trials(papers: Iterable[PaperFacts]) -> list[TrialGroup]:
    """Papers sharing a registration, or an acronym and an author, become one trial."""
    papers = [replace(p, registry_ids=trial_registrations(p.registry_ids)) for p in papers]
    papers = [p for p in papers if 0 < len(p.registry_ids) <= MAX_IDS_TO_GROUP
              or (not p.registry_ids and acronym_of(p.title, p.abstract))]
    sets = _Sets()
    by_id: dict[str, int] = {}
    acronyms: dict[int, str | None] = {}
    for paper in papers:
        sets.find(paper.paper_id)
        acronyms[paper.paper_id] = acronym_of(paper.title, paper.abstract)
        for registry_id in paper.registry_ids:
            if registry_id in by_id:
                sets.union(by_id[registry_id], paper.paper_id)
            else:
                by_id[registry_id] = paper.paper_id
    by_acronym: dict[str, list[PaperFacts]] = defaultdict(list)
    for paper in papers:
        if acronyms[paper.paper_id]:
            by_acronym[acronyms[paper.paper_id]].append(paper)
    for same in by_acronym.values():
        for i, paper in enumerate(same):
            for other in same[:i]:
                if paper.authors & other.authors:
                    sets.union(paper.paper_id, other.paper_id)

    components: dict[int, list[PaperFacts]] = defaultdict(list)
    for paper in papers:
        components[sets.find(paper.paper_id)].append(paper)
    groups = []
    for members in components.values():
        ids = sorted({i for p in members for i in p.registry_ids})
        names = sorted({acronyms[p.paper_id] for p in members if acronyms[p.paper_id]})
        acronym = names[0] if names else None
        if ids:
            key, grouped_by = ids[0], "registry id"
        elif len(members) > 1:
            key, grouped_by = f"acronym:{acronym}", "acronym and authors"
        else:  # one paper naming an acronym nobody else shares: a trial of its own
            key, grouped_by = f"acronym:{acronym}:{members[0].paper_id}", "acronym"
        group = TrialGroup(key=key, registry_ids=ids, acronym=acronym, grouped_by=grouped_by)
        for paper in sorted(members, key=lambda p: p.paper_id):
            group.members[paper.paper_id] = role_of(paper.title, paper.publication_types)
        groups.append(group)
    return sorted(groups, key=lambda g: g.key)


def facts_of(paper: Paper) -> PaperFacts:
    abstract = " ".join(section.get("text") or "" for section in paper.abstract or [])
    return PaperFacts(
        paper_id=paper.id, title=paper.title or "", abstract=abstract,
        registry_ids=trial_registrations(paper.trial_ids or ()),
        authors=frozenset((a.get("last") or "").lower() for a in paper.authors or []
                          if a.get("last")),
        publication_types=tuple(name for _, name in paper.publication_types or []),
    )


def rebuild_trials(session: Session, *, now: datetime) -> dict[str, int]:
    """Rewrite the trials tables from the stored papers (canonical, not deleted, not notices)."""
    papers = session.execute(  # plain rows: every poll regroups the whole store
        select(Paper.id, Paper.title, Paper.abstract, Paper.trial_ids, Paper.authors,
               Paper.publication_types)
        .where(Paper.canonical_id.is_(None), Paper.deleted.is_(False), Paper.is_notice.is_(False))
    )
    groups = group_trials(facts_of(p) for p in papers)
    session.execute(delete(TrialPaper))
    session.execute(delete(Trial))
    session.flush()
    if groups:  # one INSERT per table, not a flush per trial
        ids = dict(session.execute(insert(Trial).returning(Trial.key, Trial.id), [
            {"key": group.key, "registry_ids": group.registry_ids, "acronym": group.acronym,
             "grouped_by": group.grouped_by, "built_at": now}
            for group in groups
        ]).all())
        session.execute(insert(TrialPaper), [
            {"trial_id": ids[group.key], "paper_id": paper_id, "role": role.role,
             "role_source": role.source, "role_reason": role.reason}
            for group in groups for paper_id, role in group.members.items()
        ])
    return {"trials": len(groups), "papers": sum(len(g.members) for g in groups)}


@dataclass(frozen=True)
class TrialMembership:
    key: str
    label: str  # registry ids and acronym, for a reader
    role: str
    role_reason: str


def trial_memberships(session: Session, paper_ids: Iterable[int]) -> dict[int, TrialMembership]:
    """paper id -> its trial; papers in no trial are absent (each is a trial of its own)."""
    ids = list(paper_ids)
    found: dict[int, TrialMembership] = {}
    for link, trial in rows_in_batches(session, lambda batch: select(TrialPaper, Trial)
                                       .join(Trial, Trial.id == TrialPaper.trial_id)
                                       .where(TrialPaper.paper_id.in_(batch)), ids):
        label = ", ".join([*(trial.registry_ids or []), *([trial.acronym] if trial.acronym
                                                           else [])])
        found[link.paper_id] = TrialMembership(trial.key, label, link.role, link.role_reason)
    return found


def trial_keys(session: Session) -> dict[int, set[str]]:
    """Paper id -> the keys of the trials it reports, for counting trials; a paper in none is
    absent (a trial of its own). The trials tables are few rows: read whole."""
    keys: dict[int, set[str]] = defaultdict(set)
    for paper_id, key in session.execute(
        select(TrialPaper.paper_id, Trial.key).join(Trial, Trial.id == TrialPaper.trial_id)
    ):
        keys[paper_id].add(key)
    return keys
