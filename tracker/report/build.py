"""The evidence report as plain data, read from the database once and then rendered many ways.

Counting rule (the same everywhere in the report): a paper counts as evidence for a therapy when
it is canonical (not merged into another record), not deleted, not excluded by a reviewer, not
retracted and not itself a notice. A paper's date is its PubMed create date (entrez_date, [crdt]);
a record stored without one falls back to the day the tracker first saw it.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta

from sqlalchemy import select, true
from sqlalchemy.orm import Session

from tracker.baseline import Baseline, Document, therapies_mentioned
from tracker.clock import local_day
from tracker.errors import ConfigError
from tracker.evidence import (
    LEVELS_BY_RANK,
    ON_NOTICE,
    PERIODS,
    WITHDRAWING,
    Coverage,
    Gap,
    Level,
    coverage,
    events,
    trial_memberships,
    worded_for_history,
)
from tracker.records import doi_url, normal_doi
from tracker.report import counting
from tracker.report import pathways as pathway_view
from tracker.report import trials as trial_view
from tracker.report.citation import issns_of
from tracker.report.windows import window_of
from tracker.review import prisma_for_report
from tracker.store import NoticeLink, Paper, PaperChange, rows_in_batches
from tracker.store import Reference as ReferenceRow

SCHEMA_VERSION = "1"
MESH_UI = re.compile(r"\b[DCQ]\d{6,9}\s+(?=\S)")
HIGHLIGHT_LEVELS = (Level.SYSTEMATIC_REVIEW.value, Level.RCT.value)
SOURCE_NAMES = {
    "publication_type": "publication type",
    "mesh": "MeSH",
    "text": "text rule",
    "none": "no rule matched",
    "publication_type+model": "publication type with the level model",
    "text+model": "text rule with the level model",
    "mesh+model": "MeSH with the level model",
    "model": "level model",
}
NOTICE_LABELS = {
    "retraction": "Retraction",
    "retracted_and_republished": "Retracted and republished",
    "expression_of_concern": "Expression of concern",
    "erratum": "Erratum",
    "update": "Update",
    "comment": "Comment",
    "removed": "Removed from PubMed",
}


@dataclass(frozen=True)
class LevelInfo:
    value: str
    label: str
    rank: int
    short: str


SHORT_LABELS = {
    "systematic_review": "SR/MA",
    "rct": "RCT",
    "non_randomised_trial": "NRT",
    "observational": "Obs",
    "case_report": "Case",
    "guideline": "Guide",
    "narrative_review": "Review",
    "preclinical": "Precl",
    "protocol": "Protocol",
    "unclassified": "Uncl",
}
LEVELS = tuple(
    LevelInfo(lv.value, lv.label, lv.rank, SHORT_LABELS.get(lv.value, lv.value))
    for lv in LEVELS_BY_RANK
)
LEVEL_BY_VALUE = {info.value: info for info in LEVELS}


@dataclass(frozen=True)
class PaperItem:
    pmid: str
    title: str
    authors: tuple[str, ...]
    journal: str | None
    pub_date: str | None
    created: date
    doi: str | None
    abstract: str
    level: str
    level_label: str
    level_rank: int
    level_source: str
    level_confidence: float
    level_reason: str
    design: str | None
    sample_size: int | None
    trial_ids: tuple[str, ...]
    is_demo: bool
    therapies: tuple[str, ...]
    inclusion: str = "undecided"
    exclusion_reason: str | None = None
    # citation details for reference managers (RIS, BibTeX, CSV)
    journal_full: str | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    issn: str | None = None
    mesh: tuple[str, ...] = ()  # descriptor names
    therapy_names: tuple[str, ...] = ()
    possible_duplicate_of: str | None = None  # the older PMID; this one is not counted
    trial_key: str | None = None  # the trial it reports, when grouped with others
    trial_label: str | None = None
    trial_role: str | None = None
    trial_role_reason: str | None = None

    @property
    def pubmed_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"

    @property
    def doi_url(self) -> str | None:
        return doi_url(self.doi)

    @property
    def provenance(self) -> str:
        """Where the level came from, said plainly: rule source, confidence and reason."""
        source = SOURCE_NAMES.get(self.level_source, self.level_source)
        text = f"{source}, confidence {self.level_confidence:.2f}"
        reason = without_mesh_uis(self.level_reason)
        return f"{text}: {reason}" if reason else text

    @property
    def citation(self) -> str:
        """Authors. Journal date. The short line a reader recognises a paper by."""
        parts = [self.author_line + "." if self.authors else ""]  # "et al" gets its stop here
        parts.append(" ".join(p for p in (self.journal, self.pub_date) if p))
        return " ".join(p for p in parts if p).rstrip(".") + "."

    @property
    def author_line(self) -> str:
        if len(self.authors) > 3:
            return ", ".join(self.authors[:3]) + " et al"  # the template adds the full stop
        return ", ".join(self.authors)


@dataclass(frozen=True)
class NoticeItem:
    kind: str
    kind_label: str
    paper_pmid: str  # the paper the notice touches
    paper_title: str | None
    notice_pmid: str | None
    notice_title: str | None
    date: date
    baseline_reference: str | None = None  # "document#number" when a seed reference is touched

    @property
    def paper_url(self) -> str:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.paper_pmid}/"

    @property
    def notice_url(self) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.notice_pmid}/" if self.notice_pmid else None


@dataclass(frozen=True)
class LevelGroup:
    level: LevelInfo
    papers: tuple[PaperItem, ...]


@dataclass(frozen=True)
class TrendPoint:
    day: date
    by_level: dict[str, int]


@dataclass(frozen=True)
class TherapySection:
    id: str
    name: str
    category: str
    status: str
    new_by_level: dict[str, int]  # in [since, until]
    previous_by_level: dict[str, int]  # the period of the same length just before
    cumulative_by_level: dict[str, int]  # everything up to until
    at_baseline_by_level: dict[str, int]  # everything before the baseline date
    highlights: tuple[PaperItem, ...]
    others: tuple[LevelGroup, ...]
    notices: tuple[NoticeItem, ...]
    events: tuple[str, ...]
    retracted: int  # papers of this therapy retracted in the period
    trend: tuple[TrendPoint, ...]
    gaps: tuple[Gap, ...] = ()  # days of the window never searched for this therapy
    previous_polled: bool = True  # every day of the previous window was searched
    history_complete: bool = False  # its whole PubMed history was searched

    @property
    def polled(self) -> bool:
        return not self.gaps
    trials: dict[str, dict[str, int]] = field(default_factory=dict)  # like the counts, in trials
    unlisted: dict[str, int] = field(default_factory=dict)  # level -> papers over the list limit

    @property
    def rct_summary(self) -> str:
        """'RCTs: 4 trials, 9 papers' (cumulative): papers of one trial are one trial."""
        papers = self.cumulative_by_level.get(Level.RCT.value, 0)
        trials = self.trials.get("cumulative", {}).get(Level.RCT.value, papers)
        return (f"RCTs: {trials} trial{'s' if trials != 1 else ''}, "
                f"{papers} paper{'s' if papers != 1 else ''}")

    @property
    def highlight_groups(self) -> list:
        """Highlights, a trial's papers of the window (its protocol too) listed under it once."""
        return trial_view.highlight_groups(self.highlights, [p for g in self.others
                                                             for p in g.papers])

    @property
    def others_not_in_trials(self) -> tuple[LevelGroup, ...]:
        """The other level groups without the papers already listed under a highlighted trial."""
        listed = trial_view.listed_in_trials(self.highlights, [p for g in self.others
                                                               for p in g.papers])
        return tuple(
            LevelGroup(g.level, papers) for g in self.others
            if (papers := tuple(p for p in g.papers if p.pmid not in listed))
        )

    @property
    def new_total(self) -> int:
        return sum(self.new_by_level.values())

    @property
    def previous_total(self) -> int:
        return sum(self.previous_by_level.values())

    @property
    def cumulative_total(self) -> int:
        return sum(self.cumulative_by_level.values())

    @property
    def at_baseline_total(self) -> int:
        return sum(self.at_baseline_by_level.values())

    @property
    def has_news(self) -> bool:
        return bool(self.highlights or self.others or self.notices or self.events)

    @property
    def change_vs_previous(self) -> int:
        return self.new_total - self.previous_total

    @property
    def change_since_baseline(self) -> int:
        return self.cumulative_total - self.at_baseline_total

    def change_vs_previous_by_level(self) -> dict[str, int]:
        return {k: self.new_by_level[k] - self.previous_by_level[k] for k in self.new_by_level}

    def change_since_baseline_by_level(self) -> dict[str, int]:
        return {
            k: self.cumulative_by_level[k] - self.at_baseline_by_level[k]
            for k in self.cumulative_by_level
        }


@dataclass(frozen=True)
class PathwayItem:
    """The second axis: the papers a pathway's own query found (tracker.report.pathways)."""

    id: str
    name: str
    therapies: tuple[str, ...]  # names of the therapies the seeds say act on it
    new_by_level: dict[str, int]
    cumulative: int
    polled_through: date | None = None  # None: never polled, so no count is known
    shared: tuple[tuple[str, int], ...] = ()  # (therapy name, papers also found by it)

    @property
    def polled(self) -> bool:
        return self.polled_through is not None

    @property
    def shared_text(self) -> str:
        """Which therapies' papers also appear here: 'Intravenous ketamine (3), ...'."""
        return ", ".join(f"{name} ({n})" for name, n in self.shared) or "none"


@dataclass(frozen=True)
class ReferenceItem:
    key: str
    document: str
    number: int
    citation: str
    pmid: str | None
    resolution: str
    cited_for: tuple[str, ...]
    matches: tuple[str, ...]
    context: str | None
    verdict: str  # "supports" | "partly" | "no_match"
    verdict_text: str
    retracted: bool
    notices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    since: date
    until: date
    previous_since: date
    previous_until: date
    period: str
    generated_at: datetime
    baseline_date: date
    documents: tuple[Document, ...]  # the seed documents, as the baseline gives them
    demo: bool
    levels: tuple[LevelInfo, ...]
    therapies: tuple[TherapySection, ...]
    excluded: tuple[PaperItem, ...]
    references: tuple[ReferenceItem, ...]
    alerts: tuple[str, ...]  # always shown at the top: retractions touching baseline references
    pathways: tuple[PathwayItem, ...] = ()
    prisma: dict | None = None  # screening counts, tracker.review.prisma_for_report
    schema_version: str = SCHEMA_VERSION
    coverage: Coverage | None = None  # which days of the window were searched
    unit: str = "custom"  # the window's calendar period (week, month, quarter, year) or custom
    label: str = ""  # the period as a reader names it: 2025-W01, 2025-07, 2025-Q3, 2025
    list_limit: int | None = None  # papers listed per level and therapy; None: all
    excluded_unlisted: int = 0  # excluded papers over the list limit

    @property
    def gaps(self) -> tuple[Gap, ...]:
        return tuple(self.coverage.gaps) if self.coverage else ()

    @property
    def papers(self) -> tuple[PaperItem, ...]:
        """The period's counted papers across therapies, each once, strongest first."""
        seen: dict[str, PaperItem] = {}
        for therapy in self.therapies:
            for paper in therapy.highlights:
                seen.setdefault(paper.pmid, paper)
            for group in therapy.others:
                for paper in group.papers:
                    seen.setdefault(paper.pmid, paper)
        return tuple(sorted(seen.values(), key=lambda p: (-p.level_rank, p.created, p.pmid)))


def empty_counts() -> dict[str, int]:
    return {info.value: 0 for info in LEVELS}


def created_on(paper: Paper) -> date:
    """The create date, with the same fallbacks as tracker.evidence.snapshots."""
    return paper.entrez_date or paper.pubmed_date or local_day(paper.first_seen_at)


def counts_as_evidence(paper: Paper) -> bool:
    return (
        paper.canonical_id is None
        and not paper.deleted
        and paper.inclusion != "excluded"
        and not paper.retracted
        and paper.notice_kind is None
    )


def author_names(paper: Paper) -> tuple[str, ...]:
    names = []
    for author in paper.authors or []:
        if author.get("collective"):
            names.append(author["collective"])
        else:
            names.append(" ".join(p for p in (author.get("last"), author.get("initials")) if p))
    return tuple(n for n in names if n)


def without_mesh_uis(text: str) -> str:
    """"publication type D064888 Observational Study" -> "publication type Observational Study":
    readers know MeSH by name; the stored reason keeps the UI."""
    return MESH_UI.sub("", text)


def paper_item(
    paper: Paper, therapies: tuple[str, ...], names: dict[str, str] | None = None,
    issn: str | None = None, possible_duplicate_of: str | None = None,
) -> PaperItem:
    info = LEVEL_BY_VALUE.get(paper.level, LEVEL_BY_VALUE[Level.UNCLASSIFIED.value])
    abstract = "\n".join(
        f"{s['label']}: {s['text']}" if s.get("label") else s.get("text", "")
        for s in (paper.abstract or [])
    )
    return PaperItem(
        pmid=paper.pmid, title=paper.title or "(no title)", authors=author_names(paper),
        journal=paper.journal_abbrev or paper.journal, pub_date=paper.pub_date_text,
        created=created_on(paper), doi=normal_doi(paper.doi), abstract=abstract, level=info.value,
        level_label=info.label, level_rank=info.rank, level_source=paper.level_source,
        level_confidence=paper.level_confidence or 0.0, level_reason=paper.level_reason or "",
        design=paper.design, sample_size=paper.sample_size,
        trial_ids=tuple(paper.trial_ids or ()), is_demo=paper.is_demo, therapies=therapies,
        inclusion=paper.inclusion, exclusion_reason=paper.exclusion_reason,
        journal_full=paper.journal, volume=paper.volume, issue=paper.issue, pages=paper.pages,
        issn=issn, mesh=tuple(h.get("descriptor", "") for h in paper.mesh or ()),
        therapy_names=tuple((names or {}).get(t, t) for t in therapies),
        possible_duplicate_of=possible_duplicate_of,
    )


def retraction_days(session: Session, paper_ids: list[int]) -> dict[int, date]:
    """The day each paper's retracted flag turned on, from the change history."""
    return change_days(session, paper_ids, "retracted")


def change_days(session: Session, paper_ids: list[int], flag: str) -> dict[int, date]:
    """The day each paper's `flag` (retracted, deleted) last turned on, from the change
    history."""
    days: dict[int, date] = {}
    if not paper_ids:
        return days
    for paper_id, changed_at, new in rows_in_batches(session, lambda batch: select(
            PaperChange.paper_id, PaperChange.changed_at, PaperChange.new)
            .where(PaperChange.paper_id.in_(batch), PaperChange.field == flag)
            .order_by(PaperChange.changed_at), paper_ids):
        if new:
            days[paper_id] = local_day(changed_at)
    return days


NOTICE_COLUMNS = (Paper.id, Paper.pmid, Paper.canonical_id, Paper.deleted,
                  Paper.comments_corrections,
                  Paper.date_revised, Paper.updated_at, counting.created_day().label("day"))


def collect_notices(session: Session, therapy_ids: list[str]) -> list[tuple[set, NoticeItem]]:
    """Every notice touching a tracked paper, with the therapies it concerns; not period-filtered.

    Sources: NoticeLink rows; notice records whose CommentsCorrections name the paper; retracted
    papers with no notice stored (their retraction day comes from the change history); papers
    PubMed removed. Reads those rows alone (a few columns each), never every tracked paper.
    """
    tracked = counting.tracked(therapy_ids)
    notice_rows = session.scalars(select(NoticeLink).order_by(NoticeLink.id)).all()
    # each found through its partial index; the rest of the rule is checked here, as a
    # condition on canonical_id would send the planner through every canonical paper
    notice_papers = [row for row in session.execute(select(*NOTICE_COLUMNS).where(
        Paper.notice_kind.is_not(None), tracked).order_by(Paper.id))
        if row.canonical_id is None and not row.deleted]
    retracted = [row for row in session.execute(select(*NOTICE_COLUMNS).where(
        Paper.retracted == true(), tracked).order_by(Paper.id)) if row.canonical_id is None]
    removed = session.execute(select(*NOTICE_COLUMNS).where(Paper.deleted == true(), tracked)
                              .order_by(Paper.id)).all()
    named = {pmid for row in (*notice_papers, *retracted)
             for _, pmid, _ in row.comments_corrections or [] if pmid}
    pmids = ({r.paper_pmid for r in notice_rows} | {r.notice_pmid for r in notice_rows}
             | {r.pmid for r in (*notice_papers, *retracted, *removed)} | named) - {None}
    by_pmid, therapies_of = tracked_by_pmid(session, pmids, therapy_ids)
    found: dict[tuple[str, str | None, str], tuple[set, NoticeItem]] = {}

    def add(kind, paper_pmid, notice_pmid, day, extra_therapies=()):
        touched = by_pmid.get(paper_pmid)
        notice = by_pmid.get(notice_pmid) if notice_pmid else None
        therapies = set(therapies_of.get(paper_pmid, ())) | set(extra_therapies)
        key = (paper_pmid, notice_pmid, kind)
        if key in found or not therapies:
            return
        found[key] = (therapies, NoticeItem(
            kind=kind, kind_label=NOTICE_LABELS.get(kind, kind.replace("_", " ").capitalize()),
            paper_pmid=paper_pmid, paper_title=touched.title if touched else None,
            notice_pmid=notice_pmid, notice_title=notice.title if notice else None, date=day,
        ))

    for row in notice_rows:
        notice = by_pmid.get(row.notice_pmid) if row.notice_pmid else None
        day = notice.entrez_date if notice and notice.entrez_date else local_day(row.found_at)
        extra = therapies_of.get(row.notice_pmid, ()) if row.notice_pmid else ()
        add(row.kind, row.paper_pmid, row.notice_pmid, day, extra)
    for paper in notice_papers:
        for ref_type, pmid, _source in paper.comments_corrections or []:
            if ref_type in ON_NOTICE and pmid:
                add(ON_NOTICE[ref_type], pmid, paper.pmid, paper.day,
                    therapies_of.get(paper.pmid, ()))
    days = retraction_days(session, [p.id for p in retracted])
    for paper in retracted:
        if any(k[0] == paper.pmid and k[2] in WITHDRAWING for k in found):
            continue
        notice_pmid = next(
            (pmid for ref_type, pmid, _ in paper.comments_corrections or []
             if ref_type == "RetractionIn" and pmid), None,
        )
        add("retraction", paper.pmid, notice_pmid,
            days.get(paper.id, paper.date_revised or paper.day))
    days = change_days(session, [p.id for p in removed], "deleted")
    for paper in removed:  # PubMed no longer has it: it stopped counting on that day
        add("removed", paper.pmid, None, days.get(paper.id, local_day(paper.updated_at)))
    return list(found.values())


def tracked_by_pmid(session: Session, pmids: set[str], therapy_ids: list[str]):
    """(pmid -> (id, pmid, title, entrez_date), pmid -> therapy ids) for the tracked papers
    among `pmids`; papers of no tracked therapy are left out, as a report does not know them."""
    rows = list(rows_in_batches(session, lambda batch: select(
        Paper.id, Paper.pmid, Paper.title, Paper.entrez_date).where(Paper.pmid.in_(batch)),
        sorted(pmids)))
    links = counting.links_of(session, [row.id for row in rows], therapy_ids)
    by_pmid = {row.pmid: row for row in rows if links.get(row.id)}
    return by_pmid, {pmid: links[row.id] for pmid, row in by_pmid.items()}


def reference_items(session: Session, baseline: Baseline) -> tuple[ReferenceItem, ...]:
    """Each seed reference with its PMID, what it is about, and every notice touching it."""
    rows = {r.key: r for r in session.scalars(select(ReferenceRow))}
    names = {t.id: t.name for t in baseline.therapies}
    pmids = [r.pmid for r in rows.values() if r.pmid]
    key_of = {r.pmid: key for key, r in rows.items() if r.pmid}
    touched: dict[str, list[NoticeLink]] = defaultdict(list)
    for link in session.scalars(
        select(NoticeLink).where(NoticeLink.paper_pmid.in_(pmids))
        .order_by(NoticeLink.kind, NoticeLink.notice_pmid)
    ) if pmids else ():
        touched[key_of[link.paper_pmid]].append(link)
    flagged = set(session.scalars(
        select(Paper.pmid).where(Paper.pmid.in_(pmids), Paper.retracted.is_(True))
    )) if pmids else set()
    items = []
    for ref in baseline.references:
        row = rows.get(ref.key)
        pmid = row.pmid if row else None
        if row is not None:
            matches = tuple(row.matches or ())
        else:  # not stored yet (no `tracker init`): judge by the cited title, as init does
            matches = therapies_mentioned(f"{ref.title}. {ref.topic or ''}", baseline.therapies)
        cited_for = tuple(ref.cited_for)
        verdict, text = reference_verdict(matches, cited_for, ref.topic, names)
        citation = f"{ref.authors} {ref.title}. {ref.journal}. {ref.year}"
        if ref.volume:
            citation += f";{ref.volume}" + (f"({ref.issue})" if ref.issue else "")
            citation += f":{ref.pages}" if ref.pages else ""
        notes = tuple(
            NOTICE_LABELS.get(n.kind, n.kind)
            + (f" (PMID {n.notice_pmid})" if n.notice_pmid else "")
            for n in touched.get(ref.key, ())
        )
        items.append(ReferenceItem(
            key=ref.key, document=ref.document, number=ref.number, citation=citation + ".",
            pmid=pmid, resolution=row.resolution if row else "pending", cited_for=cited_for,
            matches=matches, context=ref.context, verdict=verdict, verdict_text=text,
            retracted=pmid in flagged
            or any(n.kind in WITHDRAWING for n in touched.get(ref.key, ())),
            notices=notes,
        ))
    return tuple(items)


def reference_verdict(matches, cited_for, topic, names) -> tuple[str, str]:
    """Whether a seed reference is about the therapies it is cited for, said plainly."""
    cited = ", ".join(names.get(t, t) for t in cited_for)
    about = ", ".join(names.get(t, t) for t in matches)
    if not matches:
        details = [f"cited for {cited}"] if cited_for else []
        details += [f"its topic: {topic}"] if topic else []
        text = "does not match any tracked therapy"
        return "no_match", text + (f" ({'; '.join(details)})" if details else "")
    if cited_for and not set(cited_for) <= set(matches):
        return "partly", f"about {about}, but cited for {cited}"
    return "supports", f"about {about}"


def build_report(
    session: Session,
    baseline: Baseline,
    *,
    since: date,
    until: date,
    therapy_ids=None,
    period: str = "week",
    generated_at: datetime,
    with_issns: bool = True,
    list_limit: int | None = None,
) -> Report:
    """Everything the report shows for [since, until]: counts from SQL, the window's papers as
    light rows, and only the papers it lists as objects, so the work follows the window rather
    than the database's size.

    with_issns=False leaves the papers' ISSNs out: only the exports (RIS, BibTeX, CSV) print
    them, and reading them parses every listed paper's stored record.
    list_limit lists at most that many papers of each level in each therapy (and of the
    excluded ones), the most recent: a page a reader can use over a long window. The counts
    are the same whatever it is; None lists every paper (JSON, exports)."""
    if list_limit is not None and list_limit < 1:
        raise ConfigError(f"list limit must be at least 1 (got {list_limit})")
    if since > until:
        raise ConfigError(f"report window starts after it ends ({since} > {until})")
    if period not in PERIODS:
        raise ConfigError(f"unknown report period {period!r} (known: {', '.join(PERIODS)})")
    therapies = baseline.select(therapy_ids)
    ids = [t.id for t in therapies]
    names = {t.id: t.name for t in baseline.therapies}
    window = window_of(since, until)
    prev_since, prev_until = window.previous_since, window.previous_until
    baseline_date = baseline.start_date

    covered = coverage(session, ids, since, until)
    covered_before = coverage(session, ids, prev_since, prev_until)
    doubtful = counting.possible_duplicates(session)
    listed, unlisted = counting.listed_in_window(session, ids, doubtful, since, until,
                                                 list_limit)
    excluded_ids, excluded_unlisted = counting.excluded_in_window(session, ids, since, until,
                                                                  list_limit)
    papers = counting.papers_by_id(session, sorted({*listed, *excluded_ids}))
    links = counting.links_of(session, list(papers), ids)
    memberships = trial_memberships(session, [  # counted papers only: not possible duplicates
        pid for pid in listed if counts_as_evidence(papers[pid]) and pid not in doubtful])
    counts, trials_by_range, _, trends = counting.report_counts(session, ids, doubtful, {
        "new": (since, until), "previous": (prev_since, prev_until), "cumulative": (None, until),
        "at_baseline": (None, baseline_date - timedelta(days=1)),
        "before": (None, since - timedelta(days=1)),
    }, counting.Trend(min(baseline_date, since), until, period, from_first=True))
    notices = collect_notices(session, ids)
    references = reference_items(session, baseline)
    reference_of = {r.pmid: r.key for r in references if r.pmid}
    alerts = tuple(
        f"Baseline reference {r.key} (PMID {r.pmid}) has been retracted: "
        f"{r.citation}" for r in references if r.retracted
    )
    if therapy_ids:  # a report on some therapies lists the references cited or about them
        chosen = set(ids)
        references = tuple(r for r in references if chosen & {*r.matches, *r.cited_for})

    issns = issns_of(session, sorted(listed)) if with_issns else {}
    # each listed paper's item built once and filed under its therapies in one pass (a pass over
    # the window's papers per therapy grew with therapies times papers)
    listed_by_therapy: dict[str, list[PaperItem]] = defaultdict(list)
    for pid in listed:
        item = trial_view.with_trial(
            paper_item(papers[pid], tuple(sorted(links[pid])), names, issns.get(pid),
                       doubtful.get(pid)),
            memberships.get(pid))
        for therapy_id in listed[pid]:
            listed_by_therapy[therapy_id].append(item)
    sections = []
    for therapy in therapies:
        items = sorted(listed_by_therapy[therapy.id],
                       key=lambda i: (-i.level_rank, i.created, i.pmid))
        highlights = tuple(i for i in items if i.level in HIGHLIGHT_LEVELS)
        groups = tuple(
            LevelGroup(info, group) for info in LEVELS
            if info.value not in HIGHLIGHT_LEVELS
            and (group := tuple(i for i in items if i.level == info.value))
        )
        my_notices = tuple(sorted(
            (replace(n, baseline_reference=reference_of.get(n.paper_pmid))
             for ts, n in notices if therapy.id in ts and since <= n.date <= until),
            key=lambda n: (n.date, n.paper_pmid, n.kind),
        ))
        retracted = len({n.paper_pmid for n in my_notices if n.kind in WITHDRAWING})
        mine = counts[therapy.id]
        trials = trials_by_range[therapy.id]
        found = events(therapy.name,  # RCT events count trials, not papers
                       Counter(trial_view.rcts_as_trials(mine["before"], trials.pop("before"))),
                       Counter(trial_view.rcts_as_trials(mine["cumulative"],
                                                         trials["cumulative"])),
                       mine["at_baseline"][Level.SYSTEMATIC_REVIEW.value], retracted)
        history = therapy.id in covered.history_complete
        sections.append(TherapySection(
            id=therapy.id, name=therapy.name, category=therapy.category, status=therapy.status,
            new_by_level=mine["new"], previous_by_level=mine["previous"],
            cumulative_by_level=mine["cumulative"], at_baseline_by_level=mine["at_baseline"],
            highlights=highlights, others=groups, notices=my_notices,
            events=tuple(event_text(e, history) for e in found), retracted=retracted,
            trend=tuple(TrendPoint(day, by_level) for day, by_level in trends[therapy.id]),
            gaps=tuple(covered.gaps_of(therapy.id)),
            previous_polled=not covered_before.gaps_of(therapy.id), history_complete=history,
            trials=trials, unlisted=dict(unlisted[therapy.id]),
        ))

    excluded = sorted((paper_item(papers[pid], tuple(sorted(links[pid])), names,
                                  issns.get(pid)) for pid in excluded_ids),
                      key=lambda i: (i.created, i.pmid))
    pathways = pathway_view.pathway_items(session, baseline, since=since, until=until)
    # demo data is marked by the demo that wrote it, and a demo database stays one whatever
    # the window
    demo = session.scalar(select(Paper.id).where(Paper.is_demo == true()).limit(1)) is not None

    return Report(
        since=since, until=until, previous_since=prev_since, previous_until=prev_until,
        period=period, generated_at=generated_at, unit=window.unit, label=window.label,
        baseline_date=baseline_date,
        documents=baseline.documents, demo=demo, levels=LEVELS, therapies=tuple(sections),
        excluded=tuple(excluded), references=references, alerts=alerts, pathways=pathways,
        prisma=prisma_for_report(session, ids, since, until),
        coverage=covered, list_limit=list_limit, excluded_unlisted=excluded_unlisted,
    )


def event_text(event: dict, history_complete: bool) -> str:
    return worded_for_history(event, history_complete)["text"]

